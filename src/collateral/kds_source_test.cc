#include "collateral/kds_source.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "collateral/collateral_test_support.h"
#include "collateral/item_cache.h"
#include "evidence/trust_anchors.h"

namespace attest::collateral {
namespace {

using testing::CannedGetter;
using testing::ReadVector;
using testing::SettableClock;
using testing::VectorsDir;

constexpr const char* kBase = "https://kds.example";

struct SnpCase {
  std::string dir;
  std::string product;
  AmdEkCertificateRequest request;
  std::string kds_vcek_url;
};

// The VCEK request a verifier makes for a report (amd-sev-snp.md §2: REPORTED_TCB at 0x180,
// CHIP_ID at 0x1A0).
SnpCase LoadCase(const std::string& name) {
  SnpCase c;
  c.dir = "snp/" + name;
  auto json = nlohmann::json::parse(AsChars(ReadVector(c.dir + "/case.json")), nullptr, false);
  c.product = json["verification"].value("product", "");
  c.kds_vcek_url = json["verification"].value("kds_vcek_url", "");
  Bytes report = ReadVector(c.dir + "/report.bin");
  c.request.product = c.product;
  c.request.chip_id.assign(report.begin() + 0x1A0, report.begin() + 0x1E0);
  for (int i = 7; i >= 0; --i) {
    c.request.reported_tcb = (c.request.reported_tcb << 8) | report[0x180 + i];
  }
  return c;
}

class KdsSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (ReadVector("snp/oak-turin-v5-containers/report.bin").empty()) {
      GTEST_SKIP() << "vectors absent (set ATTESTD_VECTORS)";
    }
  }
  // Serves a case's VCEK and chain at the KDS routes of `source_`.
  void Serve(const SnpCase& c, const std::string& chain_dir = "") {
    const std::string key = KdsSource::EkCertificateKey(c.request).value();
    HttpsResponse vcek;
    vcek.status = 200;
    vcek.body = ReadVector(c.dir + "/vcek.der");
    getter_.Add(source_.UrlFor(key).value(), vcek);
    const std::string d = chain_dir.empty() ? c.dir : chain_dir;
    HttpsResponse chain;
    chain.status = 200;
    chain.body = ReadVector(d + "/ask.pem");
    Bytes ark = ReadVector(d + "/ark.pem");
    chain.body.insert(chain.body.end(), ark.begin(), ark.end());
    getter_.Add(std::string(kBase) + "/vcek/v1/" + c.product + "/cert_chain", chain);
  }
  StatusOr<CollateralItem> FetchVcek(const SnpCase& c) {
    return source_.Fetch(KdsSource::EkCertificateKey(c.request).value(), chains_);
  }

  CannedGetter getter_;
  SettableClock clock_{0};
  VendorClient client_{getter_, clock_};
  KdsSource source_{client_, {.base_url = kBase}};
  ItemCache cache_{clock_, clock_, nullptr, {}};
  KdsSource::ChainLookup chains_ = [this](const std::string& key) {
    return cache_.Get(key, key, [this, &key] { return source_.Fetch(key, chains_); });
  };
};

TEST_F(KdsSourceTest, VcekUrlsMatchTheVectorsKdsUrls) {
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(VectorsDir() + "/snp")) {
    SnpCase c = LoadCase(entry.path().filename().string());
    if (c.kds_vcek_url.empty() || c.dir.find("/neg-") != std::string::npos) {
      continue;
    }
    KdsSource production(client_, {});
    auto key = KdsSource::EkCertificateKey(c.request);
    ASSERT_TRUE(key) << c.dir;
    EXPECT_EQ(production.UrlFor(*key).value(), c.kds_vcek_url) << c.dir;
    ++checked;
  }
  EXPECT_GE(checked, 5);
}

