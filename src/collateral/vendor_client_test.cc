#include "collateral/vendor_client.h"

#include <gtest/gtest.h>

#include <functional>
#include <mutex>
#include <utility>
#include <vector>

#include "collateral/collateral_test_support.h"

namespace attest::collateral {
namespace {

using testing::CannedGetter;
using testing::SettableClock;

HttpsResponse Answer(int status, HeaderList headers = {}) {
  HttpsResponse r;
  r.status = status;
  r.headers = std::move(headers);
  return r;
}

// A Pacer whose time moves only when the test says so; SleepMs records the wait and, when
// `advance` is set, moves time by it (a caller that slept). `during_sleep` runs once, inside
// the first wait (what other requests did meanwhile).
class FakePacer final : public Pacer {
 public:
  explicit FakePacer(bool advance) : advance_(advance) {}
  int64_t NowMs() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }
  void SleepMs(int64_t ms) override {
    std::function<void()> hook;
    {
      std::lock_guard<std::mutex> lock(mu_);
      sleeps_.push_back(ms);
      if (advance_) now_ += ms;
      hook = std::exchange(during_sleep_, nullptr);
    }
    if (hook) hook();
  }
  void Advance(int64_t ms) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ += ms;
  }
  void DuringSleep(std::function<void()> f) {
    std::lock_guard<std::mutex> lock(mu_);
    during_sleep_ = std::move(f);
  }
  std::vector<int64_t> Sleeps() const {
    std::lock_guard<std::mutex> lock(mu_);
    return sleeps_;
  }

 private:
  mutable std::mutex mu_;
  const bool advance_;
  int64_t now_ = 1'000'000;
  std::vector<int64_t> sleeps_;
  std::function<void()> during_sleep_;
};

TEST(VendorClientTest, HonoursRetryAfterOf429) {
  CannedGetter getter;
  SettableClock clock(1000);
  VendorClient client(getter, clock);
  const std::string url = "https://kds.example/vcek/v1/Milan/cert_chain";
  getter.Add(url, Answer(429, {{"retry-after", "120"}}));
  auto r = client.Get(url);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason(), "COLLATERAL_RATE_LIMITED");
  getter.Add(url, Answer(200));
  clock.Set(1119);
  r = client.Get(url);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason(), "COLLATERAL_RATE_LIMITED");
  EXPECT_EQ(getter.Count(url), 1);  // not sent while throttled
  EXPECT_EQ(client.ThrottledFor("kds.example"), 1);
  clock.Set(1120);
  r = client.Get(url);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(getter.Count(url), 2);
  auto counters = client.Counters()["kds.example"];
  EXPECT_EQ(counters.rate_limited, 1u);
  EXPECT_EQ(counters.refused_while_throttled, 1u);
  EXPECT_EQ(counters.requests, 2u);
}

TEST(VendorClientTest, BacksOffExponentiallyWithoutRetryAfter) {
  CannedGetter getter;
  SettableClock clock(0);
  VendorClient client(getter, clock, {.default_backoff_seconds = 10, .max_backoff_seconds = 25});
  const std::string url = "https://pcs.example/sgx/certification/v4/qe/identity";
  getter.Add(url, Answer(429));
  EXPECT_FALSE(client.Get(url));
  EXPECT_EQ(client.ThrottledFor("pcs.example"), 10);
  clock.Set(10);
  EXPECT_FALSE(client.Get(url));
  EXPECT_EQ(client.ThrottledFor("pcs.example"), 20);
  clock.Set(30);
  EXPECT_FALSE(client.Get(url));
  EXPECT_EQ(client.ThrottledFor("pcs.example"), 25);  // capped
}

TEST(VendorClientTest, ThrottlingIsPerHost) {
  CannedGetter getter;
  SettableClock clock(0);
  VendorClient client(getter, clock);
  getter.Add("https://a.example/x", Answer(429, {{"retry-after", "60"}}));
  getter.Add("https://b.example/x", Answer(200));
  EXPECT_FALSE(client.Get("https://a.example/x"));
  EXPECT_TRUE(client.Get("https://b.example/x"));
}

