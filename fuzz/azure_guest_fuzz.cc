// Fuzz target: the AttestationInfo of /attest/AzureGuest (evidence/azure_cvm/guest_request.h
// and guest_verifier.h) on arbitrary bytes: claims or an error, never a crash. The AK is
// trusted as presented here so that inputs reach the quote, the event log and the certified
// ephemeral key. Seeds: a complete Trusted Launch request that verifies (test TPM keys), and
// the same with SevSnp isolation evidence that does not.
#include <nlohmann/json.hpp>

#include "base/encoding.h"
#include "base/time.h"
#include "collateral/offline_dir_provider.h"
#include "evidence/azure_cvm/guest_verifier.h"
#include "evidence/tpm/certify.h"
#include "fuzz/fuzz_seeds.h"
#include "testing/tpm_builder.h"

namespace {

using namespace attest::evidence;
using namespace attest::evidence::tpm;
using nlohmann::json;

constexpr attest::UnixTime kNow = 1'800'000'000;

const VerifierConfig& Config() {
  static const VerifierConfig config = [] {
    VerifierConfig c;
    c.tpm.ak_trust.trust_as_presented = true;
    return c;
  }();
  return config;
}

const azure_cvm::AzureGuestVerifier& GuestVerifier() {
  static const azure_cvm::AzureGuestVerifier verifier(Config());
  return verifier;
}

std::string B64(const attest::Bytes& b) { return attest::Base64Encode(b); }

}  // namespace

std::vector<attest::Bytes> FuzzSeeds() {
  using attest::testing::TpmTestKey;
  TpmTestKey ak = TpmTestKey::Generate(TpmTestKey::Kind::kRsa2048, kAlgRsassa, kAlgSha256);
  attest::testing::TpmQuoteSpec spec;
  json pcrs = json::array();
  for (uint32_t i = 0; i < 8; ++i) {
    spec.pcrs[kAlgSha256][i] = attest::Bytes(32, static_cast<uint8_t>(i));
    pcrs.push_back({{"Index", i}, {"Digest", B64(spec.pcrs[kAlgSha256][i])}});
  }
  attest::Bytes quote = attest::testing::BuildQuote(spec);
  attest::Bytes policy = PolicyPcrDigest(kAlgSha256, quote, spec.pcrs).value();
  TpmTestKey enc = TpmTestKey::EncryptionKey(policy);
  attest::Bytes certify = attest::testing::BuildCertifyInfo(enc.Name());
  auto raw = [&](const attest::Bytes& data) { return ParseSignature(ak.Sign(data, kAlgRsassa, kAlgSha256)).value().rsa; };
  json info = {{"AttestationProtocolVersion", "2.0"},
               {"OSType", "TGludXg="},
               {"OSDistro", "RGViaWFu"},
               {"OSVersionMajor", 12},
               {"OSVersionMinor", 0},
               {"OSBuild", "Tm90QXBwbGljYXRpb24="},
               {"TcgLogs", B64(attest::testing::BuildAgileEventLog({kAlgSha256}, {}))},
               {"ClientPayload", {{"nonce", "QURFMDEwMQ=="}}},
               {"TpmInfo",
                {{"AikPub", B64(ak.tpm2b_public())},
                 {"PcrQuote", B64(quote)},
                 {"PcrSignature", B64(raw(quote))},
                 {"EncKeyPub", B64(enc.tpm2b_public())},
                 {"EncKeyCertifyInfo", B64(certify)},
                 {"EncKeyCertifyInfoSignature", B64(raw(certify))},
                 {"PcrSet", {0, 1, 2, 3, 4, 5, 6, 7}},
                 {"PCRs", pcrs}}},
               {"IsolationInfo", {{"Type", "TrustedLaunch"}}}};
  std::vector<attest::Bytes> seeds = {attest::fuzz::SeedFromText(info.dump())};
  json proof = {{"SnpReport", attest::Base64UrlEncode(attest::Bytes(1184, 0))},
                {"VcekCertChain", "LS0tLS1CRUdJTg"}};
  info["IsolationInfo"] = {{"Type", "SevSnp"},
                           {"Evidence",
                            {{"Proof", B64(attest::fuzz::SeedFromText(proof.dump()))},
                             {"RunTimeData", "eyJrZXlzIjpbXX0="}}}};
  seeds.push_back(attest::fuzz::SeedFromText(info.dump()));
  return seeds;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  attest::FixedClock clock(kNow);
  attest::collateral::OfflineDirProvider none("/nonexistent");
  VerifyContext ctx{clock, none, Config().anchors};
  Evidence e;
  e.type = attest::AttestationType::kAzureGuest;
  e.blob.assign(data, data + size);
  auto claims = GuestVerifier().Verify(e, ctx);
  (void)claims;
  return 0;
}
