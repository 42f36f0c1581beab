#include "evidence/tpm/tpm_protocol.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <nlohmann/json.hpp>

#include "base/encoding.h"
#include "collateral/offline_dir_provider.h"
#include "crypto/jwk.h"
#include "crypto/jws.h"
#include "testing/tpm_builder.h"

namespace attest::evidence::tpm {
namespace {

using nlohmann::json;
using testing::TpmTestKey;

constexpr UnixTime kNow = 1'800'000'000;

struct World {
  World() : World(std::make_shared<FixedContextKey>(Bytes(32, 7))) {}
  explicit World(std::shared_ptr<const ContextKeySource> key)
      : ak(TpmTestKey::Generate(TpmTestKey::Kind::kRsa2048, kAlgRsassa, kAlgSha256)),
        request_key(EVP_RSA_gen(2048)) {
    config.tpm.context_key = std::move(key);
    config.tpm.ak_trust.trust_as_presented = true;
    protocol = std::make_unique<TpmProtocol>(config);
  }
  ~World() { EVP_PKEY_free(request_key); }

  StatusOr<AttestationProtocol::Step> Advance(const json& msg, UnixTime now = kNow) const {
    FixedClock clock(now);
    collateral::OfflineDirProvider none("/nonexistent");
    VerifyContext ctx{clock, none, config.anchors, attestation_provider};
    return protocol->Advance(ToBytes(msg.dump()), ctx);
  }

  // Round 1: the challenge and the sealed context.
  std::pair<Bytes, std::string> Init() const {
    auto step = Advance({{"payload", {{"type", "aikcert"}}}, {"metadata", {{"os_ver", 1}}}});
    EXPECT_TRUE(step && step->reply) << (step ? "" : step.error().ToString());
    json reply = json::parse(AsChars(*step->reply));
    return {Base64UrlDecode(reply["payload"]["challenge"].get<std::string>()).value(),
            reply["payload"]["service_context"].get<std::string>()};
  }

  // Round 2's message: a quote over all 24 sha256 PCRs with `nonce`, in a PS256 attReqV2.
  json Request(const Bytes& nonce, const std::string& context, const Bytes& att_challenge,
               std::string typ = "attReqV2", EVP_PKEY* signer = nullptr,
               uint32_t pcr_count = 24) const {
    testing::TpmQuoteSpec spec;
    spec.nonce = nonce;
    for (uint32_t i = 0; i < pcr_count; ++i) spec.pcrs[kAlgSha256][i] = Bytes(32, static_cast<uint8_t>(i));
    Bytes quote = testing::BuildQuote(spec);
    json values = json::array();
    for (const auto& [i, v] : spec.pcrs[kAlgSha256]) values.push_back({{"index", i}, {"digest", Base64UrlEncode(v)}});
    json body = {
        {"att_type", "basic"},
        {"att_data",
         {{"rp_id", "test"},
          {"rp_data", "rp"},
          {"challenge", Base64UrlEncode(att_challenge)},
          {"tpm_att_data",
           {{"current_attestation",
             {{"logs", json::array()},
              {"aik_pub", crypto::PublicJwk(ak.get()).value()},
              {"pcrs", json::array({{{"algorithm", 11}, {"values", values}}})},
              {"quote", Base64UrlEncode(quote)},
              {"signature", Base64UrlEncode(ak.Sign(quote, kAlgRsassa, kAlgSha256))}}}}}}},
        {"request_key", {{"jwk", crypto::PublicJwk(request_key).value()}}},
        {"service_context", context}};
    std::string header = json{{"alg", "PS256"}, {"typ", typ}}.dump();
    std::string jws = crypto::SignCompactJws(crypto::JwsAlg::kPs256, signer ? signer : request_key,
                                             header, body.dump())
                          .value();
    return {{"payload", {{"request", jws}}}};
  }

