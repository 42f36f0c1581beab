// Result tokens as compact JWS (RFC 7515 §7.1): RS256 (RFC 7518 §3.3) with the instance
// key, and the unsecured "none" form. The JOSE work is crypto/jws.h; this file only fixes
// how attestd serialises a token's header and claims.
//
// Header and payload are serialised by nlohmann::json: compact, object members in
// lexicographic order, which is what MAA emits (spec/maa-tokens.md §1). Stateless;
// thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/status.h"
#include "crypto/jws.h"
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

using ParsedJws = crypto::CompactJws;

// crypto::ParseCompactJws with a JSON-object payload and kMaxJwsSize. Reason JWS_MALFORMED.
StatusOr<ParsedJws> ParseCompactJws(std::string_view jws);
// Parses `jws` and verifies it as RS256 with `key`; reasons JWS_MALFORMED,
// JWS_UNSUPPORTED_ALG, JWS_KEY_UNSUITABLE, JWS_SIGNATURE_INVALID.
StatusOr<ParsedJws> VerifyCompactJwsRs256(std::string_view jws, EVP_PKEY* key);

}  // namespace attest::token