TEST_F(KdsSourceTest, FetchesAndChecksRealVceksOfMilanAndTurin) {
  for (const char* name : {"oak-milan-v3-containers-release", "oak-turin-v5-containers"}) {
    SnpCase c = LoadCase(name);
    Serve(c);
    auto r = FetchVcek(c);
    ASSERT_TRUE(r) << name << ": " << r.error().ToString();
    EXPECT_EQ(r->kind, ItemKind::kAmdEkCertificate);
    EXPECT_EQ(r->body, ReadVector(c.dir + "/vcek.der"));
    EXPECT_GT(r->valid_until, r->valid_from);
  }
  // Turin: 8-byte hwID and fmcSPL in the query.
  EXPECT_EQ(getter_.Count(std::string(kBase) +
                          "/vcek/v1/Turin/3b42092f69c656d3?blSPL=1&teeSPL=0&snpSPL=2&ucodeSPL=71"
                          "&fmcSPL=0"),
            1);
}

TEST_F(KdsSourceTest, AcceptsChainsEndingAtThePinnedProductionArks) {
  KdsSource pinned(
      client_, {.base_url = kBase, .pinned_arks = evidence::TrustAnchors::Production().amd_arks});
  for (const char* name : {"oak-milan-v3-containers-release", "oak-turin-v5-containers"}) {
    SnpCase c = LoadCase(name);
    Serve(c);
    auto r = pinned.Fetch("amd/cert_chain/vcek/" + c.product, chains_);
    ASSERT_TRUE(r) << name << ": " << r.error().ToString();
    EXPECT_EQ(r->kind, ItemKind::kAmdCaChain);
  }
}

// A self-signed ARK-Milan that signs its ASK passes every other check: only the pin tells it
// from AMD's. A product without a pin is refused too.
TEST_F(KdsSourceTest, RejectsAChainWhoseArkIsNotPinned) {
  KdsSource pinned(
      client_,
      {.base_url = kBase, .pinned_arks = {{.product = "Milan", .spki_sha256 = Bytes(32, 0xAB)}}});
  for (const char* name : {"oak-milan-v3-containers-release", "oak-turin-v5-containers"}) {
    SnpCase c = LoadCase(name);
    Serve(c);
    auto r = pinned.Fetch("amd/cert_chain/vcek/" + c.product, chains_);
    ASSERT_FALSE(r) << name;
    EXPECT_EQ(r.error().code(), StatusCode::kUnavailable);
    EXPECT_EQ(r.error().reason(), "COLLATERAL_REJECTED");
    EXPECT_NE(r.error().message().find("the ARK is not a pinned AMD root of " + c.product),
              std::string::npos)
        << r.error().message();
  }
}

TEST_F(KdsSourceTest, RejectsTheVcekOfAnotherChip) {
  SnpCase c = LoadCase("neg-wrong-vcek");
  Serve(c);
  auto r = FetchVcek(c);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason(), "COLLATERAL_REJECTED");
  EXPECT_NE(r.error().message().find("its hwID is not the requested chip id"), std::string::npos)
      << r.error().message();
}

TEST_F(KdsSourceTest, RejectsAVcekOfAnotherTcb) {
  SnpCase c = LoadCase("oak-milan-v3-containers-release");
  Serve(c);
  // The same chip's VCEK served for a report claiming a newer microcode.
  SnpCase newer = c;
  newer.request.reported_tcb += uint64_t{1} << 56;
  HttpsResponse vcek;
  vcek.status = 200;
  vcek.body = ReadVector(c.dir + "/vcek.der");
  getter_.Add(source_.UrlFor(KdsSource::EkCertificateKey(newer.request).value()).value(), vcek);
  auto r = FetchVcek(newer);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason(), "COLLATERAL_REJECTED");
  EXPECT_NE(r.error().message().find("its ucodeSPL is not the reported TCB's"), std::string::npos)
      << r.error().message();
}

TEST_F(KdsSourceTest, RejectsAChainOfAnotherProduct) {
  SnpCase turin = LoadCase("oak-turin-v5-containers");
  Serve(turin, "snp/oak-milan-v3-containers-release");
  auto r = FetchVcek(turin);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason(), "COLLATERAL_REJECTED");
  EXPECT_NE(r.error().message().find("the root is 'ARK-Milan', not ARK-Turin"), std::string::npos)
      << r.error().message();
}

