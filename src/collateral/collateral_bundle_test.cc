#include "collateral/collateral_bundle.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace attest::collateral {
namespace {

class BundleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("attestd-bundle-test-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::vector<StoredCollateralItem> Items() {
    return {{"intel/rootcacrl",
             "https://pcs.example/sgx/certification/v4/rootcacrl",
             {0x30, 0x82, 0x00},
             {},
             1750000000},
            {"intel/sgx/qe/standard",
             "https://pcs.example/sgx/certification/v4/qe/identity",
             {'{', '}'},
             {{"sgx-enclave-identity-issuer-chain", "%2D%2D"}},
             1750000001}};
  }
  std::filesystem::path dir_;
};

TEST_F(BundleTest, RoundTripKeepsBodiesHeadersAndFetchTimes) {
  ASSERT_TRUE(WriteBundle(dir_.string(), Items(), 1750000100).ok());
  auto read = ReadBundle(dir_.string());
  ASSERT_TRUE(read) << read.error().ToString();
  ASSERT_EQ(read->size(), 2u);
  EXPECT_EQ((*read)[1].key, "intel/sgx/qe/standard");
  EXPECT_EQ((*read)[1].body, (Bytes{'{', '}'}));
  EXPECT_EQ((*read)[1].headers, Items()[1].headers);
  EXPECT_EQ((*read)[1].fetched_at, 1750000001);
  EXPECT_EQ((*read)[0].url, "https://pcs.example/sgx/certification/v4/rootcacrl");
}

TEST_F(BundleTest, RejectsAModifiedItemFile) {
  ASSERT_TRUE(WriteBundle(dir_.string(), Items(), 0).ok());
  std::ofstream(dir_ / "items" / "0001.bin", std::ios::binary | std::ios::app) << "x";
  auto read = ReadBundle(dir_.string());
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().reason(), "BUNDLE_INVALID");
  EXPECT_NE(read.error().message().find("does not match its sha256"), std::string::npos);
}

TEST_F(BundleTest, RejectsFileNamesOutsideTheBundle) {
  ASSERT_TRUE(WriteBundle(dir_.string(), Items(), 0).ok());
  std::ifstream in(dir_ / "manifest.json");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  in.close();
  text.replace(text.find("items/0001.bin"), 14, "../../etc/pass");
  std::ofstream(dir_ / "manifest.json", std::ios::trunc) << text;
  auto read = ReadBundle(dir_.string());
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().reason(), "BUNDLE_INVALID");
  EXPECT_NE(read.error().message().find("is not allowed"), std::string::npos);
}

TEST_F(BundleTest, RejectsANonBundleManifest) {
  std::filesystem::create_directories(dir_);
  std::ofstream(dir_ / "manifest.json") << "{\"format\":\"other\"}";
  auto read = ReadBundle(dir_.string());
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().reason(), "BUNDLE_INVALID");
}

}  // namespace
}  // namespace attest::collateral
