#include "collateral/item_cache.h"

#include <algorithm>

namespace attest::collateral {

ItemCache::ItemCache(const Clock& validity_clock, const Clock& wall_clock,
                     CollateralCacheStore* store, Options options)
    : validity_clock_(validity_clock), wall_clock_(wall_clock), store_(store), options_(options) {}

bool ItemCache::Fresh(const CollateralItem& item, UnixTime now) const {
  return now <= item.valid_until;
}

StatusOr<std::shared_ptr<const CollateralItem>> ItemCache::Wait(
    const std::shared_ptr<Flight>& flight) {
  std::unique_lock<std::mutex> lock(mu_);
  landed_.wait(lock, [&] { return flight->done; });
  return flight->result;
}

StatusOr<std::shared_ptr<const CollateralItem>> ItemCache::Get(const std::string& key,
                                                               const std::string& what,
                                                               const Fetch& fetch) {
  const UnixTime now = validity_clock_.Now();
  std::shared_ptr<Flight> flight;
  bool fly = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = items_.find(key); it != items_.end() && Fresh(*it->second, now)) {
      ++counters_.hits;
      return it->second;
    }
    if (auto it = negative_.find(key); it != negative_.end()) {
      if (wall_clock_.Now() < it->second.first) {
        ++counters_.negative_hits;
        return Err(it->second.second);
      }
      negative_.erase(it);
    }
    if (auto it = flights_.find(key); it != flights_.end()) {
      ++counters_.waits;
      flight = it->second;
    } else {
      ++counters_.misses;
      flight = std::make_shared<Flight>();
      flights_[key] = flight;
      fly = true;
    }
  }
  if (!fly) {
    return Wait(flight);
  }
  return Fly(key, what, flight, fetch, /*refresh=*/false);
}

StatusOr<std::shared_ptr<const CollateralItem>> ItemCache::Fly(
    const std::string& key, const std::string& what, const std::shared_ptr<Flight>& flight,
    const Fetch& fetch, bool refresh) {
  StatusOr<CollateralItem> fetched = fetch();
  StatusOr<std::shared_ptr<const CollateralItem>> out =
      Err(Status::Unavailable("COLLATERAL_UNAVAILABLE", what + " is unavailable"));
  std::shared_ptr<const CollateralItem> to_persist;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const UnixTime now = validity_clock_.Now();
    if (fetched) {
      fetched->key = key;
      auto item = std::make_shared<const CollateralItem>(std::move(*fetched));
      items_[key] = item;
      negative_.erase(key);
      to_persist = item;
      out = item;
      if (refresh) {
        ++counters_.refreshes;
      }
    } else {
      const Status& error = fetched.error();
      if (refresh) {
        ++counters_.refresh_failures;
      }
      if (error.code() == StatusCode::kNotFound) {
        negative_[key] = {wall_clock_.Now() + options_.negative_ttl_seconds, error};
        out = Err(error);
      } else {
        if (error.reason() == "COLLATERAL_REJECTED") {
          ++counters_.rejected;
        } else {
          ++counters_.fetch_failures;
        }
        auto old = items_.find(key);
        if (old != items_.end() && Fresh(*old->second, now)) {
          // The vendor is down but the item we hold is still valid: keep serving it.
          out = refresh ? StatusOr<std::shared_ptr<const CollateralItem>>(Err(error))
                        : StatusOr<std::shared_ptr<const CollateralItem>>(old->second);
        } else if (old != items_.end()) {
          ++counters_.stale_refusals;
          // Fetch failures name the item already (VendorClient::FetchItem): say it once.
          std::string cause = error.message();
          if (cause.starts_with(what + ": ")) {
            cause.erase(0, what.size() + 2);
          }
          out = Err(Status::Unavailable(
              "COLLATERAL_STALE", what + " expired at " + FormatRfc3339(old->second->valid_until) +
                                      " and could not be fetched again: " + cause));
        } else {
          out = Err(error);
        }
      }
    }
    flight->result = out;
    flight->done = true;
    flights_.erase(key);
  }
  landed_.notify_all();
  if (to_persist && store_ != nullptr) {
    // A store failure loses only persistence (the item is cached in memory); it is counted.
    if (!store_->Put(ToStored(*to_persist)).ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      ++counters_.fetch_failures;
    }
  }
  return out;
}

void ItemCache::Insert(CollateralItem item, bool persist) {
  auto shared = std::make_shared<const CollateralItem>(std::move(item));
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = items_.find(shared->key);
    if (it != items_.end() && it->second->valid_until > shared->valid_until) {
      return;
    }
    items_[shared->key] = shared;
    negative_.erase(shared->key);
  }
  if (persist && store_ != nullptr && !store_->Put(ToStored(*shared)).ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    ++counters_.fetch_failures;
  }
}

std::vector<std::string> ItemCache::RefreshDue() const {
  const UnixTime now = validity_clock_.Now();
  std::vector<std::string> due;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [key, item] : items_) {
    const int64_t window = std::max<int64_t>(0, item->valid_until - item->valid_from);
    const int64_t margin = std::min(options_.refresh_margin_seconds, window / 4);
    if (now >= item->valid_until - margin) {
      due.push_back(key);
    }
  }
  return due;
}

Status ItemCache::Refresh(const std::string& key, const std::string& what, const Fetch& fetch) {
  std::shared_ptr<Flight> flight;
  bool fly = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = flights_.find(key); it != flights_.end()) {
      flight = it->second;
    } else {
      flight = std::make_shared<Flight>();
      flights_[key] = flight;
      fly = true;
    }
  }
  auto got = fly ? Fly(key, what, flight, fetch, /*refresh=*/true) : Wait(flight);
  return got ? Status::Ok() : got.error();
}

std::vector<std::shared_ptr<const CollateralItem>> ItemCache::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::shared_ptr<const CollateralItem>> out;
  for (const auto& [key, item] : items_) {
    out.push_back(item);
  }
  return out;
}

ItemCacheCounters ItemCache::Counters() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counters_;
}

void ItemCache::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  items_.clear();
  negative_.clear();
}

}  // namespace attest::collateral