  VerifierConfig config;
  std::string attestation_provider;  // the attestd provider serving the requests
  std::unique_ptr<TpmProtocol> protocol;
  TpmTestKey ak;
  EVP_PKEY* request_key;
};

TEST(TpmProtocolTest, TwoRoundsYieldTpmClaims) {
  World w;
  auto [challenge, context] = w.Init();
  EXPECT_EQ(challenge.size(), kChallengeSize);
  auto step = w.Advance(w.Request(challenge, context, challenge));
  ASSERT_TRUE(step) << step.error().ToString();
  ASSERT_TRUE(step->claims);
  EXPECT_EQ(*step->claims->FindValue("tpmVersion"), 2);
  EXPECT_EQ(*step->claims->FindValue("aikValidated"), false);
  EXPECT_EQ(*step->claims->FindValue("x-ms-tpm-ak-trust"), "as-presented");
  EXPECT_EQ((*step->claims->FindValue("pcrs"))["PCRs"].size(), 24u);
  EXPECT_TRUE(step->claims->Contains("cnf"));
  EXPECT_EQ(*step->claims->FindValue("rp_data"), "rp");
}

TEST(TpmProtocolTest, RefusesReplayedExpiredAndForeignContexts) {
  World w;
  auto [challenge, context] = w.Init();
  json msg = w.Request(challenge, context, challenge);
  ASSERT_TRUE(w.Advance(msg));
  EXPECT_EQ(w.Advance(msg).error().reason(), "TPM_CONTEXT_REPLAYED");

  auto [c2, ctx2] = w.Init();
  EXPECT_EQ(w.Advance(w.Request(c2, ctx2, c2), kNow + 301).error().reason(), "TPM_CONTEXT_EXPIRED");

  World other(std::make_shared<FixedContextKey>(Bytes(32, 8)));
  auto [c3, ctx3] = other.Init();
  EXPECT_EQ(w.Advance(w.Request(c3, ctx3, c3)).error().reason(), "TPM_CONTEXT_INVALID");
  EXPECT_EQ(w.Advance(w.Request(c3, "garbage!", c3)).error().reason(), "TPM_CONTEXT_INVALID");
}

TEST(TpmProtocolTest, ReplicasSharingTheKeyAcceptEachOthersContexts) {
  auto key = std::make_shared<FixedContextKey>(Bytes(32, 9));
  World a(key);
  World b(key);
  auto [challenge, context] = a.Init();
  b.ak = a.ak;
  auto step = b.Advance(a.Request(challenge, context, challenge));
  EXPECT_TRUE(step) << step.error().ToString();
}

// Providers of one deployment share the sealing key; a context one issued is refused by
// another (issue 12: provider isolation), and accepted by the same provider on any replica.
TEST(TpmProtocolTest, ContextsAreBoundToTheAttestdProvider) {
  auto key = std::make_shared<FixedContextKey>(Bytes(32, 10));
  World a(key);
  a.attestation_provider = "tenant-a";
  World b(key);
  b.attestation_provider = "tenant-b";
  b.ak = a.ak;
  auto [challenge, context] = a.Init();
  json msg = a.Request(challenge, context, challenge);
  auto foreign = b.Advance(msg);
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().reason(), "TPM_CONTEXT_INVALID");
  World defaults(key);
  defaults.ak = a.ak;
  EXPECT_EQ(defaults.Advance(msg).error().reason(), "TPM_CONTEXT_INVALID");
  World a_replica(key);
  a_replica.attestation_provider = "tenant-a";
  a_replica.ak = a.ak;
  auto step = a_replica.Advance(msg);
  EXPECT_TRUE(step) << step.error().ToString();
}

TEST(TpmProtocolTest, RefusesBadRequests) {
  World w;
  {
    auto [challenge, context] = w.Init();
    Bytes other = challenge;
    other[0] ^= 1;
    EXPECT_EQ(w.Advance(w.Request(challenge, context, other)).error().reason(),
              "TPM_CHALLENGE_MISMATCH");
  }
  {
    auto [challenge, context] = w.Init();
    Bytes other = challenge;
    other[0] ^= 1;  // the quote is over another nonce
    EXPECT_EQ(w.Advance(w.Request(other, context, challenge)).error().reason(), "TPM_NONCE_MISMATCH");
  }
  {
    auto [challenge, context] = w.Init();
    EVP_PKEY* stranger = EVP_RSA_gen(2048);
    EXPECT_EQ(w.Advance(w.Request(challenge, context, challenge, "attReqV2", stranger)).error().reason(),
              "TPM_REQUEST_SIGNATURE_INVALID");
    EVP_PKEY_free(stranger);
  }
  {
    auto [challenge, context] = w.Init();
    EXPECT_EQ(w.Advance(w.Request(challenge, context, challenge, "attReq")).error().reason(),
              "TPM_PROTOCOL_VERSION_UNSUPPORTED");
  }
  {
    auto [challenge, context] = w.Init();
    // A quote of PCRs 0-7 only: refused under the default mask (every PCR), accepted when
    // the policy's configuration rule asks for PCRs 0-7 (required_pcr_mask, §5.4 step 4).
    auto step = w.Advance(w.Request(challenge, context, challenge, "attReqV2", nullptr, 8));
    ASSERT_TRUE(step) << step.error().ToString();
    ASSERT_TRUE(step->check_configuration);
    EXPECT_EQ(step->check_configuration(claims::ClaimSet()).reason(), "TPM_REQUIRED_PCRS_MISSING");
    EXPECT_EQ(step->check_configuration(claims::ClaimSet()).message(),
              "PCR 8 of the required PCR mask is not quoted");
    claims::ClaimSet first8;
    first8.Add("required_pcr_mask", 0xFF);
    EXPECT_TRUE(step->check_configuration(first8).ok());
    claims::ClaimSet first9;
    first9.Add("required_pcr_mask", 0x1FF);
    EXPECT_EQ(step->check_configuration(first9).reason(), "TPM_REQUIRED_PCRS_MISSING");
    claims::ClaimSet wrong;
    wrong.Add("required_pcr_mask", "0xFF");
    EXPECT_EQ(step->check_configuration(wrong).reason(), "POLICY_EVALUATION_ERROR");
    claims::ClaimSet too_big;
    too_big.Add("required_pcr_mask", 0x1000000);
    EXPECT_EQ(step->check_configuration(too_big).reason(), "POLICY_EVALUATION_ERROR");
  }
  for (const json& bad : {json::object(), json{{"payload", 1}}, json{{"payload", {{"type", "x"}}}},
                          json{{"payload", {{"request", "not.a.jws"}}}}}) {
    EXPECT_EQ(w.Advance(bad).error().reason(), "TPM_PROTOCOL_MESSAGE_MALFORMED") << bad.dump();
  }
  FixedClock clock(kNow);
  collateral::OfflineDirProvider none("/nonexistent");
  VerifyContext ctx{clock, none, w.config.anchors};
  EXPECT_EQ(w.protocol->Advance(AsBytes("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["), ctx).error().reason(),
            "TPM_PROTOCOL_MESSAGE_MALFORMED");
}

TEST(TpmProtocolTest, UnavailableWithoutContextKey) {
  VerifierConfig config;
  TpmProtocol p(config);
  FixedClock clock(kNow);
  collateral::OfflineDirProvider none("/nonexistent");
  VerifyContext ctx{clock, none, config.anchors};
  auto r = p.Advance(AsBytes(R"({"payload":{"type":"aikcert"}})"), ctx);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), StatusCode::kUnavailable);
  EXPECT_EQ(r.error().reason(), "TPM_PROTOCOL_UNAVAILABLE");
}

