// Compact JWS/JWT parsing and RS256 signature verification for relying parties.
//
// Only what a token *consumer* needs: split, decode and parse the three segments strictly
// (RFC 7515 §7.1; canonical unpadded base64url as maa-rest-api.md §6.3 requires), and check an
// RSASSA-PKCS1-v1_5/SHA-256 signature with OpenSSL EVP. Signing lives in src/token/.
// Values are immutable after parsing; functions are thread-safe.
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

  std::string alg() const;     // header "alg", "" when absent or not a string
  std::string kid() const;     // header "kid", "" when absent or not a string
};

// Parses a compact JWS. Reason on failure: TOKEN_MALFORMED.
StatusOr<Jwt> ParseJwt(std::string_view token);

// Verifies jwt.signature over jwt.signing_input with an RSA public key (>= 2048 bits).
// Reasons: TOKEN_SIGNATURE_INVALID, TOKEN_KEY_UNSUITABLE.
Status VerifyRs256(const Jwt& jwt, EVP_PKEY* public_key);

}  // namespace attest::client
