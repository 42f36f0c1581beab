// Compact JWS (RFC 7515 §7.1) with RS256 (RFC 7518 §3.3) and the unsecured "none" form.
//
// Header and payload are serialised by nlohmann::json: compact, object members in
// lexicographic order, which is what MAA emits (spec/maa-tokens.md §1). Stateless;
// thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/status.h"
#include "token/signing_key.h"

namespace attest::token {

// Largest compact JWS ParseCompactJws accepts.
inline constexpr size_t kMaxJwsSize = 1024 * 1024;

// base64url(header) "." base64url(payload) "." base64url(RS256 signature). The header's
// "alg" must be "RS256".
StatusOr<std::string> SignCompactJws(const nlohmann::json& header, const nlohmann::json& payload,
                                     const SigningKey& key);
// {"alg":"none"} header, empty signature: the token ends with "." (maa-tokens.md §1, draft
// policy results).
std::string UnsecuredCompactJws(const nlohmann::json& payload);

struct ParsedJws {
  nlohmann::json header;
  nlohmann::json payload;
  std::string signing_input;  // "<header>.<payload>" as received
  Bytes signature;
};

// Splits and decodes a compact JWS; header and payload must be JSON objects. Does not
// verify anything. Reasons: JWS_MALFORMED.
StatusOr<ParsedJws> ParseCompactJws(std::string_view jws);
// Verifies an RS256 signature of `jws` with `key`; reasons JWS_MALFORMED,
// JWS_UNSUPPORTED_ALG, JWS_SIGNATURE_INVALID.
StatusOr<ParsedJws> VerifyCompactJwsRs256(std::string_view jws, EVP_PKEY* key);

}  // namespace attest::token
