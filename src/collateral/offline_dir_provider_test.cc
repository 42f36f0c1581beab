#include "collateral/offline_dir_provider.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace attest::collateral {
namespace {

namespace fs = std::filesystem;

// A scratch directory removed at the end of the test.
class ScratchDir {
 public:
  ScratchDir() {
    std::string t = (fs::temp_directory_path() / "attestd-offline-XXXXXX").string();
    path_ = mkdtemp(t.data());
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

  // Writes `text` to `rel` (parents created).
  void Write(const std::string& rel, const std::string& text) const {
    fs::path p = fs::path(path_) / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
  }
  // A complete set in `rel` whose items all start with `tag`.
  void WriteSet(const std::string& rel, const std::string& tag) const {
    for (const char* f : {"tcb_info.json", "tcb_info_issuer_chain.pem", "qe_identity.json",
                          "qe_identity_issuer_chain.pem", "root_ca_crl.der"}) {
      Write(rel + "/" + f, tag + ":" + f);
    }
  }

 private:
  std::string path_;
};

std::string Text(const Bytes& b) { return std::string(b.begin(), b.end()); }

DcapCollateralRequest Request(DcapTee tee, PckCa ca, std::string fmspc = "00906ED50000") {
  return DcapCollateralRequest{tee, std::move(fmspc), ca};
}

TEST(OfflineDirProviderTest, SelectsTheTeeFolderWhenTheDirectoryHoldsSgxAndTdx) {
  ScratchDir d;
  d.WriteSet("sgx", "sgx");
  d.WriteSet("tdx", "tdx");
  OfflineDirProvider p(d.path());
  auto sgx = p.GetDcapCollateral(Request(DcapTee::kSgx, PckCa::kProcessor));
  auto tdx = p.GetDcapCollateral(Request(DcapTee::kTdx, PckCa::kPlatform));
  ASSERT_TRUE(sgx) << sgx.error().ToString();
  ASSERT_TRUE(tdx) << tdx.error().ToString();
  EXPECT_EQ(Text((*sgx)->tcb_info), "sgx:tcb_info.json");
  EXPECT_EQ(Text((*sgx)->qe_identity), "sgx:qe_identity.json");
  EXPECT_EQ(Text((*tdx)->tcb_info), "tdx:tcb_info.json");
  EXPECT_EQ(Text((*tdx)->qe_identity), "tdx:qe_identity.json");
  EXPECT_EQ((*sgx)->provenance, Provenance::kHeldByServer);
}

TEST(OfflineDirProviderTest, PrefersTeeAndFmspcFolderOverFmspcFolderOverTopLevel) {
  ScratchDir d;
  d.WriteSet(".", "top");
  d.WriteSet("00906ed50000", "fmspc");
  d.WriteSet("tdx/00906ed50000", "tdx-fmspc");
  OfflineDirProvider p(d.path());
  auto tdx = p.GetDcapCollateral(Request(DcapTee::kTdx, PckCa::kPlatform));
  auto sgx = p.GetDcapCollateral(Request(DcapTee::kSgx, PckCa::kPlatform));
  auto other = p.GetDcapCollateral(Request(DcapTee::kSgx, PckCa::kPlatform, "00A067110000"));
  ASSERT_TRUE(tdx && sgx && other);
  EXPECT_EQ(Text((*tdx)->tcb_info), "tdx-fmspc:tcb_info.json");
  EXPECT_EQ(Text((*sgx)->tcb_info), "fmspc:tcb_info.json");
  EXPECT_EQ(Text((*other)->tcb_info), "top:tcb_info.json");
}

TEST(OfflineDirProviderTest, SelectsThePckCrlOfTheQuotesCa) {
  ScratchDir d;
  d.WriteSet(".", "x");
  d.Write("pck_crl_processor.der", "processor-crl");
  d.Write("pck_crl_platform.pem", "platform-crl");
  d.Write("pck_crl_issuer_chain_platform.pem", "platform-chain");
  d.Write("pck_crl_issuer_chain.pem", "shared-chain");
  OfflineDirProvider p(d.path());
  auto processor = p.GetDcapCollateral(Request(DcapTee::kSgx, PckCa::kProcessor));
  auto platform = p.GetDcapCollateral(Request(DcapTee::kSgx, PckCa::kPlatform));
  ASSERT_TRUE(processor && platform);
  ASSERT_TRUE((*processor)->pck_crl && (*platform)->pck_crl);
  EXPECT_EQ(Text(*(*processor)->pck_crl), "processor-crl");
  EXPECT_EQ(Text(*(*processor)->pck_crl_issuer_chain), "shared-chain");
  EXPECT_EQ(Text(*(*platform)->pck_crl), "platform-crl");
  EXPECT_EQ(Text(*(*platform)->pck_crl_issuer_chain), "platform-chain");
}

TEST(OfflineDirProviderTest, UsesTheOnlyPckCrlForEitherCa) {
  ScratchDir d;
  d.WriteSet(".", "x");
  d.Write("pck_crl.hex", "the-crl");
  OfflineDirProvider p(d.path());
  for (PckCa ca : {PckCa::kProcessor, PckCa::kPlatform}) {
    auto got = p.GetDcapCollateral(Request(DcapTee::kSgx, ca));
    ASSERT_TRUE(got && (*got)->pck_crl);
    EXPECT_EQ(Text(*(*got)->pck_crl), "the-crl");
  }
}

TEST(OfflineDirProviderTest, MissingItemNamesWhatNotWhereAndLogsThePath) {
  ScratchDir d;
  d.WriteSet(".", "x");
  fs::remove(fs::path(d.path()) / "tcb_info_issuer_chain.pem");
  std::string logged;
  OfflineDirProvider p(d.path(), [&](std::string_view m) { logged += m; });
  auto got = p.GetDcapCollateral(Request(DcapTee::kSgx, PckCa::kPlatform));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code(), StatusCode::kNotFound);
  EXPECT_EQ(got.error().reason(), "COLLATERAL_MISSING");
  EXPECT_EQ(got.error().message().find(d.path()), std::string::npos) << got.error().message();
  EXPECT_EQ(got.error().message().find('/'), std::string::npos) << got.error().message();
  EXPECT_NE(got.error().message().find("TCB info issuer chain is missing"), std::string::npos)
      << got.error().message();
  EXPECT_NE(got.error().message().find("00906ED50000"), std::string::npos);
  EXPECT_NE(logged.find(d.path()), std::string::npos) << logged;
}

TEST(OfflineDirProviderTest, EmptyDirectoryNamesNoPath) {
  ScratchDir d;
  OfflineDirProvider p(d.path());
  auto got = p.GetDcapCollateral(Request(DcapTee::kTdx, PckCa::kPlatform));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().reason(), "COLLATERAL_MISSING");
  EXPECT_EQ(got.error().message().find('/'), std::string::npos) << got.error().message();
  EXPECT_NE(got.error().message().find("TCB info is missing"), std::string::npos);
}

