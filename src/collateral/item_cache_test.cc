#include "collateral/item_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "collateral/collateral_test_support.h"

namespace attest::collateral {
namespace {

using testing::SettableClock;

CollateralItem Item(UnixTime from, UnixTime until) {
  CollateralItem i;
  i.body = {1, 2, 3};
  i.valid_from = from;
  i.valid_until = until;
  return i;
}

TEST(ItemCacheTest, ConcurrentMissesShareOneFetch) {
  SettableClock clock(100);
  ItemCache cache(clock, clock, nullptr, {});
  std::atomic<int> fetches{0};
  std::atomic<bool> release{false};
  auto fetch = [&]() -> StatusOr<CollateralItem> {
    ++fetches;
    while (!release.load()) {
      std::this_thread::yield();
    }
    return Item(0, 1000);
  };
  constexpr int kThreads = 100;
  std::vector<std::shared_ptr<const CollateralItem>> got(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      auto r = cache.Get("k", "item k", fetch);
      if (r) {
        got[i] = *r;
      }
    });
  }
  // Every thread is either the one fetching or waiting for it before the answer lands.
  while (true) {
    ItemCacheCounters c = cache.Counters();
    if (c.misses + c.waits == kThreads) {
      break;
    }
    std::this_thread::yield();
  }
  release = true;
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(fetches.load(), 1);
  EXPECT_EQ(cache.Counters().misses, 1u);
  for (const auto& g : got) {
    ASSERT_NE(g, nullptr);
    EXPECT_EQ(g, got[0]);
  }
}

TEST(ItemCacheTest, ServesCachedItemWithoutFetchingWhileValid) {
  SettableClock clock(100);
  ItemCache cache(clock, clock, nullptr, {});
  int fetches = 0;
  auto ok = [&]() -> StatusOr<CollateralItem> {
    ++fetches;
    return Item(0, 1000);
  };
  ASSERT_TRUE(cache.Get("k", "item k", ok));
  clock.Set(1000);  // inclusive end of validity
  auto down = [&]() -> StatusOr<CollateralItem> {
    ++fetches;
    return Err(Status::Unavailable("COLLATERAL_SOURCE_UNREACHABLE", "down"));
  };
  EXPECT_TRUE(cache.Get("k", "item k", down));
  EXPECT_EQ(fetches, 1);
}

TEST(ItemCacheTest, ExpiredItemWithSourceDownIsStaleNamingTheItem) {
  SettableClock clock(100);
  ItemCache cache(clock, clock, nullptr, {});
  ASSERT_TRUE(cache.Get("k", "TCB info for SGX FMSPC 00606A000000",
                        [] { return StatusOr<CollateralItem>(Item(0, 1000)); }));
  clock.Set(1001);
  auto r = cache.Get("k", "TCB info for SGX FMSPC 00606A000000", [] {
    return StatusOr<CollateralItem>(
        Err(Status::Unavailable("COLLATERAL_SOURCE_UNREACHABLE", "connection refused")));
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), StatusCode::kUnavailable);
  EXPECT_EQ(r.error().reason(), "COLLATERAL_STALE");
  EXPECT_NE(r.error().message().find("TCB info for SGX FMSPC 00606A000000 expired at "
                                     "1970-01-01T00:16:40Z"),
            std::string::npos)
      << r.error().message();
  EXPECT_EQ(cache.Counters().stale_refusals, 1u);
}

TEST(ItemCacheTest, ExpiredItemIsReplacedWhenTheSourceAnswers) {
  SettableClock clock(100);
  ItemCache cache(clock, clock, nullptr, {});
  ASSERT_TRUE(cache.Get("k", "k", [] { return StatusOr<CollateralItem>(Item(0, 1000)); }));
  clock.Set(1001);
  auto r = cache.Get("k", "k", [] { return StatusOr<CollateralItem>(Item(900, 5000)); });
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)->valid_until, 5000);
}

TEST(ItemCacheTest, NotFoundIsRememberedForTheNegativeTtl) {
  SettableClock validity(100);
  SettableClock wall(10'000);
  ItemCache cache(validity, wall, nullptr, {.negative_ttl_seconds = 60});
  int fetches = 0;
  auto missing = [&]() -> StatusOr<CollateralItem> {
    ++fetches;
    return Err(Status::NotFound("COLLATERAL_MISSING", "not published"));
  };
  for (int i = 0; i < 3; ++i) {
    auto r = cache.Get("k", "k", missing);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().reason(), "COLLATERAL_MISSING");
  }
  EXPECT_EQ(fetches, 1);
  EXPECT_EQ(cache.Counters().negative_hits, 2u);
  wall.Set(10'060);
  EXPECT_FALSE(cache.Get("k", "k", missing));
  EXPECT_EQ(fetches, 2);
}

TEST(ItemCacheTest, FailuresOtherThanNotFoundAreNotRemembered) {
  SettableClock clock(100);
  ItemCache cache(clock, clock, nullptr, {});
  int fetches = 0;
  auto bad = [&]() -> StatusOr<CollateralItem> {
    ++fetches;
    return Err(Status::Unavailable("COLLATERAL_REJECTED", "bad signature"));
  };
  EXPECT_FALSE(cache.Get("k", "k", bad));
  EXPECT_FALSE(cache.Get("k", "k", bad));
  EXPECT_EQ(fetches, 2);
  EXPECT_EQ(cache.Counters().rejected, 2u);
  EXPECT_TRUE(cache.Snapshot().empty());
}

TEST(ItemCacheTest, RefreshIsDueBeforeNextUpdateByTheInjectedClock) {
  SettableClock clock(0);
  // A 1000 s window: refreshed after 3/4 of it (the margin caps at a quarter of the window).
  ItemCache cache(clock, clock, nullptr, {.refresh_margin_seconds = 7 * 86400});
  ASSERT_TRUE(cache.Get("k", "k", [] { return StatusOr<CollateralItem>(Item(0, 1000)); }));
  clock.Set(749);
  EXPECT_TRUE(cache.RefreshDue().empty());
  clock.Set(750);
  ASSERT_EQ(cache.RefreshDue(), std::vector<std::string>{"k"});
  int fetches = 0;
  auto renew = [&] {
    ++fetches;
    return StatusOr<CollateralItem>(Item(750, 2000));
  };
  EXPECT_TRUE(cache.Refresh("k", "k", renew).ok());
  EXPECT_EQ(fetches, 1);
  EXPECT_TRUE(cache.RefreshDue().empty());
  EXPECT_EQ(cache.Counters().refreshes, 1u);
}

TEST(ItemCacheTest, FailedRefreshKeepsServingTheValidItem) {
  SettableClock clock(0);
  ItemCache cache(clock, clock, nullptr, {});
  ASSERT_TRUE(cache.Get("k", "k", [] { return StatusOr<CollateralItem>(Item(0, 1000)); }));
  clock.Set(900);
  Status s = cache.Refresh("k", "k", [] {
    return StatusOr<CollateralItem>(Err(Status::Unavailable("COLLATERAL_SOURCE_UNREACHABLE", "x")));
  });
  EXPECT_EQ(s.reason(), "COLLATERAL_SOURCE_UNREACHABLE");
  EXPECT_EQ(cache.Counters().refresh_failures, 1u);
  auto r = cache.Get("k", "k", [] {
    return StatusOr<CollateralItem>(Err(Status::Unavailable("COLLATERAL_SOURCE_UNREACHABLE", "x")));
  });
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)->valid_until, 1000);
}

}  // namespace
}  // namespace attest::collateral
