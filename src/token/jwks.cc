#include "token/jwks.h"

#include "base/encoding.h"
#include "crypto/jwk.h"

namespace attest::token {

nlohmann::json JwkSet(const std::vector<const SigningKey*>& keys) {
  nlohmann::json out = {{"keys", nlohmann::json::array()}};
  for (const SigningKey* key : keys) {
    // RFC 7518 §6.3.1 n and e; an RSA key always has them, so a failure leaves them out.
    auto public_jwk = crypto::PublicJwk(key->public_key());
    nlohmann::json entry = {
        {"kid", key->kid()},
        {"kty", "RSA"},
        // RFC 7517 §4.7: standard base64 with padding, not base64url.
        {"x5c", nlohmann::json::array({Base64Encode(key->certificate_der())})},
        // MAA publishes only kid/kty/x5c and its SDKs ignore n/e; standard JOSE libraries
        // (discovery via jwks_uri) need them, so they are published too.
        {"use", "sig"},
        {"alg", "RS256"},
    };
    if (public_jwk.has_value()) {
      entry["n"] = (*public_jwk)["n"];
      entry["e"] = (*public_jwk)["e"];
    }
    out["keys"].push_back(std::move(entry));
  }
  return out;
}

nlohmann::json OpenIdMetadata(const std::string& base_url,
                              std::span<const std::string_view> type_claims) {
  nlohmann::json claims = {"cnf",           "nonce", "x-ms-ver", "x-ms-attestation-type",
                           "x-ms-policy-hash", "x-ms-policy-signer"};
  for (std::string_view claim : type_claims) claims.push_back(claim);
  return {
      {"response_types_supported", {"token", "none"}},
      {"id_token_signing_alg_values_supported", {"RS256"}},
      {"revocation_endpoint", base_url + "/revoke"},
      {"issuer", base_url},
      {"jwks_uri", base_url + "/certs"},
      {"claims_supported", std::move(claims)},
  };
}

}  // namespace attest::token
