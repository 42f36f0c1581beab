// Whose fault unusable collateral is (issue 14 item 6): the server's collateral (offline
// directory, cache, fetched) that is expired, mismatched or unusable is the server's problem
// (503, retryable); only collateral the caller sent (OE endorsements) is a bad request (400).
// Also: the PCK chain is verified before any collateral is asked for, and the verifier's
// caches key by content and by exact signed bytes.
#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>

#include "api/error_mapping.h"
#include "evidence/dcap/quote_verifier.h"
#include "evidence/registry.h"
#include "testing/dcap_verify.h"

namespace attest::testing {
namespace {

using evidence::AttestationType;

constexpr UnixTime kT = kTestVerificationTime;

// Serves one case's collateral with the given provenance; counts requests; optionally a fresh
// copy per request (as a network source would).
class CountingProvider final : public collateral::CollateralProvider {
 public:
  CountingProvider(collateral::DcapCollateral c, Provenance provenance, bool fresh = false)
      : fresh_(fresh) {
    c.provenance = provenance;
    c_ = std::make_shared<const collateral::DcapCollateral>(std::move(c));
  }
  StatusOr<std::shared_ptr<const collateral::DcapCollateral>> GetDcapCollateral(
      const collateral::DcapCollateralRequest& request) override {
    ++calls;
    last_request = request;
    if (fresh_) return std::make_shared<const collateral::DcapCollateral>(*c_);
    return c_;
  }
  std::atomic<int> calls{0};
  collateral::DcapCollateralRequest last_request;

 private:
  std::shared_ptr<const collateral::DcapCollateral> c_;
  bool fresh_;
};

StatusOr<claims::ClaimSet> VerifyWith(const DcapCase& c, collateral::CollateralProvider& provider,
                                      AttestationType type = AttestationType::kSgxEnclave) {
  FixedClock clock(c.verification_time);
  evidence::Evidence evidence;
  evidence.type = type;
  evidence.blob = c.quote;
  evidence::VerifyContext context{clock, provider, c.anchors};
  auto verifier = evidence::MakeVerifier(type, evidence::VerifierConfig{});
  if (!verifier) return Err(verifier.error());
  return (*verifier)->Verify(evidence, context);
}

DcapWorld WithExpiredTcbInfo() {
  DcapWorld w = DcapWorld::Sgx();
  w.tcb_info.WithIssueDate(kT - 30 * kDay).WithNextUpdate(kT - 1);
  return w;
}

TEST(CollateralFaultTest, ExpiredServerHeldCollateralIs503WithTheReason) {
  DcapCase c = WithExpiredTcbInfo().Build();
  CountingProvider server(c.collateral, Provenance::kHeldByServer);
  auto r = VerifyWith(c, server);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason(), "TCB_INFO_EXPIRED");
  EXPECT_EQ(r.error().category(), "COLLATERAL_EXPIRED");
  EXPECT_EQ(r.error().provenance(), Provenance::kHeldByServer);
  api::HttpResponse resp = api::ErrorResponse(r.error());
  EXPECT_EQ(resp.status, 503);
  auto body = nlohmann::json::parse(resp.body);
  EXPECT_EQ(body["error"]["code"], "ServiceUnavailable");
  EXPECT_EQ(body["error"]["reason"], "TCB_INFO_EXPIRED");
  EXPECT_NE(body["error"]["message"].get<std::string>().find("server's collateral"),
            std::string::npos);
  bool retry_after = false;
  for (const auto& [k, v] : resp.headers) retry_after = retry_after || k == "Retry-After";
  EXPECT_TRUE(retry_after);
}

TEST(CollateralFaultTest, ExpiredCollateralSentByTheCallerIs400) {
  DcapCase c = WithExpiredTcbInfo().Build();
  CountingProvider caller(c.collateral, Provenance::kSentByCaller);
  auto r = VerifyWith(c, caller);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason(), "TCB_INFO_EXPIRED");
  EXPECT_EQ(r.error().provenance(), Provenance::kSentByCaller);
  api::HttpResponse resp = api::ErrorResponse(r.error());
  EXPECT_EQ(resp.status, 400);
  EXPECT_EQ(nlohmann::json::parse(resp.body)["error"]["code"], "InvalidParameter");
}

TEST(CollateralFaultTest, FetchedCollateralOfAnotherPlatformIs503) {
  DcapWorld w = DcapWorld::Sgx();
  w.tcb_info.WithFmspc({1, 2, 3, 4, 5, 6});
  DcapCase c = w.Build();
  CountingProvider fetched(c.collateral, Provenance::kFetchedByServer);
  auto r = VerifyWith(c, fetched);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason(), "TCB_INFO_MISMATCH");
  EXPECT_EQ(api::MapStatus(r.error()).status, 503);
}

TEST(CollateralFaultTest, ServerHeldCrlWithBadSignatureIs503) {
  DcapWorld w = DcapWorld::Sgx();
  w.root_ca_crl.WithValidity(kT - 300 * kDay, kT - 1);
  DcapCase c = w.Build();
  CountingProvider server(c.collateral, Provenance::kHeldByServer);
  auto r = VerifyWith(c, server);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason(), "CRL_EXPIRED");
  EXPECT_EQ(api::MapStatus(r.error()).status, 503);
}

