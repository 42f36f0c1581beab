#include "collateral/online_collateral_provider.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "collateral/collateral_test_support.h"
#include "collateral/sqlite_collateral_cache_store.h"
#include "evidence/trust_anchors.h"

namespace attest::collateral {
namespace {

using testing::CannedGetter;
using testing::PercentEncode;
using testing::ReadVector;
using testing::SettableClock;

constexpr const char* kBase = "https://pccs.example";
constexpr const char* kCase = "sgx/dcap-qvl-00a067110000-2507";

HttpsResponse Ok(Bytes body, HeaderList headers = {}) {
  HttpsResponse r;
  r.status = 200;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

class CountingGetter final : public HttpsGetter {
 public:
  CountingGetter(CannedGetter& inner, bool down) : inner_(inner), down_(down) {}
  StatusOr<HttpsResponse> Get(const std::string& url) override {
    if (down_) {
      return Err(Status::Unavailable("CONNECTION_FAILED", "refused"));
    }
    return inner_.Get(url);
  }

 private:
  CannedGetter& inner_;
  bool down_;
};

class OnlineProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (ReadVector(std::string(kCase) + "/tcb_info.json").empty()) {
      GTEST_SKIP() << "vectors absent (set ATTESTD_VECTORS)";
    }
    const std::string c = kCase;
    canned_.Add(std::string(kBase) + "/sgx/certification/v4/tcb?fmspc=00a067110000&update=standard",
                Ok(ReadVector(c + "/tcb_info.json"),
                   {{"tcb-info-issuer-chain",
                     PercentEncode(ReadVector(c + "/tcb_info_issuer_chain.pem"))}}));
    canned_.Add(std::string(kBase) + "/sgx/certification/v4/qe/identity?update=standard",
                Ok(ReadVector(c + "/qe_identity.json"),
                   {{"sgx-enclave-identity-issuer-chain",
                     PercentEncode(ReadVector(c + "/qe_identity_issuer_chain.pem"))}}));
    canned_.Add(std::string(kBase) + "/sgx/certification/v4/pckcrl?ca=processor&encoding=der",
                Ok(ReadVector(c + "/pck_crl.der"),
                   {{"sgx-pck-crl-issuer-chain",
                     PercentEncode(ReadVector(c + "/pck_crl_issuer_chain.pem"))}}));
    canned_.Add(std::string(kBase) + "/sgx/certification/v4/rootcacrl",
                Ok(ReadVector(c + "/root_ca_crl.der")));
    dir_ = std::filesystem::temp_directory_path() /
           ("attestd-online-provider-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<OnlineCollateralProvider> Make(bool down, CollateralCacheStore* store) {
    OnlineCollateralOptions options;
    options.pcs = PcsSource::Options{.base_url = kBase};
    options.intel_root_spki = evidence::TrustAnchors::Production().intel_sgx_root_spki;
    return std::make_unique<OnlineCollateralProvider>(
        std::make_unique<CountingGetter>(canned_, down), clock_, clock_, store, options);
  }

  DcapCollateralRequest Request() {
    return {.tee = DcapTee::kSgx, .fmspc = "00A067110000", .pck_ca = PckCa::kProcessor};
  }

  CannedGetter canned_;
  // The case's verification time (inside every item's validity).
  SettableClock clock_{ParseRfc3339("2025-07-19T10:01:17Z").value()};
  std::filesystem::path dir_;
};

TEST_F(OnlineProviderTest, AssemblesTheCaseAsFetchedByServerAndReusesIt) {
  auto p = Make(false, nullptr);
  auto a = p->GetDcapCollateral(Request());
  ASSERT_TRUE(a) << a.error().ToString();
  EXPECT_EQ((*a)->provenance, Provenance::kFetchedByServer);
  EXPECT_EQ((*a)->tcb_info, ReadVector(std::string(kCase) + "/tcb_info.json"));
  EXPECT_EQ((*a)->pck_crl, ReadVector(std::string(kCase) + "/pck_crl.der"));
  auto b = p->GetDcapCollateral(Request());
  ASSERT_TRUE(b);
  EXPECT_EQ(*a, *b);  // the same object: verifiers find their checked copy
  EXPECT_EQ(canned_.Total(), 4);
  std::string metrics = p->RenderPrometheus();
  EXPECT_NE(metrics.find("attestd_collateral_items 4\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("attestd_collateral_fetches_total{host=\"pccs.example\"} 4\n"),
            std::string::npos)
      << metrics;
}

TEST_F(OnlineProviderTest, ARestartKeepsTheCacheAndServesItWithTheSourceDown) {
  auto store = SqliteCollateralCacheStore::Open((dir_ / "attestd.db").string());
  ASSERT_TRUE(store) << store.error().ToString();
  {
    auto p = Make(false, store->get());
    ASSERT_TRUE(p->GetDcapCollateral(Request()));
  }
  auto restarted = Make(/*down=*/true, store->get());
  LoadReport loaded = restarted->LoadFromStore();
  EXPECT_EQ(loaded.loaded, 4u);
  EXPECT_EQ(loaded.rejected, 0u);
  auto got = restarted->GetDcapCollateral(Request());
  ASSERT_TRUE(got) << got.error().ToString();
  EXPECT_EQ((*got)->tcb_info, ReadVector(std::string(kCase) + "/tcb_info.json"));
}

TEST_F(OnlineProviderTest, TamperedStoredItemsAreCheckedAgainAndSkipped) {
  auto store = SqliteCollateralCacheStore::Open((dir_ / "attestd.db").string());
  ASSERT_TRUE(store);
  {
    auto p = Make(false, store->get());
    ASSERT_TRUE(p->GetDcapCollateral(Request()));
  }
  auto all = (*store)->LoadAll().value();
  for (auto& item : all) {
    if (item.key.find("/tcb/") != std::string::npos) {
      item.body[item.body.size() / 2] ^= 0x01;
      ASSERT_TRUE((*store)->Put(item).ok());
    }
  }
  auto restarted = Make(/*down=*/true, store->get());
  LoadReport loaded = restarted->LoadFromStore();
  EXPECT_EQ(loaded.loaded, 3u);
  EXPECT_EQ(loaded.rejected, 1u);
  auto got = restarted->GetDcapCollateral(Request());
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().reason(), "COLLATERAL_SOURCE_UNREACHABLE");
}

TEST_F(OnlineProviderTest, BackgroundRefreshRenewsBeforeNextUpdate) {
  auto p = Make(false, nullptr);
  ASSERT_TRUE(p->GetDcapCollateral(Request()));
  EXPECT_EQ(canned_.Total(), 4);
  // Inside every window, before the refresh margin: nothing is due.
  clock_.Set(ParseRfc3339("2025-06-25T00:00:00Z").value());
  EXPECT_EQ(p->RefreshOnce(), 0u);
  EXPECT_EQ(canned_.Total(), 4);
  // The TCB info's nextUpdate is 2025-07-19T10:56:11Z: a week before it, it is renewed (with
  // the QE identity and PCK CRL, due a week before theirs); the Root CA CRL (nextUpdate
  // 2026-04-03) is not due.
  clock_.Set(ParseRfc3339("2025-07-12T10:56:10Z").value());
  EXPECT_EQ(p->RefreshOnce(), 0u);
  const std::string tcb_url =
      std::string(kBase) + "/sgx/certification/v4/tcb?fmspc=00a067110000&update=standard";
  EXPECT_EQ(canned_.Count(tcb_url), 1);
  clock_.Set(ParseRfc3339("2025-07-12T10:56:11Z").value());
  EXPECT_EQ(p->RefreshOnce(), 0u);
  EXPECT_EQ(canned_.Count(tcb_url), 2);
  EXPECT_EQ(canned_.Count(std::string(kBase) + "/sgx/certification/v4/rootcacrl"), 1);
  EXPECT_NE(p->RenderPrometheus().find("attestd_collateral_cache_events_total{event=\"refresh\"}"),
            std::string::npos);
}

// Once Stop() was called a refresh pass sends nothing more (a paced KDS pass would otherwise
// hold shutdown for 10 s per item due).
TEST_F(OnlineProviderTest, ARefreshPassEndsOnceStopped) {
  auto p = Make(false, nullptr);
  ASSERT_TRUE(p->GetDcapCollateral(Request()));
  clock_.Set(ParseRfc3339("2025-07-12T10:56:11Z").value());  // TCB info, QE id, PCK CRL due
  p->Stop();
  EXPECT_EQ(p->RefreshOnce(), 0u);
  EXPECT_EQ(canned_.Total(), 4);
}

TEST_F(OnlineProviderTest, ImportChecksEveryItem) {
  auto source = Make(false, nullptr);
  ASSERT_TRUE(source->GetDcapCollateral(Request()));
  std::vector<StoredCollateralItem> bundle;
  for (const auto& item : source->Items()) {
    bundle.push_back(ToStored(*item));
  }
  bundle.front().body.back() ^= 0x01;
  auto offline = Make(/*down=*/true, nullptr);
  LoadReport report = offline->Import(bundle);
  EXPECT_EQ(report.loaded, 3u);
  EXPECT_EQ(report.rejected, 1u);
}

}  // namespace
}  // namespace attest::collateral