TEST_F(KdsSourceTest, RejectsATruncatedVcekAndDoesNotCacheIt) {
  SnpCase c = LoadCase("oak-milan-v3-containers-release");
  Serve(c);
  const std::string url = source_.UrlFor(KdsSource::EkCertificateKey(c.request).value()).value();
  HttpsResponse cut;
  cut.status = 200;
  cut.body = ReadVector(c.dir + "/vcek.der");
  cut.body.resize(cut.body.size() - 40);
  getter_.Add(url, cut);
  auto bad = FetchVcek(c);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().reason(), "COLLATERAL_REJECTED");
}

TEST_F(KdsSourceTest, ChainAndCrlUrls) {
  KdsSource production(client_, {});
  EXPECT_EQ(production.UrlFor(KdsSource::CaChainKey(AmdSigningKey::kVlek, "Milan").value()).value(),
            "https://kdsintf.amd.com/vlek/v1/Milan/cert_chain");
  EXPECT_EQ(production.UrlFor(KdsSource::CrlKey(AmdSigningKey::kVcek, "Genoa").value()).value(),
            "https://kdsintf.amd.com/vcek/v1/Genoa/crl");
  auto vlek = KdsSource::EkCertificateKey({.key = AmdSigningKey::kVlek, .product = "Milan"});
  ASSERT_FALSE(vlek);
  EXPECT_EQ(vlek.error().code(), StatusCode::kNotFound);
}

TEST(KdsProductLineTest, MapsZen4cToGenoaAndDropsTheStepping) {
  EXPECT_EQ(KdsProductLine("Milan-B0").value(), "Milan");
  EXPECT_EQ(KdsProductLine("Genoa-B1").value(), "Genoa");
  EXPECT_EQ(KdsProductLine("Siena").value(), "Genoa");
  EXPECT_EQ(KdsProductLine("Bergamo").value(), "Genoa");
  EXPECT_EQ(KdsProductLine("Turin").value(), "Turin");
  EXPECT_EQ(KdsProductLine("Venice").error().reason(), "COLLATERAL_MISSING");
  EXPECT_EQ(KdsProductLineForCpu(0x19, 0x01).value(), "Milan");
  EXPECT_EQ(KdsProductLineForCpu(0x19, 0x11).value(), "Genoa");
  EXPECT_EQ(KdsProductLineForCpu(0x19, 0xA0).value(), "Genoa");  // Siena / Bergamo (Zen4c)
  EXPECT_EQ(KdsProductLineForCpu(0x1A, 0x02).value(), "Turin");
  EXPECT_FALSE(KdsProductLineForCpu(0x1A, 0x50));
  // A Siena request asks KDS for the Genoa product line.
  AmdEkCertificateRequest siena{.product = "Siena", .chip_id = Bytes(64, 0xAB), .reported_tcb = 0};
  EXPECT_TRUE(KdsSource::EkCertificateKey(siena).value().starts_with("amd/vcek/Genoa/abab"));
}

}  // namespace
}  // namespace attest::collateral

namespace attest::collateral {
namespace {

// AMD's KDS throttles (about one VCEK per 10 s per IP): paced by default. Another host (an
// operator's cache or test server) is not, unless the operator says so.
TEST(KdsPacingDefaultTest, PacesOnlyAmdsOwnKds) {
  EXPECT_EQ(DefaultKdsMinIntervalMs(""), kKdsDefaultMinIntervalMs);
  EXPECT_EQ(DefaultKdsMinIntervalMs("https://kdsintf.amd.com"), kKdsDefaultMinIntervalMs);
  EXPECT_EQ(DefaultKdsMinIntervalMs("https://KDSINTF.amd.com:443/"), kKdsDefaultMinIntervalMs);
  EXPECT_EQ(DefaultKdsMinIntervalMs("https://127.0.0.1:8443"), 0);
  EXPECT_EQ(DefaultKdsMinIntervalMs("https://kdsintf.amd.com.example.net"), 0);
  EXPECT_EQ(DefaultKdsMinIntervalMs("https://cache.example/kdsintf.amd.com"), 0);
}

}  // namespace
}  // namespace attest::collateral
