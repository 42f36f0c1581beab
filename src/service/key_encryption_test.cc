#include "service/key_encryption.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace attest::service {
namespace {

const std::string kHexKek(64, 'a');

class KekFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("attestd-kek-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  void TearDown() override { std::filesystem::remove(path_); }
  void Write(const std::string& text, mode_t mode) {
    std::ofstream(path_) << text;
    ::chmod(path_.c_str(), mode);
  }
  std::filesystem::path path_;
};

TEST_F(KekFileTest, ReadsHexFromAnOwnerOnlyFile) {
  Write("  " + kHexKek + "\n", 0600);
  auto kek = LoadKek(path_.string(), nullptr);
  ASSERT_TRUE(kek.has_value()) << kek.error().ToString();
  EXPECT_EQ(kek->size(), 32u);
  EXPECT_EQ((*kek)[0], 0xaa);
}

TEST_F(KekFileTest, RefusesAFileOthersCanRead) {
  Write(kHexKek, 0640);
  auto kek = LoadKek(path_.string(), nullptr);
  ASSERT_FALSE(kek.has_value());
  EXPECT_EQ(kek.error().reason(), "KEK_INVALID");
  EXPECT_NE(kek.error().message().find("chmod 600"), std::string::npos);
}

TEST_F(KekFileTest, RefusesAShortKeyWithoutQuotingIt) {
  Write("abcdef0123", 0600);
  auto kek = LoadKek(path_.string(), nullptr);
  ASSERT_FALSE(kek.has_value());
  EXPECT_EQ(kek.error().reason(), "KEK_INVALID");
  EXPECT_EQ(kek.error().message().find("abcdef0123"), std::string::npos);
}

TEST(KekTest, FallsBackToTheEnvironmentValueAndNeedsOne) {
  auto kek = LoadKek("", kHexKek.c_str());
  ASSERT_TRUE(kek.has_value());
  EXPECT_EQ(kek->size(), 32u);
  auto none = LoadKek("", nullptr);
  ASSERT_FALSE(none.has_value());
  EXPECT_EQ(none.error().reason(), "KEK_INVALID");
}

TEST(SealTest, RoundTripsAndRefusesWrongKekContextOrTampering) {
  const Bytes kek(32, 7);
  const Bytes secret = {1, 2, 3, 4, 5};
  Bytes sealed = SealWithKek(kek, "p/kid", secret);
  ASSERT_EQ(sealed.size(), 1 + 12 + secret.size() + 16);
  EXPECT_EQ(std::search(sealed.begin(), sealed.end(), secret.begin(), secret.end()), sealed.end());
  EXPECT_EQ(OpenWithKek(kek, "p/kid", sealed), secret);
  EXPECT_NE(SealWithKek(kek, "p/kid", secret), sealed);  // fresh nonce

  auto wrong_kek = OpenWithKek(Bytes(32, 8), "p/kid", sealed);
  ASSERT_FALSE(wrong_kek.has_value());
  EXPECT_EQ(wrong_kek.error().reason(), "KEY_UNSEALING_FAILED");
  EXPECT_EQ(OpenWithKek(kek, "q/kid", sealed).error().reason(), "KEY_UNSEALING_FAILED");
  Bytes tampered = sealed;
  tampered[14] ^= 1;
  EXPECT_EQ(OpenWithKek(kek, "p/kid", tampered).error().reason(), "KEY_UNSEALING_FAILED");
  EXPECT_EQ(OpenWithKek(kek, "p/kid", Bytes(10, 1)).error().reason(), "KEY_UNSEALING_FAILED");
}

}  // namespace
}  // namespace attest::service
