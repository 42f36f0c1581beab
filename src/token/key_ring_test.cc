#include "token/key_ring.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace attest::token {
namespace {

class SettableClock final : public Clock {
 public:
  UnixTime Now() const override { return now; }
  UnixTime now = 1000;
};

std::shared_ptr<const SigningKey> NewKey() {
  auto k = SigningKey::Generate("https://issuer.example");
  EXPECT_TRUE(k.has_value());
  return std::make_shared<const SigningKey>(std::move(*k));
}

bool Lists(const std::vector<std::shared_ptr<const SigningKey>>& set,
           const std::shared_ptr<const SigningKey>& k) {
  return std::find(set.begin(), set.end(), k) != set.end();
}

TEST(KeyRingTest, EmptyRingHasNoSigner) {
  SettableClock clock;
  KeyRing ring(clock, 100);
  EXPECT_TRUE(ring.empty());
  EXPECT_EQ(ring.SigningKeyNow(), nullptr);
  EXPECT_TRUE(ring.PublishedNow().empty());
}

// Rotation timeline: old key signs; the next one is published before it signs; it signs from
// its activation; the old one stays listed for the retention after that, then leaves.
TEST(KeyRingTest, NextKeyIsPublishedBeforeItSignsAndOldKeyStaysForTheRetention) {
  SettableClock clock;
  KeyRing ring(clock, /*retention_seconds=*/500);
  auto old_key = NewKey();
  auto next_key = NewKey();
  ring.Replace({{next_key, 2000}, {old_key, 0}});  // any order

  clock.now = 1000;  // overlap: published, not yet signing
  EXPECT_EQ(ring.SigningKeyNow(), old_key);
  EXPECT_TRUE(Lists(ring.PublishedNow(), old_key));
  EXPECT_TRUE(Lists(ring.PublishedNow(), next_key));

  clock.now = 1999;
  EXPECT_EQ(ring.SigningKeyNow(), old_key);
  clock.now = 2000;  // switch
  EXPECT_EQ(ring.SigningKeyNow(), next_key);
  EXPECT_TRUE(Lists(ring.PublishedNow(), old_key));

  clock.now = 2499;  // old tokens may still be valid
  EXPECT_TRUE(Lists(ring.PublishedNow(), old_key));
  clock.now = 2500;  // every token the old key signed has expired
  EXPECT_FALSE(Lists(ring.PublishedNow(), old_key));
  EXPECT_TRUE(Lists(ring.PublishedNow(), next_key));
  EXPECT_EQ(ring.PublishedNow().size(), 1u);
}

TEST(KeyRingTest, OnlyFutureKeysStillGiveASigner) {
  SettableClock clock;
  KeyRing ring(clock, 10);
  auto a = NewKey();
  auto b = NewKey();
  ring.Replace({{a, 5000}, {b, 6000}});
  EXPECT_EQ(ring.SigningKeyNow(), a);
  EXPECT_EQ(ring.PublishedNow().size(), 2u);
}

}  // namespace
}  // namespace attest::token
