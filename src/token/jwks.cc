#include "token/jwks.h"

#include <openssl/core_names.h>

#include "base/encoding.h"
#include "crypto/openssl_ptr.h"

namespace attest::token {
namespace {

// Big-endian bytes of an RSA public parameter ("n" or "e"), base64url (RFC 7518 §6.3.1).
std::string RsaParam(EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) return "";
  crypto::BignumPtr bn(raw);
  Bytes b(static_cast<size_t>(BN_num_bytes(bn.get())));
  BN_bn2bin(bn.get(), b.data());
  return Base64UrlEncode(b);
}

}  // namespace

nlohmann::json JwkSet(const std::vector<const SigningKey*>& keys) {
  nlohmann::json out = {{"keys", nlohmann::json::array()}};
  for (const SigningKey* key : keys) {
    out["keys"].push_back({
        {"kid", key->kid()},
        {"kty", "RSA"},
        // RFC 7517 §4.7: standard base64 with padding, not base64url.
        {"x5c", nlohmann::json::array({Base64Encode(key->certificate_der())})},
        // MAA publishes only kid/kty/x5c and its SDKs ignore n/e; standard JOSE libraries
        // (discovery via jwks_uri) need them, so they are published too.
        {"n", RsaParam(key->public_key(), OSSL_PKEY_PARAM_RSA_N)},
        {"e", RsaParam(key->public_key(), OSSL_PKEY_PARAM_RSA_E)},
        {"use", "sig"},
        {"alg", "RS256"},
    });
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
