// Fuzz target: BearerAuthenticator::Authenticate, the raw `Authorization` header value of a
// management call, against an authenticator configured with an EC P-256 JWKS (the input is the
// whole header, so the "Bearer " prefix handling is fuzzed too). Seeds are well-formed ES256
// JWTs signed by that key (fuzz/fixed_signer.h) (valid, expired, not yet valid, wrong issuer/audience, roles in both
// forms), so mutations start past the signature check and reach the claim checks.
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "base/encoding.h"
#include "base/time.h"
#include "fuzz/fuzz_seeds.h"
#include "service/bearer_authenticator.h"
#include "fuzz/fixed_signer.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>

namespace {

constexpr attest::UnixTime kNow = 1800000000;

// x ‖ y of the fixed signer's P-256 key (the identity provider's key in the JWKS).
attest::Bytes IdpPublicXy() {
  uint8_t point[65];
  size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(attest::fuzz::FixedSignerCertificate().public_key(),
                                      OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point, &len) != 1 ||
      len != 65) {
    std::abort();
  }
  return attest::Bytes(point + 1, point + 65);
}

const attest::service::BearerAuthenticator& Authenticator() {
  static const attest::FixedClock clock(kNow);
  static const attest::service::BearerAuthenticator* auth = [] {
    attest::Bytes xy = IdpPublicXy();
    std::string jwks =
        nlohmann::json(
            {{"keys",
              {{{"kty", "EC"}, {"crv", "P-256"}, {"kid", "k1"},
                {"x", attest::Base64UrlEncode(attest::ByteSpan(xy.data(), 32))},
                {"y", attest::Base64UrlEncode(attest::ByteSpan(xy.data() + 32, 32))}}}}})
            .dump();
    attest::service::BearerAuthOptions options;
    options.issuer = "https://idp.test";
    options.audience = "https://attest.azure.net";
    auto created = attest::service::BearerAuthenticator::Create(options, jwks, clock);
    if (!created) {
      std::abort();
    }
    return new attest::service::BearerAuthenticator(std::move(*created));
  }();
  return *auth;
}

std::string Es256Jwt(const nlohmann::json& header, const nlohmann::json& claims) {
  return attest::fuzz::FixedSignerJws(header.dump(), claims.dump());
}

}  // namespace

std::vector<attest::Bytes> FuzzSeeds() {
  nlohmann::json header = {{"alg", "ES256"}, {"kid", "k1"}, {"typ", "JWT"}};
  nlohmann::json claims = {{"iss", "https://idp.test"}, {"aud", "https://attest.azure.net"},
                           {"sub", "alice"}, {"exp", kNow + 600}, {"nbf", kNow - 60},
                           {"roles", {"AttestationPolicy.Write"}}};
  nlohmann::json reader = claims;
  reader["roles"] = "Other AttestationPolicy.Read";
  reader["aud"] = {"x", "https://attest.azure.net"};
  reader.erase("sub");
  reader["oid"] = "0000-1111";
  nlohmann::json expired = claims;
  expired["exp"] = kNow - 3600;
  nlohmann::json early = claims;
  early["nbf"] = kNow + 3600;
  nlohmann::json wrong = claims;
  wrong["iss"] = "https://other.test";
  nlohmann::json no_kid = {{"alg", "ES256"}};
  std::vector<attest::Bytes> seeds;
  for (const std::string& token :
       {Es256Jwt(header, claims), Es256Jwt(header, reader), Es256Jwt(header, expired),
        Es256Jwt(header, early), Es256Jwt(header, wrong), Es256Jwt(no_kid, claims)}) {
    seeds.push_back(attest::fuzz::SeedFromText("Bearer " + token));
  }
  seeds.push_back(attest::fuzz::SeedFromText("bearer eyJhbGciOiJub25lIn0.e30."));
  return seeds;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view header(reinterpret_cast<const char*>(data), size);
  (void)Authenticator().Authenticate(header);
  return 0;
}
