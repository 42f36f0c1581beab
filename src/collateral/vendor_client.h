// VendorClient: GETs collateral from a vendor (Intel PCS/PCCS, AMD KDS) through the injected
// HttpsGetter, with per-host rate limiting, and counts what it did for /metrics. Rate limiting
// has two parts:
//
//  - Pacing (before a vendor complains): a host may be given a minimum interval between
//    requests (SetMinInterval; AMD KDS throttles at about one VCEK per 10 s per IP,
//    amd-sev-snp.md §8). Each request takes the host's next free slot and waits for it, unless
//    that slot is more than `max_pacing_wait_ms` away: then it fails at once with UNAVAILABLE
//    COLLATERAL_RATE_LIMITED instead of outliving the request that needs it.
//  - Backoff (after it complained): a 429 (or a 503 with Retry-After) blocks the host for the
//    Retry-After delay (exponential backoff when none is given). While a host is blocked no
//    request is sent to it: callers get COLLATERAL_RATE_LIMITED at once, so a burst of
//    attestations cannot prolong a vendor's throttling.
//
// Thread-safe.
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
  uint64_t timeouts = 0;                 // no complete answer within the fetch timeout
  uint64_t paced = 0;                    // requests that waited for their slot (min interval)
  uint64_t refused_while_paced = 0;      // not sent: the next slot was too far away
};

// Monotonic milliseconds and a way to wait, for pacing. Injected so that tests check pacing
// without sleeping. Implementations are thread-safe.
class Pacer {
 public:
  virtual ~Pacer() = default;
  virtual int64_t NowMs() const = 0;
  virtual void SleepMs(int64_t ms) = 0;
  // std::chrono::steady_clock and std::this_thread::sleep_for.
  static Pacer& Steady();
};

class VendorClient {
 public:
  struct Options {
    int64_t default_backoff_seconds = 10;  // a 429 without Retry-After; doubled per repeat
    int64_t max_backoff_seconds = 3600;
    // The longest a request waits for its host's next slot; attestd sets its request deadline.
    int64_t max_pacing_wait_ms = 30'000;
    Pacer* pacer = nullptr;  // borrowed; null = Pacer::Steady()
  };
  // `clock` is the wall clock (never a fixed verification clock). Both are borrowed.
  VendorClient(HttpsGetter& getter, const Clock& clock, Options options);
  VendorClient(HttpsGetter& getter, const Clock& clock) : VendorClient(getter, clock, Options{}) {}

  // At most one request per `min_interval_ms` to `host` ("host[:port]", as HostOf gives it);
  // 0 = no pacing. The larger interval wins when two sources share a host.
  void SetMinInterval(const std::string& host, int64_t min_interval_ms);

  // Any HTTP answer but 429 (and a 503 with Retry-After) is returned for the source to
  // interpret. Those, throttled hosts and transport failures are UNAVAILABLE: a transport
  // timeout (the getter's fetch timeout) is COLLATERAL_SOURCE_TIMEOUT, any other transport
  // failure COLLATERAL_SOURCE_UNREACHABLE.
  StatusOr<HttpsResponse> Get(const std::string& url);

  // GETs `url` as the collateral item `key` (`what` names it in errors): the body exactly as
  // served, the headers `keep_header` selects (names lower case), the fetch time. 404 is
  // NOT_FOUND COLLATERAL_MISSING, any other answer but 200 UNAVAILABLE
  // COLLATERAL_SOURCE_ERROR; Get's failures are returned with `what` named in the message.
  // The item is not checked: that is the source's job.
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
    int64_t min_interval_ms = 0;
    int64_t next_slot_ms = 0;  // Pacer time of the next free slot
    VendorCounters counters;
  };
  // Refusal while `h` is blocked by a Retry-After; mu_ held.
  Status RefuseThrottled(HostState& h, UnixTime now);

  HttpsGetter& getter_;
  const Clock& clock_;
  Options options_;
  Pacer& pacer_;
  mutable std::mutex mu_;
  std::map<std::string, HostState> hosts_;
};

}  // namespace attest::collateral
