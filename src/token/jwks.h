// The discovery documents: the JWK Set served at /certs and the OpenID metadata served at
// /.well-known/openid-configuration. Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "token/signing_key.h"

namespace attest::token {

// spec/maa-rest-api.md §3.2: {"keys":[{"kid","kty":"RSA","x5c":["<std base64 DER>"], ...}]};
// kid equals the token header kid, x5c[0] is the signing cert. attestd adds n, e, use and
// alg so standard JOSE libraries can use the set (MAA's clients ignore them).
nlohmann::json JwkSet(const std::vector<const SigningKey*>& keys);

// spec/maa-rest-api.md §3.1. claims_supported lists the claims common to every type, then
// `type_claims` (what the served attestation types add: their registry descriptors').
nlohmann::json OpenIdMetadata(const std::string& base_url,
                              std::span<const std::string_view> type_claims);

}  // namespace attest::token