TEST(ServiceContextTest, ReplayMemoryIsBounded) {
  ServiceContextSealer sealer(std::make_shared<FixedContextKey>(Bytes(32, 1)), 10, 2);
  auto a = sealer.Issue(16, "Tpm", kNow).value();
  auto b = sealer.Issue(16, "Tpm", kNow).value();
  auto c = sealer.Issue(16, "Tpm", kNow).value();
  ASSERT_TRUE(sealer.Open(a.second, "Tpm", kNow));
  ASSERT_TRUE(sealer.Open(b.second, "Tpm", kNow));
  EXPECT_EQ(sealer.Open(c.second, "Tpm", kNow).error().reason(), "CONTEXT_CACHE_FULL");
  // Once the remembered contexts expired, they are forgotten and new ones are accepted.
  auto d = sealer.Issue(16, "Tpm", kNow + 11).value();
  EXPECT_TRUE(sealer.Open(d.second, "Tpm", kNow + 11));
  EXPECT_EQ(sealer.Open(a.second, "Tpm", kNow + 11).error().reason(), "TPM_CONTEXT_EXPIRED");
  // Another provider's context is foreign.
  auto e = sealer.Issue(16, "Other", kNow + 11).value();
  EXPECT_EQ(sealer.Open(e.second, "Tpm", kNow + 11).error().reason(), "TPM_CONTEXT_INVALID");
}

}  // namespace
}  // namespace attest::evidence::tpm
