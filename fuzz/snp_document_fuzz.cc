// Fuzz target: the MAA SevSnpVm document (`report` decoded: JSON {SnpReport, VcekCertChain,
// Endorsements}) through the whole SevSnpVm verifier with the test AMD world trusted: any
// input must give claims or a clean error (never a crash or an INTERNAL error), and an
// accepted one must carry the sevsnpvm type.
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "base/encoding.h"
#include "evidence/snp/snp_document.h"
#include "evidence/snp/snp_verifier.h"
#include "fuzz/fuzz_seeds.h"
#include "testing/amd_world.h"

namespace {

const attest::testing::AmdCase& WorldCase() {
  static const attest::testing::AmdCase* c =
      new attest::testing::AmdCase(attest::testing::AmdWorld::Milan().Build());
  return *c;
}

attest::Bytes Document(const attest::testing::AmdCase& c, bool with_uvm) {
  nlohmann::json doc = {{"SnpReport", attest::Base64UrlEncode(c.report)},
                        {"VcekCertChain", attest::Base64UrlEncode(attest::fuzz::SeedFromText(c.ChainPem()))}};
  if (with_uvm) {
    nlohmann::json e = {{"Uvm", {attest::Base64UrlEncode(attest::Bytes{0xD2, 0x84, 0x40, 0xA0, 0x40, 0x40})}}};
    doc["Endorsements"] = attest::Base64UrlEncode(attest::fuzz::SeedFromText(e.dump()));
  }
  return attest::fuzz::SeedFromText(doc.dump());
}

}  // namespace

std::vector<attest::Bytes> FuzzSeeds() {
  return {Document(WorldCase(), false), Document(WorldCase(), true), WorldCase().report,
          attest::fuzz::SeedFromText("{\"SnpReport\":\"AAAA\"}")};
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  attest::ByteSpan input(data, size);
  (void)attest::snp::ParseSnpDocument(input);
  static attest::evidence::SnpVerifier* verifier =
      new attest::evidence::SnpVerifier(attest::evidence::VerifierConfig{});
  static attest::collateral::StaticCollateralProvider* none =
      new attest::collateral::StaticCollateralProvider(nullptr);
  attest::FixedClock clock(WorldCase().verification_time);
  attest::evidence::VerifyContext ctx{clock, *none, WorldCase().anchors};
  attest::evidence::Evidence ev;
  ev.type = attest::AttestationType::kSevSnpVm;
  ev.blob.assign(input.begin(), input.end());
  auto claims = verifier->Verify(ev, ctx);
  if (!claims && claims.error().code() == attest::StatusCode::kInternal) std::abort();
  if (claims && !claims->Contains("x-ms-attestation-type")) std::abort();
  return 0;
}
