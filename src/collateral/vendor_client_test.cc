#include "collateral/vendor_client.h"

#include <gtest/gtest.h>

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