TEST(CollateralFaultTest, BadEvidenceStays400WhateverTheCollateral) {
  DcapWorld w = DcapWorld::Sgx();
  w.quote.FlipBitAfterSigning(28);
  DcapCase c = w.Build();
  CountingProvider server(c.collateral, Provenance::kHeldByServer);
  auto r = VerifyWith(c, server);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason(), "INVALID_QUOTE_SIGNATURE");
  EXPECT_EQ(api::MapStatus(r.error()).status, 400);
}

TEST(CollateralFaultTest, ForgedPckChainIsRejectedBeforeCollateralIsAskedFor) {
  DcapWorld w = DcapWorld::Sgx();
  w.pki = std::make_shared<TestPki>();  // a self-made root; anchors pin the default test root
  DcapCase c = w.Build();
  CountingProvider server(c.collateral, Provenance::kHeldByServer);
  auto r = VerifyWith(c, server);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason(), "UNTRUSTED_ROOT_CA");
  EXPECT_EQ(api::MapStatus(r.error()).status, 400);
  EXPECT_EQ(server.calls, 0);
}

TEST(CollateralFaultTest, ForgedPckChainIsNotAnsweredCollateralMissing) {
  DcapWorld w = DcapWorld::Tdx();
  TestPki other;
  w.pki = std::make_shared<TestPki>();
  DcapCase c = w.Build();
  collateral::StaticCollateralProvider empty(nullptr);
  auto r = VerifyWith(c, empty, AttestationType::kTdxVm);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason(), "UNTRUSTED_ROOT_CA");
}

TEST(CollateralFaultTest, RequestCarriesTheVerifiedTeeFmspcAndCa) {
  DcapCase sgx = DcapWorld::Sgx().Build();
  CountingProvider p1(sgx.collateral, Provenance::kHeldByServer);
  ASSERT_TRUE(VerifyWith(sgx, p1)) << "SGX world verifies";
  EXPECT_EQ(p1.last_request.tee, collateral::DcapTee::kSgx);
  EXPECT_EQ(p1.last_request.fmspc, "00906ED50000");
  EXPECT_EQ(p1.last_request.pck_ca, collateral::PckCa::kProcessor);
  DcapCase tdx = DcapWorld::Tdx().Build();
  CountingProvider p2(tdx.collateral, Provenance::kHeldByServer);
  ASSERT_TRUE(VerifyWith(tdx, p2, AttestationType::kTdxVm));
  EXPECT_EQ(p2.last_request.tee, collateral::DcapTee::kTdx);
  EXPECT_EQ(p2.last_request.fmspc, "00806F050000");
  EXPECT_EQ(p2.last_request.pck_ca, collateral::PckCa::kPlatform);
}

TEST(QuoteVerifierCacheTest, CachesCollateralByContentNotByObject) {
  const dcap::QuoteVerifier& qv = dcap::QuoteVerifier::Shared();
  qv.ClearCaches();
  DcapCase c = DcapWorld::Sgx().Build();
  CountingProvider fresh(c.collateral, Provenance::kFetchedByServer, /*fresh=*/true);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(VerifyWith(c, fresh));
  }
  EXPECT_EQ(fresh.calls, 5);
  EXPECT_EQ(qv.Sizes().collateral_sets, 1u);
  // Different content is a different entry.
  DcapWorld w = DcapWorld::Sgx();
  w.tcb_info.WithEvaluationDataNumber(99);
  DcapCase other = w.Build();
  CountingProvider p(other.collateral, Provenance::kHeldByServer);
  EXPECT_EQ(ReasonOf(VerifyWith(other, p)), "OK");
  EXPECT_EQ(qv.Sizes().collateral_sets, 2u);
}

TEST(QuoteVerifierCacheTest, RemembersTheQeReportSignatureOfAPlatform) {
  const dcap::QuoteVerifier& qv = dcap::QuoteVerifier::Shared();
  qv.ClearCaches();
  DcapCase c = DcapWorld::Sgx().Build();
  CountingProvider p(c.collateral, Provenance::kHeldByServer);
  ASSERT_TRUE(VerifyWith(c, p));
  ASSERT_TRUE(VerifyWith(c, p));
  EXPECT_EQ(qv.Sizes().qe_report_signatures, 1u);
}

TEST(QuoteVerifierCacheTest, CorruptQeReportSignatureFailsAfterTheGoodOneWasRemembered) {
  const dcap::QuoteVerifier& qv = dcap::QuoteVerifier::Shared();
  qv.ClearCaches();
  DcapWorld w = DcapWorld::Sgx();
  w.pck_leaf = w.PckLeaf();  // same PCK key for both quotes
  DcapCase good = w.Build();
  CountingProvider p(good.collateral, Provenance::kHeldByServer);
  ASSERT_TRUE(VerifyWith(good, p));
  w.quote.CorruptQeReportSignature();
  DcapCase bad = w.Build();
  EXPECT_EQ(ReasonOf(VerifyWith(bad, p)), "INVALID_QE_REPORT_SIGNATURE");
  EXPECT_EQ(qv.Sizes().qe_report_signatures, 1u);
}

}  // namespace
}  // namespace attest::testing
