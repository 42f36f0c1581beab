#include "collateral/provider_wrappers.h"

#include <gtest/gtest.h>

#include <atomic>

namespace attest::collateral {
namespace {

// Answers from a script and counts how often it was asked.
class ScriptedProvider final : public CollateralProvider {
 public:
  explicit ScriptedProvider(StatusOr<std::shared_ptr<const DcapCollateral>> answer)
      : answer_(std::move(answer)) {}
  StatusOr<std::shared_ptr<const DcapCollateral>> GetDcapCollateral(
      const DcapCollateralRequest&) override {
    ++calls;
    if (answer_) {
      // A fresh object each time, as a network source would return.
      return std::make_shared<const DcapCollateral>(**answer_);
    }
    return answer_;
  }
  std::atomic<int> calls{0};

 private:
  StatusOr<std::shared_ptr<const DcapCollateral>> answer_;
};

std::shared_ptr<const DcapCollateral> Set(uint8_t tag) {
  auto c = std::make_shared<DcapCollateral>();
  c->tcb_info = {tag};
  return c;
}

class SettableClock final : public Clock {
 public:
  UnixTime Now() const override { return now; }
  UnixTime now = 1000;
};

DcapCollateralRequest Request(std::string fmspc, DcapTee tee = DcapTee::kSgx,
                              PckCa ca = PckCa::kPlatform) {
  return DcapCollateralRequest{tee, std::move(fmspc), ca};
}

TEST(CachingCollateralProviderTest, AnswersRepeatedRequestFromMemoryWithTheSameObject) {
  auto source = std::make_unique<ScriptedProvider>(Set(1));
  ScriptedProvider* raw = source.get();
  SettableClock clock;
  CachingCollateralProvider cache(std::move(source), clock, {.max_age_seconds = 60});
  auto a = cache.GetDcapCollateral(Request("00906ED50000"));
  auto b = cache.GetDcapCollateral(Request("00906ED50000"));
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->get(), b->get());
  EXPECT_EQ(raw->calls, 1);
}

TEST(CachingCollateralProviderTest, KeysByTeeFmspcAndPckCa) {
  auto source = std::make_unique<ScriptedProvider>(Set(1));
  ScriptedProvider* raw = source.get();
  SettableClock clock;
  CachingCollateralProvider cache(std::move(source), clock, {});
  ASSERT_TRUE(cache.GetDcapCollateral(Request("00906ED50000")));
  ASSERT_TRUE(cache.GetDcapCollateral(Request("00906ED50000", DcapTee::kTdx)));
  ASSERT_TRUE(cache.GetDcapCollateral(Request("00906ED50000", DcapTee::kSgx, PckCa::kProcessor)));
  ASSERT_TRUE(cache.GetDcapCollateral(Request("00A067110000")));
  EXPECT_EQ(raw->calls, 4);
}

TEST(CachingCollateralProviderTest, AsksAgainAfterMaxAge) {
  auto source = std::make_unique<ScriptedProvider>(Set(1));
  ScriptedProvider* raw = source.get();
  SettableClock clock;
  CachingCollateralProvider cache(std::move(source), clock, {.max_age_seconds = 60});
  ASSERT_TRUE(cache.GetDcapCollateral(Request("00906ED50000")));
  clock.now += 59;
  ASSERT_TRUE(cache.GetDcapCollateral(Request("00906ED50000")));
  EXPECT_EQ(raw->calls, 1);
  clock.now += 1;
  ASSERT_TRUE(cache.GetDcapCollateral(Request("00906ED50000")));
  EXPECT_EQ(raw->calls, 2);
}

TEST(CachingCollateralProviderTest, DoesNotRememberFailures) {
  auto source = std::make_unique<ScriptedProvider>(
      Err(Status::Unavailable("COLLATERAL_UNAVAILABLE", "down")));
  ScriptedProvider* raw = source.get();
  SettableClock clock;
  CachingCollateralProvider cache(std::move(source), clock, {});
  EXPECT_FALSE(cache.GetDcapCollateral(Request("00906ED50000")));
  EXPECT_FALSE(cache.GetDcapCollateral(Request("00906ED50000")));
  EXPECT_EQ(raw->calls, 2);
}

TEST(CachingCollateralProviderTest, StaysWithinMaxEntries) {
  auto source = std::make_unique<ScriptedProvider>(Set(1));
  ScriptedProvider* raw = source.get();
  SettableClock clock;
  CachingCollateralProvider cache(std::move(source), clock, {.max_entries = 2});
  for (const char* f : {"000000000001", "000000000002", "000000000003", "000000000001"}) {
    ASSERT_TRUE(cache.GetDcapCollateral(Request(f)));
  }
  // The third entry flushed the first two, so the first is fetched again.
  EXPECT_EQ(raw->calls, 4);
}

TEST(ChainedCollateralProviderTest, FallsThroughNotFoundToTheNextSource) {
  std::vector<std::unique_ptr<CollateralProvider>> sources;
  sources.push_back(
      std::make_unique<ScriptedProvider>(Err(Status::NotFound("COLLATERAL_MISSING", "none"))));
  sources.push_back(std::make_unique<ScriptedProvider>(Set(7)));
  ChainedCollateralProvider chain(std::move(sources));
  auto got = chain.GetDcapCollateral(Request("00906ED50000"));
  ASSERT_TRUE(got);
  EXPECT_EQ((*got)->tcb_info, Bytes{7});
}

TEST(ChainedCollateralProviderTest, ReportsUnavailableOverNotFoundWhenNoSourceAnswers) {
  std::vector<std::unique_ptr<CollateralProvider>> sources;
  sources.push_back(
      std::make_unique<ScriptedProvider>(Err(Status::NotFound("COLLATERAL_MISSING", "none"))));
  sources.push_back(std::make_unique<ScriptedProvider>(
      Err(Status::Unavailable("COLLATERAL_UNAVAILABLE", "down"))));
  ChainedCollateralProvider chain(std::move(sources));
  auto got = chain.GetDcapCollateral(Request("00906ED50000"));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code(), StatusCode::kUnavailable);
  EXPECT_EQ(got.error().reason(), "COLLATERAL_UNAVAILABLE");
}

