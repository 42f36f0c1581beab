// SnpVerifier (/attest/SevSnpVm): the MAA report document, runtime/init-time binding, the
// default policy's compliance claim, and document rejections.
#include "evidence/snp/snp_verifier.h"

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "crypto/digest.h"
#include "evidence/registry.h"
#include "evidence/snp/snp_document.h"
#include "policy/default_policies.h"
#include "policy/policy.h"
#include "testing/amd_world.h"

namespace attest::evidence {
namespace {

using testing::AmdCase;
using testing::AmdWorld;

Bytes Text(std::string_view s) { return Bytes(s.begin(), s.end()); }

Bytes Document(const AmdCase& c, bool with_chain = true) {
  nlohmann::json doc = {{"SnpReport", Base64UrlEncode(c.report)}};
  if (with_chain) doc["VcekCertChain"] = Base64UrlEncode(Text(c.ChainPem()));
  return Text("\n  " + doc.dump() + "\n");
}

StatusOr<claims::ClaimSet> Verify(const AmdCase& c, const Evidence& ev) {
  static collateral::StaticCollateralProvider none(nullptr);
  FixedClock clock(c.verification_time);
  VerifyContext ctx{clock, none, c.anchors};
  return SnpVerifier(VerifierConfig{}).Verify(ev, ctx);
}

Evidence SnpEvidence(Bytes blob) {
  Evidence ev;
  ev.type = AttestationType::kSevSnpVm;
  ev.blob = std::move(blob);
  return ev;
}

TEST(SnpVerifierTest, VerifiesMaaDocumentAndBindsRuntimeAndInitTimeData) {
  AmdWorld w = AmdWorld::Milan();
  Bytes runtime = Text("{\"keys\":[]}");
  Bytes policy = Text("package policy");
  crypto::Sha256Digest rd = crypto::Sha256(runtime);
  crypto::Sha256Digest hd = crypto::Sha256(policy);
  std::copy(rd.begin(), rd.end(), w.report.report_data.begin());
  std::fill(w.report.report_data.begin() + 32, w.report.report_data.end(), 0);
  std::copy(hd.begin(), hd.end(), w.report.host_data.begin());
  AmdCase c = w.Build();
  Evidence ev = SnpEvidence(Document(c));
  ev.runtime_data = BoundData{runtime, BoundData::Kind::kJson};
  ev.init_time_data = BoundData{policy, BoundData::Kind::kBinary};
  auto claims = Verify(c, ev);
  ASSERT_TRUE(claims.has_value()) << claims.error().ToString();
  EXPECT_EQ(*claims->FindValue("x-ms-sevsnpvm-hostdata"), HexEncode(hd));
  EXPECT_FALSE(claims->Contains("x-attestd-uvm-endorsement"));

  Evidence wrong_runtime = ev;
  wrong_runtime.runtime_data->data = Text("{}");
  EXPECT_EQ(Verify(c, wrong_runtime).error().reason(), "RUNTIME_DATA_MISMATCH");
  Evidence wrong_host = ev;
  wrong_host.init_time_data->data = Text("package other");
  EXPECT_EQ(Verify(c, wrong_host).error().reason(), "INIT_TIME_DATA_MISMATCH");
}

TEST(SnpVerifierTest, AcceptsRawReportWithChainFromCollateral) {
  AmdCase c = AmdWorld::Turin().Build();
  testing::AmdCaseProvider provider(c);
  FixedClock clock(c.verification_time);
  VerifyContext ctx{clock, provider, c.anchors};
  auto claims = SnpVerifier(VerifierConfig{}).Verify(SnpEvidence(c.report), ctx);
  ASSERT_TRUE(claims.has_value()) << claims.error().ToString();
  EXPECT_EQ(claims->FindValue("x-attestd-sevsnp")->at("product"), "Turin");
}

TEST(SnpVerifierTest, RejectsMalformedDocuments) {
  AmdCase c = AmdWorld::Milan().Build();
  for (std::string_view bad :
       {"{", "{\"VcekCertChain\":\"AAAA\"}", "{\"SnpReport\":42}", "{\"SnpReport\":\"***\"}",
        "[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]"}) {
    auto r = Verify(c, SnpEvidence(Text(bad)));
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_TRUE(r.error().reason() == "SNP_DOCUMENT_INVALID" ||
                r.error().reason() == "SNP_REPORT_TRUNCATED")
        << bad << " " << r.error().ToString();
  }
  std::string deep = "{\"SnpReport\":\"AAAA\",\"x\":" + std::string(40, '[') + std::string(40, ']') + "}";
  EXPECT_EQ(Verify(c, SnpEvidence(Text(deep))).error().reason(), "SNP_DOCUMENT_INVALID");
  nlohmann::json e = {{"Uvm", "not-an-array"}};
  nlohmann::json doc = {{"SnpReport", Base64UrlEncode(c.report)},
                        {"Endorsements", Base64UrlEncode(Text(e.dump()))}};
  EXPECT_EQ(Verify(c, SnpEvidence(Text(doc.dump()))).error().reason(), "SNP_DOCUMENT_INVALID");
}

TEST(SnpVerifierTest, RejectsChainForAnotherProduct) {
  AmdCase milan = AmdWorld::Milan().Build();
  AmdCase turin = AmdWorld::Turin().Build();
  nlohmann::json doc = {{"SnpReport", Base64UrlEncode(milan.report)},
                        {"VcekCertChain", Base64UrlEncode(Text(turin.ChainPem()))}};
  EXPECT_EQ(Verify(milan, SnpEvidence(Text(doc.dump()))).error().reason(),
            "SNP_CHAIN_PRODUCT_MISMATCH");
}

TEST(SnpVerifierTest, RejectsGarbageUvmEndorsement) {
  AmdCase c = AmdWorld::Milan().Build();
  Evidence ev = SnpEvidence(Document(c));
  ev.endorsements = Text("not cbor at all");
  EXPECT_EQ(Verify(c, ev).error().reason(), "UVM_ENDORSEMENT_INVALID");
}

TEST(SnpVerifierTest, DefaultPolicyIssuesComplianceOnlyForAVerifiedUvm) {
  claims::ClaimSet with_uvm;
  with_uvm.Add("x-attestd-uvm-endorsement", "verified");
  auto text = FindDescriptor(AttestationType::kSevSnpVm)->default_policy;
  EXPECT_EQ(text, policy::kSevSnpDefaultPolicy);
  auto compiled = policy::CompilePolicy(text);
  ASSERT_TRUE(compiled.has_value()) << compiled.error().ToString();
  auto r = policy::Evaluate(*compiled, with_uvm);
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->permitted);
  const nlohmann::json* status = r->issued.FindValue("x-ms-compliance-status");
  ASSERT_NE(status, nullptr);
  EXPECT_EQ(*status, "azure-compliant-uvm");
  auto none = policy::Evaluate(*compiled, claims::ClaimSet{});
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->permitted);
  EXPECT_EQ(none->issued.FindValue("x-ms-compliance-status"), nullptr);
}

}  // namespace
}  // namespace attest::evidence
