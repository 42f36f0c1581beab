// TCB level selection and status convergence (spec/intel-dcap.md §5.1-5.6): every status a
// level can carry, the QE and TDX-module convergence, advisories, and the TCB failures
// (TCB_NOT_SUPPORTED, TCB_REVOKED, TCB_STATUS_UNRECOGNIZED).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "testing/dcap_verify.h"

namespace attest::testing {
namespace {

using evidence::AttestationType;

StatusOr<claims::ClaimSet> VerifySgx(const DcapWorld& w) {
  return VerifyDcapCase(w.Build(), AttestationType::kSgxEnclave);
}
StatusOr<claims::ClaimSet> VerifyTdx(const DcapWorld& w) {
  return VerifyDcapCase(w.Build(), AttestationType::kTdxVm);
}

std::set<std::string> Advisories(const claims::ClaimSet& c) {
  const nlohmann::json* ids = c.FindValue("attester_advisory_ids");
  if (ids == nullptr) return {};
  return ids->get<std::set<std::string>>();
}

Bytes Svn16(std::initializer_list<uint8_t> head) {
  Bytes b(head);
  b.resize(16, 0);
  return b;
}

DcapWorld SgxWithPlatformLevel(const std::string& status, std::vector<std::string> advisories) {
  DcapWorld w = DcapWorld::Sgx();
  w.tcb_info.WithLevels({TcbLevelSpec{.sgx_svn = kSgxPlatformSvn,
                                      .pcesvn = kSgxPlatformPcesvn,
                                      .status = status,
                                      .advisory_ids = std::move(advisories)}});
  return w;
}

// --- §5.1: SGX platform level ---

TEST(DcapTcbStatusTest, ReportsEachPlatformStatusWithItsAdvisories) {
  for (const char* status : {"UpToDate", "SWHardeningNeeded", "ConfigurationNeeded",
                             "ConfigurationAndSWHardeningNeeded", "OutOfDate",
                             "OutOfDateConfigurationNeeded"}) {
    auto r = VerifySgx(SgxWithPlatformLevel(status, {"INTEL-SA-00334", "INTEL-SA-00615"}));
    ASSERT_TRUE(r.has_value()) << status << ": " << r.error().ToString();
    EXPECT_EQ(*r->FindValue("attester_tcb_status"), status);
    EXPECT_EQ(TcbDetail(*r, "platform_tcb_status"), status);
    EXPECT_EQ(TcbDetail(*r, "qe_tcb_status"), "UpToDate");
    EXPECT_EQ(Advisories(*r), (std::set<std::string>{"INTEL-SA-00334", "INTEL-SA-00615"})) << status;
  }
}

TEST(DcapTcbStatusTest, RejectsRevokedPlatformLevel) {
  EXPECT_EQ(ReasonOf(VerifySgx(SgxWithPlatformLevel("Revoked", {}))), "TCB_REVOKED");
}

TEST(DcapTcbStatusTest, RejectsUnknownStatusString) {
  EXPECT_EQ(ReasonOf(VerifySgx(SgxWithPlatformLevel("MostlyFine", {}))), "TCB_STATUS_UNRECOGNIZED");
}

TEST(DcapTcbStatusTest, RejectsPlatformBelowEveryLevel) {
  DcapWorld w = DcapWorld::Sgx();
  std::array<uint8_t, 16> svn = kSgxPlatformSvn;
  svn[0] = 1;
  w.pck.WithTcb(svn, kSgxPlatformPcesvn);
  EXPECT_EQ(ReasonOf(VerifySgx(w)), "TCB_NOT_SUPPORTED");
}

TEST(DcapTcbStatusTest, RejectsPcesvnBelowEveryLevel) {
  DcapWorld w = DcapWorld::Sgx();
  w.pck.WithTcb(kSgxPlatformSvn, 1);
  EXPECT_EQ(ReasonOf(VerifySgx(w)), "TCB_NOT_SUPPORTED");
}

TEST(DcapTcbStatusTest, OneLowerComponentDisqualifiesALevel) {
  // No lexicographic shortcut (spec §5.1): 9,9,...,4,... is not >= 5,5,...,5,...
  DcapWorld w = DcapWorld::Sgx();
  std::array<uint8_t, 16> high{}, low{}, pck{};
  high.fill(5);
  low.fill(4);
  pck.fill(9);
  pck[7] = 4;
  w.pck.WithTcb(pck, 10);
  w.tcb_info.WithLevels({TcbLevelSpec{.sgx_svn = high, .pcesvn = 10},
                         TcbLevelSpec{.sgx_svn = low, .pcesvn = 10, .status = "OutOfDate"}});
  auto r = VerifySgx(w);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(*r->FindValue("attester_tcb_status"), "OutOfDate");
}

TEST(DcapTcbStatusTest, SelectsHighestMatchingLevelWhateverTheJsonOrder) {
  // spec §4.2/§8: levels are sorted descending as QVL does, not taken in JSON order.
  DcapWorld w = DcapWorld::Sgx();
  std::array<uint8_t, 16> low = kSgxPlatformSvn;
  low[0] = 1;
  w.tcb_info.WithLevels(
      {TcbLevelSpec{.sgx_svn = low, .pcesvn = kSgxPlatformPcesvn, .status = "OutOfDate"},
       TcbLevelSpec{.sgx_svn = kSgxPlatformSvn, .pcesvn = kSgxPlatformPcesvn}});
  auto r = VerifySgx(w);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(*r->FindValue("attester_tcb_status"), "UpToDate");
}

TEST(DcapTcbStatusTest, LowerPcesvnSelectsOlderLevel) {
  DcapWorld w = DcapWorld::Sgx();
  w.pck.WithTcb(kSgxPlatformSvn, kSgxPlatformPcesvn - 1);  // default levels: 13 / 11
  auto r = VerifySgx(w);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(*r->FindValue("attester_tcb_status"), "OutOfDate");
  EXPECT_EQ(Advisories(*r), std::set<std::string>{"INTEL-SA-00828"});
}

// --- §5.4: QE convergence ---

TEST(DcapTcbStatusTest, OutOfDateQeMakesUpToDatePlatformOutOfDate) {
  DcapWorld w = DcapWorld::Sgx();
  w.quote.WithQeIsvSvn(7);  // QE levels: 8 UpToDate, 6 OutOfDate (INTEL-SA-00615)
  auto r = VerifySgx(w);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(*r->FindValue("attester_tcb_status"), "OutOfDate");
  EXPECT_EQ(TcbDetail(*r, "platform_tcb_status"), "UpToDate");
  EXPECT_EQ(TcbDetail(*r, "qe_tcb_status"), "OutOfDate");
  EXPECT_EQ(Advisories(*r), std::set<std::string>{"INTEL-SA-00615"});
}

TEST(DcapTcbStatusTest, ConvergesQeOutOfDateWithEachPlatformStatus) {
  const std::vector<std::pair<std::string, std::string>> table = {
      {"UpToDate", "OutOfDate"},
      {"SWHardeningNeeded", "OutOfDate"},
      {"ConfigurationNeeded", "OutOfDateConfigurationNeeded"},
      {"ConfigurationAndSWHardeningNeeded", "OutOfDateConfigurationNeeded"},
      {"OutOfDate", "OutOfDate"},
      {"OutOfDateConfigurationNeeded", "OutOfDateConfigurationNeeded"}};
  for (const auto& [platform, expected] : table) {
    DcapWorld w = SgxWithPlatformLevel(platform, {"INTEL-SA-00615", "INTEL-SA-00100"});
    w.quote.WithQeIsvSvn(6);
    auto r = VerifySgx(w);
    ASSERT_TRUE(r.has_value()) << platform << ": " << r.error().ToString();
    EXPECT_EQ(*r->FindValue("attester_tcb_status"), expected) << platform;
    // Union without duplicates: INTEL-SA-00615 is on both levels.
    EXPECT_EQ(Advisories(*r), (std::set<std::string>{"INTEL-SA-00615", "INTEL-SA-00100"}));
    EXPECT_EQ(r->FindValue("attester_advisory_ids")->size(), 2u) << platform;
  }
}

TEST(DcapTcbStatusTest, RejectsQeBelowEveryLevel) {
  DcapWorld w = DcapWorld::Sgx();
  w.quote.WithQeIsvSvn(5);
  EXPECT_EQ(ReasonOf(VerifySgx(w)), "TCB_NOT_SUPPORTED");
}

TEST(DcapTcbStatusTest, RejectsRevokedQeLevel) {
  DcapWorld w = DcapWorld::Sgx();
  w.qe_identity.WithLevels({QeTcbLevelSpec{.isvsvn = 8, .status = "Revoked"}});
  EXPECT_EQ(ReasonOf(VerifySgx(w)), "TCB_REVOKED");
}

// --- §5.2-5.4: TDX ---

TEST(DcapTcbStatusTest, TdxModuleMajorZeroComparesAllTeeTcbSvnBytes) {
  DcapWorld w = DcapWorld::Tdx();
  w.quote.WithTeeTcbSvn(Svn16({2, 0, 5}));  // below level 1 (3,0,5) at byte 0
  auto r = VerifyTdx(w);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(*r->FindValue("attester_tcb_status"), "OutOfDate");
  EXPECT_EQ(Advisories(*r), std::set<std::string>{"INTEL-SA-00960"});
  EXPECT_TRUE(TcbDetail(*r, "tdx_module_tcb_status").is_null());
}

TEST(DcapTcbStatusTest, RejectsTeeTcbSvnBelowEveryTdxLevel) {
  DcapWorld w = DcapWorld::Tdx();
  w.quote.WithTeeTcbSvn(Svn16({3, 0, 3}));
  EXPECT_EQ(ReasonOf(VerifyTdx(w)), "TCB_NOT_SUPPORTED");
}

TEST(DcapTcbStatusTest, TdxModuleMajorVersionSkipsModuleBytesInPlatformLevel) {
  DcapWorld w = DcapWorld::Tdx();
  w.tcb_info.WithLevels({TcbLevelSpec{.sgx_svn = kTdxPlatformSvn,
                                      .pcesvn = kTdxPlatformPcesvn,
                                      .tdx_svn = std::array<uint8_t, 16>{9, 9, 5}}});
  w.quote.WithTeeTcbSvn(Svn16({4, 1, 5}));
  auto r = VerifyTdx(w);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(*r->FindValue("attester_tcb_status"), "UpToDate");
  EXPECT_EQ(TcbDetail(*r, "tdx_module_tcb_status"), "UpToDate");
  w.quote.WithTeeTcbSvn(Svn16({4, 0, 5}));
  EXPECT_EQ(ReasonOf(VerifyTdx(w)), "TCB_NOT_SUPPORTED");
}

TEST(DcapTcbStatusTest, OutOfDateTdxModuleConvergesWithPlatform) {
  DcapWorld w = DcapWorld::Tdx();
  w.quote.WithTeeTcbSvn(Svn16({3, 1, 5}));  // TDX_01: isvsvn 4 UpToDate, 2 OutOfDate
  auto r = VerifyTdx(w);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(*r->FindValue("attester_tcb_status"), "OutOfDate");
  EXPECT_EQ(TcbDetail(*r, "platform_tcb_status"), "UpToDate");
  EXPECT_EQ(TcbDetail(*r, "tdx_module_tcb_status"), "OutOfDate");
  EXPECT_EQ(TcbDetail(*r, "tdx_module_identity")["id"], "TDX_01");
  EXPECT_EQ(TcbDetail(*r, "tdx_module_identity")["matched_level_isvsvn"], 2);
  EXPECT_EQ(Advisories(*r), std::set<std::string>{"INTEL-SA-01036"});
}

TEST(DcapTcbStatusTest, OutOfDateTdxModuleWithConfigurationNeededPlatform) {
  DcapWorld w = DcapWorld::Tdx();
  w.tcb_info.WithLevels({TcbLevelSpec{.sgx_svn = kTdxPlatformSvn,
                                      .pcesvn = kTdxPlatformPcesvn,
                                      .tdx_svn = kTdxTeeTcbSvn,
                                      .status = "ConfigurationNeeded"}});
  w.quote.WithTeeTcbSvn(Svn16({2, 1, 5}));
  auto r = VerifyTdx(w);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(*r->FindValue("attester_tcb_status"), "OutOfDateConfigurationNeeded");
}

TEST(DcapTcbStatusTest, RejectsTdxModuleBelowEveryLevel) {
  DcapWorld w = DcapWorld::Tdx();
  w.quote.WithTeeTcbSvn(Svn16({1, 1, 5}));
  EXPECT_EQ(ReasonOf(VerifyTdx(w)), "TCB_NOT_SUPPORTED");
}

TEST(DcapTcbStatusTest, RejectsRevokedTdxModuleLevel) {
  DcapWorld w = DcapWorld::Tdx();
  w.tcb_info.WithTdxModuleIdentities(
      {TdxModuleSpec{.id = "TDX_01", .levels = {TdxModuleLevelSpec{.isvsvn = 4, .status = "Revoked"}}}});
  w.quote.WithTeeTcbSvn(Svn16({4, 1, 5}));
  EXPECT_EQ(ReasonOf(VerifyTdx(w)), "TCB_REVOKED");
}

TEST(DcapTcbStatusTest, RejectsRevokedTdxPlatformLevel) {
  DcapWorld w = DcapWorld::Tdx();
  w.tcb_info.WithLevels({TcbLevelSpec{.sgx_svn = kTdxPlatformSvn,
                                      .pcesvn = kTdxPlatformPcesvn,
                                      .tdx_svn = kTdxTeeTcbSvn,
                                      .status = "Revoked"}});
  EXPECT_EQ(ReasonOf(VerifyTdx(w)), "TCB_REVOKED");
}

TEST(DcapTcbStatusTest, TdQeOutOfDateConvergesForTdx) {
  DcapWorld w = DcapWorld::Tdx();
  w.qe_identity.WithLevels({QeTcbLevelSpec{.isvsvn = 5},
                            QeTcbLevelSpec{.isvsvn = 3, .status = "OutOfDate",
                                           .advisory_ids = {"INTEL-SA-00999"}}});
  auto r = VerifyTdx(w);  // TD QE ISVSVN 4
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(*r->FindValue("attester_tcb_status"), "OutOfDate");
  EXPECT_EQ(Advisories(*r), std::set<std::string>{"INTEL-SA-00999"});
}

// --- §5.6: TD relaunch advice (TD report 1.5) ---

TEST(DcapTcbStatusTest, AdvisesTdRelaunchWhenRunningModuleIsCurrent) {
  DcapWorld w = DcapWorld::Tdx(QuoteFormat::kTdxV5Td15);
  w.quote.WithTeeTcbSvn(Svn16({2, 1, 5}));   // TD built on module isvsvn 2: OutOfDate
  w.quote.WithTeeTcbSvn2(Svn16({4, 1, 5}));  // now running isvsvn 4, the highest of TDX_01
  auto r = VerifyTdx(w);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(*r->FindValue("attester_tcb_status"), "OutOfDate");
  EXPECT_EQ(TcbDetail(*r, "td_relaunch_advised"), true);

  w.quote.WithTeeTcbSvn2(Svn16({3, 1, 5}));
  auto older = VerifyTdx(w);
  ASSERT_TRUE(older.has_value()) << older.error().ToString();
  EXPECT_EQ(TcbDetail(*older, "td_relaunch_advised"), false);
}

}  // namespace
}  // namespace attest::testing
