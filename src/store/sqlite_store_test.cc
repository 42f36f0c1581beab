#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "store/store.h"

namespace attest::store {
namespace {

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("attestd-store-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<Store> Open() {
    auto s = OpenSqliteStore(dir_.string());
    EXPECT_TRUE(s.has_value()) << (s.has_value() ? "" : s.error().ToString());
    return s.has_value() ? std::move(*s) : nullptr;
  }

  static SignerRecord Signer(std::string thumb) {
    return {std::move(thumb), Bytes{1, 2, 3}, "init", 100};
  }
  static PolicyRecord Set(std::string text) {
    PolicyRecord r;
    r.attestation_type = "SgxEnclave";
    r.policy_text = text;
    r.policy_jws = "jws-" + text;
    r.token_hash = "hash-" + text;
    r.set_by = "tester";
    r.set_at = 42;
    return r;
  }

  std::filesystem::path dir_;
};

TEST_F(SqliteStoreTest, CreatesFileWithOwnerOnlyPermissions) {
  auto store = Open();
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "attestd.db").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(SqliteStoreTest, ProviderRoundTripsAndCannotBeCreatedTwice) {
  auto store = Open();
  Provider p{"default", "https://a.example", ProviderMode::kIsolated, 7};
  ASSERT_TRUE(store->CreateProvider(p, {Signer("AA"), Signer("BB")}).ok());
  Status again = store->CreateProvider(p, {});
  EXPECT_EQ(again.reason(), "PROVIDER_EXISTS");
  auto got = store->GetProvider("default");
  ASSERT_TRUE(got.has_value() && got->has_value());
  EXPECT_EQ((*got)->base_url, "https://a.example");
  EXPECT_EQ((*got)->mode, ProviderMode::kIsolated);
  EXPECT_EQ((*got)->created_at, 7);
  auto none = store->GetProvider("other");
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->has_value());
  auto signers = store->ListSigners("default");
  ASSERT_TRUE(signers.has_value());
  ASSERT_EQ(signers->size(), 2u);
  EXPECT_EQ((*signers)[0].thumbprint, "AA");
  EXPECT_EQ((*signers)[0].cert_der, (Bytes{1, 2, 3}));
}

TEST_F(SqliteStoreTest, PolicyHistoryKeepsEverySetAndResetRevertsToDefault) {
  auto store = Open();
  ASSERT_TRUE(store->CreateProvider({"default", "u", ProviderMode::kAad, 1}, {}).ok());
  auto none = store->CurrentPolicy("default", "SgxEnclave");
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->has_value());

  ASSERT_TRUE(store->AppendPolicy("default", Set("one")).ok());
  PolicyRecord two = Set("two");
  two.signer_cert_der = {9, 9};
  ASSERT_TRUE(store->AppendPolicy("default", two).ok());
  auto current = store->CurrentPolicy("default", "SgxEnclave");
  ASSERT_TRUE(current.has_value() && current->has_value());
  EXPECT_EQ((*current)->policy_text, "two");
  EXPECT_EQ((*current)->policy_jws, "jws-two");
  EXPECT_EQ((*current)->signer_cert_der, (Bytes{9, 9}));
  EXPECT_FALSE((*store->CurrentPolicy("default", "TdxVm")).has_value());

  PolicyRecord reset;
  reset.attestation_type = "SgxEnclave";
  reset.reset = true;
  reset.set_by = "tester";
  ASSERT_TRUE(store->AppendPolicy("default", reset).ok());
  EXPECT_FALSE((*store->CurrentPolicy("default", "SgxEnclave")).has_value());

  auto history = store->PolicyHistory("default", "SgxEnclave");
  ASSERT_TRUE(history.has_value());
  ASSERT_EQ(history->size(), 3u);
  EXPECT_EQ((*history)[0].policy_text, "one");
  EXPECT_TRUE((*history)[0].signer_cert_der.empty());
  EXPECT_EQ((*history)[1].token_hash, "hash-two");
  EXPECT_TRUE((*history)[2].reset);
  EXPECT_LT((*history)[0].sequence, (*history)[1].sequence);
}

TEST_F(SqliteStoreTest, RejectsPolicyForUnknownProvider) {
  auto store = Open();
  Status s = store->AppendPolicy("nobody", Set("x"));
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_TRUE(store->PolicyHistory("nobody", "SgxEnclave")->empty());
}

TEST_F(SqliteStoreTest, SignersAddIdempotentlyAndTheLastCannotBeRemoved) {
  auto store = Open();
  ASSERT_TRUE(store->CreateProvider({"default", "u", ProviderMode::kIsolated, 1}, {Signer("AA")}).ok());
  EXPECT_EQ(store->AddSigner("default", Signer("BB")), true);
  EXPECT_EQ(store->AddSigner("default", Signer("BB")), false);
  EXPECT_EQ(store->RemoveSigner("default", "CC"), false);
  EXPECT_EQ(store->RemoveSigner("default", "AA"), true);
  auto last = store->RemoveSigner("default", "BB");
  ASSERT_FALSE(last.has_value());
  EXPECT_EQ(last.error().reason(), "LAST_SIGNER");
  auto signers = store->ListSigners("default");
  ASSERT_EQ(signers->size(), 1u);
  EXPECT_EQ((*signers)[0].thumbprint, "BB");
}

TEST_F(SqliteStoreTest, EverythingSurvivesReopening) {
  {
    auto store = Open();
    ASSERT_TRUE(store->CreateProvider({"default", "u", ProviderMode::kIsolated, 1}, {Signer("AA")}).ok());
    ASSERT_TRUE(store->AppendPolicy("default", Set("kept")).ok());
    ASSERT_TRUE(store->PutKey("default", {"kid1", 5}).ok());
    ASSERT_TRUE(store->PutKey("default", {"kid1", 6}).ok());
  }
  auto store = Open();
  EXPECT_EQ((*store->CurrentPolicy("default", "SgxEnclave"))->policy_text, "kept");
  EXPECT_EQ(store->ListSigners("default")->size(), 1u);
  auto keys = store->ListKeys("default");
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ((*keys)[0].kid, "kid1");
  EXPECT_EQ((*keys)[0].created_at, 5);
}

TEST_F(SqliteStoreTest, UnwritableDirectoryIsUnavailable) {
  auto s = OpenSqliteStore((dir_ / "missing" / "deeper").string());
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace attest::store
