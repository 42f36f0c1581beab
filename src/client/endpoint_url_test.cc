#include "client/endpoint_url.h"

#include <gtest/gtest.h>

namespace attest::client {
namespace {

TEST(EndpointUrlTest, HttpsDefaultsToPort443AndHasNoPrefix) {
  auto url = ParseEndpointUrl("https://Attest.Example.com");
  ASSERT_TRUE(url.has_value()) << url.error().ToString();
  EXPECT_TRUE(url->tls);
  EXPECT_EQ(url->host, "attest.example.com");
  EXPECT_EQ(url->port, 443);
  EXPECT_EQ(url->path_prefix, "");
  EXPECT_EQ(url->HostHeader(), "attest.example.com");
  EXPECT_EQ(url->Target("/certs"), "/certs");
  EXPECT_EQ(url->base, "https://Attest.Example.com");
}

TEST(EndpointUrlTest, KeepsExplicitPortAndStripsTrailingSlashFromIssuer) {
  auto url = ParseEndpointUrl("https://127.0.0.1:8443/");
  ASSERT_TRUE(url.has_value());
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, 8443);
  EXPECT_EQ(url->HostHeader(), "127.0.0.1:8443");
  EXPECT_EQ(url->base, "https://127.0.0.1:8443");
}

TEST(EndpointUrlTest, PathPrefixIsPrependedToOperations) {
  auto url = ParseEndpointUrl("https://gw.example/maa/eu/");
  ASSERT_TRUE(url.has_value());
  EXPECT_EQ(url->path_prefix, "/maa/eu");
  EXPECT_EQ(url->Target("/attest/SgxEnclave?api-version=2020-10-01"),
            "/maa/eu/attest/SgxEnclave?api-version=2020-10-01");
  EXPECT_EQ(url->base, "https://gw.example/maa/eu");
}

TEST(EndpointUrlTest, ParsesBracketedIpv6Literal) {
  auto url = ParseEndpointUrl("https://[::1]:9443");
  ASSERT_TRUE(url.has_value()) << url.error().ToString();
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, 9443);
  EXPECT_EQ(url->HostHeader(), "[::1]:9443");
  EXPECT_TRUE(url->IsLoopback());
}

TEST(EndpointUrlTest, AllowsPlainHttpOnlyForLoopback) {
  auto local = ParseEndpointUrl("http://localhost:8080");
  ASSERT_TRUE(local.has_value());
  EXPECT_FALSE(local->tls);
  EXPECT_EQ(local->port, 8080);
  EXPECT_TRUE(ParseEndpointUrl("http://127.0.0.1").has_value());
  EXPECT_EQ(ParseEndpointUrl("http://127.0.0.1")->port, 80);

  auto remote = ParseEndpointUrl("http://attest.example.com");
  ASSERT_FALSE(remote.has_value());
  EXPECT_EQ(remote.error().reason(), "INVALID_ENDPOINT");
}

TEST(EndpointUrlTest, RejectsMalformedEndpoints) {
  for (const char* bad : {"attest.example.com", "ftp://attest.example.com", "https://",
                          "https://:443", "https://host:0", "https://host:65536", "https://host:x",
                          "https://host:", "https://user@host", "https://host/?q=1",
                          "https://host#frag", "https://[::1", "https://[zz]:1",
                          "https://ho st"}) {
    auto url = ParseEndpointUrl(bad);
    EXPECT_FALSE(url.has_value()) << bad;
    if (!url.has_value()) {
      EXPECT_EQ(url.error().reason(), "INVALID_ENDPOINT") << bad;
      EXPECT_EQ(url.error().code(), StatusCode::kInvalidArgument) << bad;
    }
  }
}

TEST(EndpointUrlTest, RecognisesLoopbackHosts) {
  EXPECT_TRUE(IsLoopbackHost("localhost"));
  EXPECT_TRUE(IsLoopbackHost("LOCALHOST"));
  EXPECT_TRUE(IsLoopbackHost("127.0.0.1"));
  EXPECT_TRUE(IsLoopbackHost("127.5.6.7"));
  EXPECT_TRUE(IsLoopbackHost("::1"));
  EXPECT_FALSE(IsLoopbackHost("10.0.0.1"));
  EXPECT_FALSE(IsLoopbackHost("localhost.example.com"));
}

}  // namespace
}  // namespace attest::client
