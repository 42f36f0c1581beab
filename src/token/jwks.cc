#include "token/jwks.h"

#include "base/encoding.h"

namespace attest::token {

nlohmann::json JwkSet(const std::vector<const SigningKey*>& keys) {
  nlohmann::json out = {{"keys", nlohmann::json::array()}};
  for (const SigningKey* key : keys) {
    out["keys"].push_back({
        {"kid", key->kid()},
        {"kty", "RSA"},
        // RFC 7517 §4.7: standard base64 with padding, not base64url.
        {"x5c", nlohmann::json::array({Base64Encode(key->certificate_der())})},
    });
  }
  return out;
}

nlohmann::json OpenIdMetadata(const std::string& base_url) {
  return {
      {"response_types_supported", {"token", "none"}},
      {"id_token_signing_alg_values_supported", {"RS256"}},
      {"revocation_endpoint", base_url + "/revoke"},
      {"issuer", base_url},
      {"jwks_uri", base_url + "/certs"},
      {"claims_supported",
       {"cnf", "nonce", "x-ms-ver", "x-ms-attestation-type", "x-ms-policy-hash",
        "x-ms-policy-signer", "x-ms-sgx-is-debuggable", "x-ms-sgx-mrenclave", "x-ms-sgx-mrsigner",
        "x-ms-sgx-svn", "x-ms-sgx-ehd", "x-ms-sgx-collateral", "is-debuggable", "sgx-mrsigner",
        "sgx-mrenclave", "product-id", "svn", "tee"}},
  };
}

}  // namespace attest::token
