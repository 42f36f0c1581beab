// Fuzz target: the JWS documents of policy management (PUT /policies/{type} bodies, :reset,
// /certificates:add|remove) — ParseManagementJws, then, for a signed document, the Isolated
// mode trust decision CheckSignerTrusted against a registered certificate and the helpers
// that read the signer (SignerJwk, CertificateThumbprint). Seeds are signed by the fixed
// fuzz signer (fuzz/fixed_signer.h), which is also the registered certificate, so mutations
// of a seed start from a document that verifies and is trusted.
#include <string>

#include <nlohmann/json.hpp>

#include "base/encoding.h"
#include "fuzz/fixed_signer.h"
#include "fuzz/fuzz_seeds.h"
#include "service/management_jws.h"

std::vector<attest::Bytes> FuzzSeeds() {
  using attest::fuzz::FixedSignerJws;
  using attest::fuzz::SeedFromText;
  const std::string der = attest::Base64Encode(attest::fuzz::FixedSignerCertificate().der());
  const std::string policy = attest::Base64UrlEncode(attest::AsBytes(
      "version=1.0; authorizationrules{=> permit();}; issuancerules{=> issue(type=\"a\", value=1);};"));
  const std::string header = nlohmann::json({{"alg", "ES256"}, {"x5c", {der}}}).dump();
  const std::string legacy =
      nlohmann::json({{"alg", "ES256"}, {"jwk", {{"kty", "EC"}, {"x5c", {der}}}}}).dump();
  const std::string add = nlohmann::json(
      {{"policyCertificate", {{"kty", "EC"}, {"alg", "ES256"}, {"x5c", {der}}}}}).dump();
  return {
      SeedFromText(FixedSignerJws(header, R"({"AttestationPolicy":")" + policy + "\"}")),
      SeedFromText(FixedSignerJws(legacy, R"({"AttestationPolicy":")" + policy + "\"}")),
      SeedFromText(FixedSignerJws(header, "")),
      SeedFromText("  " + FixedSignerJws(header, add) + "\r\n"),
      SeedFromText("eyJhbGciOiJub25lIn0.."),
      SeedFromText(attest::Base64UrlEncode(attest::AsBytes(R"({"alg":"none"})")) + "." +
                   attest::Base64UrlEncode(attest::AsBytes(R"({"AttestationPolicy":")" + policy + "\"}")) +
                   "."),
  };
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto jws = attest::service::ParseManagementJws(text);
  if (!jws || !jws->is_signed) {
    return 0;
  }
  static const std::vector<attest::crypto::Certificate> trusted = {
      attest::fuzz::FixedSignerCertificate()};
  // 2030-01-01, inside the fixed signer's validity.
  (void)attest::service::CheckSignerTrusted(*jws, trusted, attest::UnixTime{1893456000});
  (void)attest::service::SignerJwk(jws->x5c.front()).dump();
  (void)attest::service::CertificateThumbprint(jws->x5c.front());
  return 0;
}