TEST(VendorClientTest, TransportFailureIsUnavailable) {
  CannedGetter getter;
  getter.SetHook([](const std::string&, HttpsResponse) -> StatusOr<HttpsResponse> {
    return Err(Status::Unavailable("CONNECTION_FAILED", "refused"));
  });
  SettableClock clock(0);
  VendorClient client(getter, clock);
  auto r = client.Get("https://a.example/x");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason(), "COLLATERAL_SOURCE_UNREACHABLE");
  EXPECT_EQ(client.Counters()["a.example"].failures, 1u);
}

TEST(VendorClientTest, TransportTimeoutIsNamedAndCounted) {
  CannedGetter getter;
  getter.SetHook([](const std::string&, HttpsResponse) -> StatusOr<HttpsResponse> {
    return Err(Status::Unavailable("TIMEOUT", "reading the response timed out"));
  });
  SettableClock clock(0);
  VendorClient client(getter, clock);
  auto item =
      client.FetchItem("amd/cert_chain/vcek/Milan", "https://kds.example/vcek/v1/Milan/cert_chain",
                       "ASK and ARK of Milan", [](std::string_view) { return false; });
  ASSERT_FALSE(item);
  EXPECT_EQ(item.error().code(), StatusCode::kUnavailable);
  EXPECT_EQ(item.error().reason(), "COLLATERAL_SOURCE_TIMEOUT");
  EXPECT_TRUE(item.error().message().starts_with("ASK and ARK of Milan: "))
      << item.error().message();
  EXPECT_EQ(client.Counters()["kds.example"].timeouts, 1u);
  EXPECT_EQ(client.Counters()["kds.example"].failures, 1u);
}

// Three requests arriving together (time does not move while they wait) take successive
// slots: the second waits one interval, the third two; all are sent.
TEST(VendorClientTest, ConcurrentRequestsTakeSuccessiveSlotsOfTheMinimumInterval) {
  CannedGetter getter;
  SettableClock clock(0);
  FakePacer pacer(/*advance=*/false);
  VendorClient client(getter, clock, {.pacer = &pacer});
  client.SetMinInterval("kds.example", 10'000);
  const std::string url = "https://kds.example/vcek/v1/Milan/cert_chain";
  getter.Add(url, Answer(200));
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(client.Get(url));
  }
  EXPECT_EQ(pacer.Sleeps(), (std::vector<int64_t>{10'000, 20'000}));
  EXPECT_EQ(getter.Count(url), 3);
  auto counters = client.Counters()["kds.example"];
  EXPECT_EQ(counters.requests, 3u);
  EXPECT_EQ(counters.paced, 2u);
}

