// ItemCache: the online collateral cache shared by every request (spec/intel-dcap.md §4, AMD
// KDS amd-sev-snp.md §8).
//
//  - Only items a source checked are kept (the fetch callback checks before returning).
//  - One fetch in flight per key: concurrent misses wait for the first one's answer.
//  - A definite "not found" is remembered for `negative_ttl_seconds` (wall clock).
//  - An item is served until its own validity ends (nextUpdate, CRL nextUpdate, certificate
//    notAfter, judged by the validity clock, which is the verification clock). After that a
//    request fetches again; if the source fails, the request fails UNAVAILABLE
//    COLLATERAL_STALE naming the item, never silently passes with it.
//  - RefreshDue() lists items whose validity ends within the refresh margin; Refresh() renews
//    them (the background task in online_collateral_provider.h calls both).
//  - Verified items are written through to an optional CollateralCacheStore.
// Thread-safe.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "collateral/collateral_cache_store.h"
#include "collateral/collateral_item.h"

namespace attest::collateral {

struct ItemCacheCounters {
  uint64_t hits = 0;
  uint64_t misses = 0;  // requests that started a fetch
  uint64_t waits = 0;   // requests that waited for another's fetch
  uint64_t negative_hits = 0;
  uint64_t fetch_failures = 0;
  uint64_t rejected = 0;        // answers that failed their check
  uint64_t stale_refusals = 0;  // COLLATERAL_STALE answers
  uint64_t refreshes = 0;
  uint64_t refresh_failures = 0;
};

class ItemCache {
 public:
  struct Options {
    int64_t negative_ttl_seconds = 600;
    // Refresh an item this long before its validity ends, or after 3/4 of its validity
    // window, whichever comes first.
    int64_t refresh_margin_seconds = 7 * 24 * 3600;
  };
  // Fetches and checks one item; NOT_FOUND = the source definitely has none.
  using Fetch = std::function<StatusOr<CollateralItem>()>;

  // Clocks and store are borrowed; `store` may be null.
  ItemCache(const Clock& validity_clock, const Clock& wall_clock, CollateralCacheStore* store,
            Options options);

  // The item for `key`; `what` names it in messages ("TCB info for SGX FMSPC 00606A000000").
  StatusOr<std::shared_ptr<const CollateralItem>> Get(const std::string& key,
                                                      const std::string& what, const Fetch& fetch);

  // Puts a checked item (restored from the store or imported from a bundle); replaces an
  // older one unless the cached one is valid for longer. Persists when `persist`.
  void Insert(CollateralItem item, bool persist);

  // Keys whose validity ends within the refresh margin, at the validity clock's now.
  std::vector<std::string> RefreshDue() const;
  // Fetches `key` again (single-flighted with requests); keeps the old item on failure.
  // `what` names the item in messages, as for Get (requests may wait for this fetch).
  Status Refresh(const std::string& key, const std::string& what, const Fetch& fetch);

  std::vector<std::shared_ptr<const CollateralItem>> Snapshot() const;
  ItemCacheCounters Counters() const;
  void Clear();

 private:
  struct Flight {
    bool done = false;
    StatusOr<std::shared_ptr<const CollateralItem>> result =
        Err(Status::Unavailable("COLLATERAL_UNAVAILABLE", "fetch did not complete"));
  };
  bool Fresh(const CollateralItem& item, UnixTime now) const;
  // Runs `fetch` as the one flight for `key` (mu_ not held) and publishes the result.
  StatusOr<std::shared_ptr<const CollateralItem>> Fly(const std::string& key,
                                                      const std::string& what,
                                                      const std::shared_ptr<Flight>& flight,
                                                      const Fetch& fetch, bool refresh);
  StatusOr<std::shared_ptr<const CollateralItem>> Wait(const std::shared_ptr<Flight>& flight);

  const Clock& validity_clock_;
  const Clock& wall_clock_;
  CollateralCacheStore* store_;
  Options options_;
  mutable std::mutex mu_;
  std::condition_variable landed_;
  std::map<std::string, std::shared_ptr<const CollateralItem>> items_;
  std::map<std::string, std::pair<UnixTime, Status>> negative_;  // until (wall), answer
  std::map<std::string, std::shared_ptr<Flight>> flights_;
  ItemCacheCounters counters_;
};

}  // namespace attest::collateral
