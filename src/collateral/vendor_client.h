// VendorClient: GETs collateral from a vendor (Intel PCS/PCCS, AMD KDS) through the injected
// HttpsGetter, with per-host rate limiting that honours 429/503 Retry-After (and backs off
// exponentially when a throttling answer carries none), and counts what it did for /metrics.
//
// While a host is throttled no request is sent to it: callers get UNAVAILABLE
// COLLATERAL_RATE_LIMITED at once, so a burst of attestations cannot prolong a vendor's
// throttling. Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "base/time.h"
#include "collateral/collateral_item.h"
#include "collateral/https_getter.h"

namespace attest::collateral {

struct VendorCounters {
  uint64_t requests = 0;                 // requests sent
  uint64_t failures = 0;                 // transport failures and 5xx answers
  uint64_t rate_limited = 0;             // 429 answers
  uint64_t refused_while_throttled = 0;  // not sent because the host was throttled
};

class VendorClient {
 public:
  struct Options {
    int64_t default_backoff_seconds = 10;  // a 429 without Retry-After; doubled per repeat
    int64_t max_backoff_seconds = 3600;
  };
  // `clock` is the wall clock (never a fixed verification clock). Both are borrowed.
  VendorClient(HttpsGetter& getter, const Clock& clock, Options options);
  VendorClient(HttpsGetter& getter, const Clock& clock) : VendorClient(getter, clock, Options{}) {}

  // Any HTTP answer but 429 (and a 503 with Retry-After) is returned for the source to
  // interpret. Those, throttled hosts and transport failures are UNAVAILABLE.
  StatusOr<HttpsResponse> Get(const std::string& url);

  // GETs `url` as the collateral item `key` (`what` names it in errors): the body exactly as
  // served, the headers `keep_header` selects (names lower case), the fetch time. 404 is
  // NOT_FOUND COLLATERAL_MISSING, any other answer but 200 UNAVAILABLE
  // COLLATERAL_SOURCE_ERROR. The item is not checked: that is the source's job.
  StatusOr<CollateralItem> FetchItem(const std::string& key, const std::string& url,
                                     const std::string& what,
                                     const std::function<bool(std::string_view)>& keep_header);

  // The host part of an https URL ("host[:port]").
  static std::string HostOf(const std::string& url);
  // Seconds from a Retry-After value (delta-seconds or an IMF-fixdate), or -1.
  static int64_t ParseRetryAfter(std::string_view value, UnixTime now);

  std::map<std::string, VendorCounters> Counters() const;
  // Seconds until `host` may be asked again (0 = not throttled).
  int64_t ThrottledFor(const std::string& host) const;

 private:
  struct HostState {
    UnixTime blocked_until = 0;
    int64_t last_backoff = 0;
    VendorCounters counters;
  };
  HttpsGetter& getter_;
  const Clock& clock_;
  Options options_;
  mutable std::mutex mu_;
  std::map<std::string, HostState> hosts_;
};

}  // namespace attest::collateral
