#include "collateral/vendor_client.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <thread>

#include "base/reasons.h"
#include "collateral/collateral_item.h"

namespace attest::collateral {

std::string_view FindHeader(const HeaderList& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (k == name) {
      return v;
    }
  }
  return {};
}

Pacer& Pacer::Steady() {
  class SteadyPacer final : public Pacer {
   public:
    int64_t NowMs() const override {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::steady_clock::now().time_since_epoch())
          .count();
    }
    void SleepMs(int64_t ms) override {
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    }
  };
  static SteadyPacer pacer;
  return pacer;
}

VendorClient::VendorClient(HttpsGetter& getter, const Clock& clock, Options options)
    : getter_(getter),
      clock_(clock),
      options_(options),
      pacer_(options.pacer != nullptr ? *options.pacer : Pacer::Steady()) {}

void VendorClient::SetMinInterval(const std::string& host, int64_t min_interval_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  HostState& h = hosts_[host];
  h.min_interval_ms = std::max(h.min_interval_ms, std::max<int64_t>(0, min_interval_ms));
}

Status VendorClient::RefuseThrottled(HostState& h, UnixTime now) {
  ++h.counters.refused_while_throttled;
  return Status::Unavailable("COLLATERAL_RATE_LIMITED",
                             "the collateral source asked attestd to wait; retry in " +
                                 std::to_string(h.blocked_until - now) + " s");
}

std::string VendorClient::HostOf(const std::string& url) {
  size_t start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  size_t end = url.find_first_of("/?#", start);
  return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

int64_t VendorClient::ParseRetryAfter(std::string_view value, UnixTime now) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
    value.remove_prefix(1);
  }
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
    value.remove_suffix(1);
  }
  if (value.empty()) {
    return -1;
  }
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (value.size() > 9) {
      return -1;  // more than ~30 years: not a sane delay
    }
    int64_t n = 0;
    for (char c : value) {
      n = n * 10 + (c - '0');
    }
    return n;
  }
  // IMF-fixdate (RFC 9110 §5.6.7): "Sun, 06 Nov 1994 08:49:37 GMT".
  if (value.size() != 29 || value.substr(25) != " GMT" || value[3] != ',') {
    return -1;
  }
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  auto num = [&](size_t pos, size_t len) -> int64_t {
    int64_t n = 0;
    for (size_t i = pos; i < pos + len; ++i) {
      if (value[i] < '0' || value[i] > '9') {
        return -1;
      }
      n = n * 10 + (value[i] - '0');
    }
    return n;
  };
  int64_t day = num(5, 2), year = num(12, 4), hh = num(17, 2), mm = num(20, 2), ss = num(23, 2);
  unsigned month = 0;
  for (unsigned m = 0; m < 12; ++m) {
    if (value.substr(8, 3) == kMonths[m]) {
      month = m + 1;
    }
  }
  if (day < 1 || day > 31 || year < 1970 || month == 0 || hh < 0 || hh > 23 || mm < 0 || mm > 59 ||
      ss < 0 || ss > 60 || value[7] != ' ' || value[11] != ' ' || value[16] != ' ' ||
      value[19] != ':' || value[22] != ':') {
    return -1;
  }
  UnixTime at =
      DaysFromCivil(year, month, static_cast<unsigned>(day)) * 86400 + hh * 3600 + mm * 60 + ss;
  return std::max<int64_t>(0, at - now);
}