TEST(VendorClientTest, ARequestAfterTheIntervalDoesNotWait) {
  CannedGetter getter;
  SettableClock clock(0);
  FakePacer pacer(/*advance=*/true);
  VendorClient client(getter, clock, {.pacer = &pacer});
  client.SetMinInterval("kds.example", 10'000);
  const std::string url = "https://kds.example/vcek/v1/Milan/crl";
  getter.Add(url, Answer(200));
  EXPECT_TRUE(client.Get(url));
  pacer.Advance(4'000);
  EXPECT_TRUE(client.Get(url));  // waits the remaining 6 s
  pacer.Advance(10'000);
  EXPECT_TRUE(client.Get(url));  // the interval has passed: sent at once
  EXPECT_EQ(pacer.Sleeps(), (std::vector<int64_t>{6'000}));
  EXPECT_EQ(getter.Count(url), 3);
}

TEST(VendorClientTest, PacingIsPerHostAndTheLargerIntervalWins) {
  CannedGetter getter;
  SettableClock clock(0);
  FakePacer pacer(/*advance=*/false);
  VendorClient client(getter, clock, {.pacer = &pacer});
  client.SetMinInterval("shared.example", 2'000);
  client.SetMinInterval("shared.example", 5'000);
  client.SetMinInterval("shared.example", 0);  // a source without pacing does not lift it
  getter.Add("https://shared.example/x", Answer(200));
  getter.Add("https://other.example/x", Answer(200));
  EXPECT_TRUE(client.Get("https://shared.example/x"));
  EXPECT_TRUE(client.Get("https://other.example/x"));
  EXPECT_TRUE(client.Get("https://other.example/x"));
  EXPECT_TRUE(client.Get("https://shared.example/x"));
  EXPECT_EQ(pacer.Sleeps(), (std::vector<int64_t>{5'000}));
}

// A slot further away than a request may wait is refused at once (retryable), not sent, and
// not taken: the next request gets the slot the refused one would have had.
TEST(VendorClientTest, RefusesASlotBeyondTheLongestWait) {
  CannedGetter getter;
  SettableClock clock(0);
  FakePacer pacer(/*advance=*/false);
  VendorClient client(getter, clock, {.max_pacing_wait_ms = 15'000, .pacer = &pacer});
  client.SetMinInterval("kds.example", 10'000);
  const std::string url = "https://kds.example/vcek/v1/Turin/cert_chain";
  getter.Add(url, Answer(200));
  EXPECT_TRUE(client.Get(url));    // slot 0
  EXPECT_TRUE(client.Get(url));    // slot +10 s
  auto refused = client.Get(url);  // slot +20 s > 15 s
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), StatusCode::kUnavailable);
  EXPECT_EQ(refused.error().reason(), "COLLATERAL_RATE_LIMITED");
  EXPECT_NE(refused.error().message().find("next free slot is in 20 s"), std::string::npos)
      << refused.error().message();
  EXPECT_EQ(getter.Count(url), 2);
  pacer.Advance(10'000);
  EXPECT_TRUE(client.Get(url));  // now slot +20 s is 10 s away
  EXPECT_EQ(pacer.Sleeps(), (std::vector<int64_t>{10'000, 10'000}));
  auto counters = client.Counters()["kds.example"];
  EXPECT_EQ(counters.refused_while_paced, 1u);
  EXPECT_EQ(counters.requests, 3u);
}

// A 429 answered to another request while this one waited for its slot applies to it: it is
// not sent.
TEST(VendorClientTest, ARequestWaitingForItsSlotHonoursA429AnsweredMeanwhile) {
  CannedGetter getter;
  SettableClock clock(0);
  FakePacer pacer(/*advance=*/true);
  VendorClient client(getter, clock, {.pacer = &pacer});
  client.SetMinInterval("kds.example", 10'000);
  const std::string chain = "https://kds.example/vcek/v1/Milan/cert_chain";
  const std::string vcek = "https://kds.example/vcek/v1/Milan/00?blSPL=1";
  getter.Add(chain, Answer(200));
  getter.Add(vcek, Answer(429, {{"retry-after", "600"}}));
  EXPECT_TRUE(client.Get(chain));
  pacer.DuringSleep([&] { EXPECT_FALSE(client.Get(vcek)); });
  auto r = client.Get(chain);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason(), "COLLATERAL_RATE_LIMITED");
  EXPECT_EQ(getter.Count(chain), 1);
  EXPECT_EQ(getter.Count(vcek), 1);
  EXPECT_EQ(client.Counters()["kds.example"].refused_while_throttled, 1u);
}

TEST(VendorClientTest, ParsesRetryAfterForms) {
  EXPECT_EQ(VendorClient::ParseRetryAfter("120", 0), 120);
  EXPECT_EQ(VendorClient::ParseRetryAfter(" 7 ", 0), 7);
  // 1994-11-06T08:49:37Z = 784111777.
  EXPECT_EQ(VendorClient::ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", 784111700), 77);
  EXPECT_EQ(VendorClient::ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", 784111800), 0);
  EXPECT_EQ(VendorClient::ParseRetryAfter("", 0), -1);
  EXPECT_EQ(VendorClient::ParseRetryAfter("-5", 0), -1);
  EXPECT_EQ(VendorClient::ParseRetryAfter("soon", 0), -1);
  EXPECT_EQ(VendorClient::ParseRetryAfter("99999999999", 0), -1);
  EXPECT_EQ(VendorClient::ParseRetryAfter("Sun, 06 Xyz 1994 08:49:37 GMT", 0), -1);
}

TEST(VendorClientTest, HostOfUrl) {
  EXPECT_EQ(VendorClient::HostOf("https://kdsintf.amd.com/vcek/v1/Milan/crl"), "kdsintf.amd.com");
  EXPECT_EQ(VendorClient::HostOf("https://127.0.0.1:8443?x"), "127.0.0.1:8443");
}

}  // namespace
}  // namespace attest::collateral
