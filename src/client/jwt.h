// Compact JWS/JWT parsing and RS256 signature verification for relying parties: the
// client's view of crypto/jws.h, with its reasons (TOKEN_*) and its strictness.
//
// Tokens are held to the canonical form maa-rest-api.md §6.3 requires (unpadded base64url);
// signing lives in src/token/. Values are immutable after parsing; functions are thread-safe.
#pragma once

#include <openssl/evp.h>

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/bytes.h"
#include "base/status.h"

namespace attest::client {

// Tokens larger than this are rejected before decoding (MAA tokens are a few KiB).
inline constexpr size_t kMaxJwtSize = 256 * 1024;

struct Jwt {
  nlohmann::json header;       // a JSON object
  nlohmann::json claims;       // a JSON object (the payload)
  std::string signing_input;   // "<b64url header>.<b64url payload>"
  Bytes signature;             // decoded third segment (empty for alg "none")

  // Header "alg" (ParseJwt guarantees a string) and "kid" ("" when absent).
  std::string alg() const;
  std::string kid() const;
};

// Parses a compact JWS. Reason on failure: TOKEN_MALFORMED.
StatusOr<Jwt> ParseJwt(std::string_view token);

// Verifies jwt.signature over jwt.signing_input with an RSA public key (>= 2048 bits).
// Reasons: TOKEN_SIGNATURE_INVALID, TOKEN_KEY_UNSUITABLE.
Status VerifyRs256(const Jwt& jwt, EVP_PKEY* public_key);

}  // namespace attest::client