StatusOr<HttpsResponse> VendorClient::Get(const std::string& url) {
  const std::string host = HostOf(url);
  int64_t wait_ms = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    HostState& h = hosts_[host];
    UnixTime now = clock_.Now();
    if (now < h.blocked_until) {
      return Err(RefuseThrottled(h, now));
    }
    if (h.min_interval_ms > 0) {
      // Take the next free slot; a slot further away than the caller can wait is not taken.
      const int64_t now_ms = pacer_.NowMs();
      const int64_t slot = std::max(now_ms, h.next_slot_ms);
      wait_ms = slot - now_ms;
      if (wait_ms > options_.max_pacing_wait_ms) {
        ++h.counters.refused_while_paced;
        return Err(Status::Unavailable(
            "COLLATERAL_RATE_LIMITED",
            "attestd sends " + host + " at most one request per " +
                std::to_string(h.min_interval_ms) + " ms and its next free slot is in " +
                std::to_string((wait_ms + 999) / 1000) + " s; retry then"));
      }
      h.next_slot_ms = slot + h.min_interval_ms;
      if (wait_ms > 0) {
        ++h.counters.paced;
      }
    }
    if (wait_ms == 0) {
      ++h.counters.requests;
    }
  }
  if (wait_ms > 0) {
    pacer_.SleepMs(wait_ms);
    std::lock_guard<std::mutex> lock(mu_);
    HostState& h = hosts_[host];
    // A 429 answered to another request while this one waited applies to it too.
    if (UnixTime now = clock_.Now(); now < h.blocked_until) {
      return Err(RefuseThrottled(h, now));
    }
    ++h.counters.requests;
  }
  StatusOr<HttpsResponse> got = getter_.Get(url);
  std::lock_guard<std::mutex> lock(mu_);
  HostState& h = hosts_[host];
  if (!got) {
    ++h.counters.failures;
    if (got.error().reason() == reason::kTimeout) {
      ++h.counters.timeouts;
      return Err(
          Status::Unavailable("COLLATERAL_SOURCE_TIMEOUT",
                              "the collateral source did not answer within the fetch timeout (" +
                                  got.error().message() + ")"));
    }
    return Err(Status::Unavailable(
        "COLLATERAL_SOURCE_UNREACHABLE",
        "the collateral source could not be reached (" + got.error().reason() + ")"));
  }
  const bool throttled = got->status == 429;
  const int64_t retry_after =
      ParseRetryAfter(FindHeader(got->headers, "retry-after"), clock_.Now());
  if (got->status >= 500) {
    ++h.counters.failures;
  }
  if (throttled || (got->status == 503 && retry_after >= 0)) {
    if (throttled) {
      ++h.counters.rate_limited;
    }
    int64_t wait = retry_after;
    if (wait < 0) {
      wait = h.last_backoff > 0 ? h.last_backoff * 2 : options_.default_backoff_seconds;
    }
    wait = std::min(wait, options_.max_backoff_seconds);
    h.last_backoff = wait;
    h.blocked_until = clock_.Now() + wait;
    return Err(Status::Unavailable("COLLATERAL_RATE_LIMITED",
                                   "the collateral source answered HTTP " +
                                       std::to_string(got->status) + "; retry in " +
                                       std::to_string(wait) + " s"));
  }
  h.last_backoff = 0;
  return got;
}

std::map<std::string, VendorCounters> VendorClient::Counters() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::string, VendorCounters> out;
  for (const auto& [host, h] : hosts_) {
    out[host] = h.counters;
  }
  return out;
}

int64_t VendorClient::ThrottledFor(const std::string& host) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = hosts_.find(host);
  if (it == hosts_.end()) {
    return 0;
  }
  return std::max<int64_t>(0, it->second.blocked_until - clock_.Now());
}

StatusOr<CollateralItem> VendorClient::FetchItem(
    const std::string& key, const std::string& url, const std::string& what,
    const std::function<bool(std::string_view)>& keep_header) {
  StatusOr<HttpsResponse> got = Get(url);
  if (!got) {
    // The cache reports this to the request that needed the item: say which item it was.
    return Err(Status::Unavailable(got.error().reason(), what + ": " + got.error().message()));
  }
  HttpsResponse& r = *got;
  if (r.status == 404) {
    return Err(Status::NotFound("COLLATERAL_MISSING",
                                what + " is not published by the collateral source"));
  }
  if (r.status != 200) {
    return Err(Status::Unavailable(
        "COLLATERAL_SOURCE_ERROR",
        "the collateral source answered HTTP " + std::to_string(r.status) + " for " + what));
  }
  CollateralItem item;
  item.key = key;
  item.url = url;
  item.body = std::move(r.body);
  for (auto& [name, value] : r.headers) {
    if (keep_header(name)) item.headers.emplace_back(name, value);
  }
  item.fetched_at = SystemClock::Get().Now();
  return item;
}

}  // namespace attest::collateral
