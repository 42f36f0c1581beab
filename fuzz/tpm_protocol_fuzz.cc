// Fuzz target: /attest/Tpm protocol messages (evidence/tpm/tpm_protocol.h) on arbitrary
// bytes: the decoded message of a round gives a reply, claims or an error, never a crash.
// Seeds are a round-1 message and round-2 attReqV2 requests (valid JWS, sealed context).
#include <openssl/evp.h>

#include <nlohmann/json.hpp>

#include "base/encoding.h"
#include "base/time.h"
#include "collateral/offline_dir_provider.h"
#include "crypto/jwk.h"
#include "crypto/jws.h"
#include "evidence/tpm/tpm_protocol.h"
#include "fuzz/fuzz_seeds.h"
#include "testing/tpm_builder.h"

namespace {

using namespace attest::evidence;
using namespace attest::evidence::tpm;
using nlohmann::json;

constexpr attest::UnixTime kNow = 1'800'000'000;

VerifierConfig Config() {
  VerifierConfig c;
  c.tpm.context_key = std::make_shared<FixedContextKey>(attest::Bytes(32, 5));
  c.tpm.ak_trust.trust_as_presented = true;
  c.tpm.required_pcr_mask = 0x1;
  return c;
}

const TpmProtocol& Protocol() {
  static const VerifierConfig config = Config();
  static const TpmProtocol protocol(config);
  return protocol;
}

}  // namespace

std::vector<attest::Bytes> FuzzSeeds() {
  std::vector<attest::Bytes> seeds = {attest::fuzz::SeedFromText(R"({"payload":{"type":"aikcert"}})")};
  ServiceContextSealer sealer(Config().tpm.context_key, 300);
  auto issued = sealer.Issue(16, "Tpm", kNow).value();
  auto ak = attest::testing::TpmTestKey::Generate(attest::testing::TpmTestKey::Kind::kRsa2048,
                                                  kAlgRsassa, kAlgSha256);
  attest::testing::TpmQuoteSpec spec;
  spec.nonce = issued.first.challenge;
  spec.pcrs[kAlgSha256][0] = attest::Bytes(32, 1);
  attest::Bytes quote = attest::testing::BuildQuote(spec);
  attest::Bytes log = attest::testing::BuildAgileEventLog({kAlgSha256}, {});
  EVP_PKEY* rk = EVP_RSA_gen(2048);
  json body = {
      {"att_type", "basic"},
      {"att_data",
       {{"challenge", attest::Base64UrlEncode(issued.first.challenge)},
        {"tpm_att_data",
         {{"current_attestation",
           {{"logs", json::array({{{"type", "TCG"}, {"log", attest::Base64UrlEncode(log)}}})},
            {"aik_pub", attest::crypto::PublicJwk(ak.get()).value()},
            {"pcrs", json::array({{{"algorithm", 11},
                                   {"values", json::array({{{"index", 0},
                                                            {"digest", attest::Base64UrlEncode(spec.pcrs[kAlgSha256][0])}}})}}})},
            {"quote", attest::Base64UrlEncode(quote)},
            {"signature", attest::Base64UrlEncode(ak.Sign(quote, kAlgRsassa, kAlgSha256))}}}}}}},
      {"request_key", {{"jwk", attest::crypto::PublicJwk(rk).value()}}},
      {"service_context", issued.second}};
  std::string jws = attest::crypto::SignCompactJws(attest::crypto::JwsAlg::kPs256, rk,
                                                   R"({"alg":"PS256","typ":"attReqV2"})", body.dump())
                        .value();
  EVP_PKEY_free(rk);
  seeds.push_back(attest::fuzz::SeedFromText(json{{"payload", {{"request", jws}}}}.dump()));
  seeds.push_back(attest::fuzz::SeedFromText(body.dump()));
  return seeds;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  attest::FixedClock clock(kNow);
  attest::collateral::OfflineDirProvider none("/nonexistent");
  static const VerifierConfig config = Config();
  VerifyContext ctx{clock, none, config.anchors};
  auto step = Protocol().Advance(attest::ByteSpan(data, size), ctx);
  (void)step;
  return 0;
}
