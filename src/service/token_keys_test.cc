#include "service/token_keys.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "store/store.h"

namespace attest::service {
namespace {

class SettableClock final : public Clock {
 public:
  UnixTime Now() const override { return now; }
  UnixTime now = 1000;
};

class TokenKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("attestd-token-keys-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store_ = std::move(*store::OpenSqliteStore(dir_.string()));
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  TokenKeyOptions Options() const { return {"default", "https://issuer.example", Bytes(32, 3)}; }

  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(TokenKeysTest, FirstKeyIsCreatedOnceSealedAndSharedByReplicas) {
  EXPECT_EQ(EnsureFirstTokenKey(*store_, Options(), nullptr, 1000), true);
  EXPECT_EQ(EnsureFirstTokenKey(*store_, Options(), nullptr, 1001), false);
  auto records = store_->ListTokenKeys("default");
  ASSERT_EQ(records->size(), 1u);
  // Two replicas load the same key.
  SettableClock clock;
  token::KeyRing a(clock, 100);
  token::KeyRing b(clock, 100);
  ASSERT_TRUE(LoadTokenKeys(*store_, Options(), a).ok());
  ASSERT_TRUE(LoadTokenKeys(*store_, Options(), b).ok());
  EXPECT_EQ(a.SigningKeyNow()->kid(), (*records)[0].kid);
  EXPECT_EQ(b.SigningKeyNow()->kid(), (*records)[0].kid);
  // What the store holds is not the DER private key.
  auto der = a.SigningKeyNow()->PrivateKeyDer();
  ASSERT_TRUE(der.has_value());
  const Bytes& sealed = (*records)[0].sealed_private_key;
  EXPECT_EQ(std::search(sealed.begin(), sealed.end(), der->begin(), der->begin() + 64),
            sealed.end());
}

TEST_F(TokenKeysTest, AnExistingKeyBecomesTheFirstKeyWithItsKid) {
  auto legacy = token::SigningKey::Generate("https://issuer.example");
  ASSERT_TRUE(legacy.has_value());
  ASSERT_EQ(EnsureFirstTokenKey(*store_, Options(), &*legacy, 1000), true);
  SettableClock clock;
  token::KeyRing ring(clock, 100);
  ASSERT_TRUE(LoadTokenKeys(*store_, Options(), ring).ok());
  EXPECT_EQ(ring.SigningKeyNow()->kid(), legacy->kid());
}

TEST_F(TokenKeysTest, RotationPublishesFirstAndSwitchesAfterTheOverlap) {
  ASSERT_EQ(EnsureFirstTokenKey(*store_, Options(), nullptr, 1000), true);
  auto next = RotateTokenKey(*store_, Options(), 2000, 600);
  ASSERT_TRUE(next.has_value()) << next.error().ToString();
  EXPECT_EQ(next->activate_at, 2600);
  SettableClock clock;
  token::KeyRing ring(clock, 100);
  ASSERT_TRUE(LoadTokenKeys(*store_, Options(), ring).ok());
  clock.now = 2000;
  EXPECT_NE(ring.SigningKeyNow()->kid(), next->kid);
  EXPECT_EQ(ring.PublishedNow().size(), 2u);
  clock.now = 2600;
  EXPECT_EQ(ring.SigningKeyNow()->kid(), next->kid);
  clock.now = 2700;
  EXPECT_EQ(ring.PublishedNow().size(), 1u);
}

TEST_F(TokenKeysTest, AWrongKekLoadsNothing) {
  ASSERT_EQ(EnsureFirstTokenKey(*store_, Options(), nullptr, 1000), true);
  TokenKeyOptions wrong = Options();
  wrong.kek = Bytes(32, 4);
  SettableClock clock;
  token::KeyRing ring(clock, 100);
  Status s = LoadTokenKeys(*store_, wrong, ring);
  EXPECT_EQ(s.reason(), "KEY_UNSEALING_FAILED");
  EXPECT_TRUE(ring.empty());
  // A key sealed for another provider does not open as this one's.
  TokenKeyOptions other = Options();
  other.provider_id = "other";
  auto records = store_->ListTokenKeys("default");
  ASSERT_TRUE(store_->AddTokenKey("other", (*records)[0], false).has_value());
  EXPECT_EQ(LoadTokenKeys(*store_, other, ring).reason(), "KEY_UNSEALING_FAILED");
}

}  // namespace
}  // namespace attest::service