TEST(OfflineDirProviderTest, UnreadableItemIsUnavailableWithoutPath) {
  ScratchDir d;
  d.WriteSet(".", "x");
  // A directory where a file should be cannot be read as one.
  fs::remove(fs::path(d.path()) / "qe_identity.json");
  fs::create_directory(fs::path(d.path()) / "qe_identity.json");
  std::string logged;
  OfflineDirProvider p(d.path(), [&](std::string_view m) { logged += m; });
  auto got = p.GetDcapCollateral(Request(DcapTee::kSgx, PckCa::kPlatform));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code(), StatusCode::kUnavailable);
  EXPECT_EQ(got.error().reason(), "COLLATERAL_UNAVAILABLE");
  EXPECT_EQ(got.error().message().find('/'), std::string::npos) << got.error().message();
  EXPECT_NE(got.error().message().find("QE identity could not be read"), std::string::npos);
  EXPECT_NE(logged.find(d.path()), std::string::npos) << logged;
}

TEST(OfflineDirProviderTest, LoadFolderKeepsThePathForLocalTools) {
  ScratchDir d;
  auto got = OfflineDirProvider::LoadFolder(d.path());
  ASSERT_FALSE(got);
  EXPECT_NE(got.error().message().find(d.path()), std::string::npos);
}

}  // namespace
}  // namespace attest::collateral