TEST(ChainedCollateralProviderTest, AnswersNotFoundWhenEverySourceLacksIt) {
  std::vector<std::unique_ptr<CollateralProvider>> sources;
  sources.push_back(
      std::make_unique<ScriptedProvider>(Err(Status::NotFound("COLLATERAL_MISSING", "none"))));
  ChainedCollateralProvider chain(std::move(sources));
  auto got = chain.GetDcapCollateral(Request("00906ED50000"));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code(), StatusCode::kNotFound);
  EXPECT_EQ(got.error().reason(), "COLLATERAL_MISSING");
}

TEST(CollateralProviderTest, AmdKindsAreNotFoundWithoutASource) {
  StaticCollateralProvider p(Set(1));
  auto ek = p.GetAmdEkCertificate({AmdSigningKey::kVcek, "Milan", Bytes(64, 1), 0x1234});
  auto ca = p.GetAmdCaChain({AmdSigningKey::kVlek, "Genoa"});
  auto crl = p.GetAmdCrl({AmdSigningKey::kVcek, "Turin"});
  ASSERT_FALSE(ek);
  ASSERT_FALSE(ca);
  ASSERT_FALSE(crl);
  EXPECT_EQ(ek.error().code(), StatusCode::kNotFound);
  EXPECT_EQ(ca.error().code(), StatusCode::kNotFound);
  EXPECT_EQ(crl.error().code(), StatusCode::kNotFound);
  EXPECT_EQ(ek.error().reason(), "COLLATERAL_MISSING");
}

TEST(DcapContentKeyTest, DependsOnContentNotOnObjectOrProvenance) {
  DcapCollateral a;
  a.tcb_info = {1, 2};
  a.qe_identity = {3};
  DcapCollateral b = a;
  b.provenance = Provenance::kSentByCaller;
  EXPECT_EQ(DcapContentKey(a), DcapContentKey(b));
  EXPECT_EQ(DcapContentKey(a).size(), 32u);
  // The same bytes split differently between items are different collateral.
  DcapCollateral c;
  c.tcb_info = {1};
  c.tcb_info_issuer_chain = {2};
  c.qe_identity = {3};
  EXPECT_NE(DcapContentKey(a), DcapContentKey(c));
  // An absent PCK CRL differs from an empty one.
  DcapCollateral d = a;
  d.pck_crl = Bytes{};
  EXPECT_NE(DcapContentKey(a), DcapContentKey(d));
}

}  // namespace
}  // namespace attest::collateral
