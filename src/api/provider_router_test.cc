#include "api/provider_router.h"

#include <gtest/gtest.h>

namespace attest::api {
namespace {

TEST(ParseHostHeaderTest, SplitsHostAndPortAndLowersTheHost) {
  auto h = ParseHostHeader("A.Example:8443");
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->host, "a.example");
  EXPECT_EQ(h->port, 8443);
  h = ParseHostHeader("a.example");
  ASSERT_TRUE(h.has_value());
  EXPECT_FALSE(h->port.has_value());
  h = ParseHostHeader("[::1]:443");
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->host, "::1");
  EXPECT_EQ(h->port, 443);
}

TEST(ParseHostHeaderTest, RefusesMalformedValues) {
  for (const char* bad : {"", ":443", "a.example:", "a.example:0", "a.example:65536",
                          "a.example:44x", "a b", "[::1", "[]:1", "[::1]x", "a/b", "a@b"}) {
    EXPECT_FALSE(ParseHostHeader(bad).has_value()) << bad;
  }
  EXPECT_FALSE(ParseHostHeader(std::string(300, 'a')).has_value());
}

std::vector<ProviderRoute> Routes() {
  return {
      {"default", "attest.example", 443, true, "", nullptr},
      {"a", "a.example", 8443, true, "", nullptr},
      {"t1", "shared.example", 443, true, "/t1", nullptr},
      {"t1x", "shared.example", 443, true, "/t1/x", nullptr},
      {"root", "shared.example", 443, true, "", nullptr},
  };
}

std::string Id(const std::shared_ptr<const ProviderRoute>& r) { return r ? r->id : "(none)"; }

TEST(ProviderRouterTest, RoutesByHostAndPortWithTheSchemesDefaultPort) {
  ProviderRouter router(nullptr);
  router.SetProviders(Routes(), /*single=*/false);
  EXPECT_EQ(Id(router.Resolve("attest.example", "/certs")), "default");
  EXPECT_EQ(Id(router.Resolve("ATTEST.example:443", "/certs")), "default");
  EXPECT_EQ(Id(router.Resolve("a.example:8443", "/certs")), "a");
  // Another port of a known host, an unknown host, no host: nobody's.
  EXPECT_EQ(Id(router.Resolve("a.example", "/certs")), "(none)");
  EXPECT_EQ(Id(router.Resolve("attest.example:8443", "/certs")), "(none)");
  EXPECT_EQ(Id(router.Resolve("b.example:8443", "/certs")), "(none)");
  EXPECT_EQ(Id(router.Resolve("", "/certs")), "(none)");
  EXPECT_EQ(Id(router.Resolve("a.example:8443:1", "/certs")), "(none)");
}

TEST(ProviderRouterTest, PathPrefixesMatchWholeSegmentsLongestFirst) {
  ProviderRouter router(nullptr);
  router.SetProviders(Routes(), /*single=*/false);
  EXPECT_EQ(Id(router.Resolve("shared.example", "/t1/certs")), "t1");
  EXPECT_EQ(Id(router.Resolve("shared.example", "/t1/x/certs")), "t1x");
  EXPECT_EQ(Id(router.Resolve("shared.example", "/t1x/certs")), "root");
  EXPECT_EQ(Id(router.Resolve("shared.example", "/certs")), "root");
}

TEST(ProviderRouterTest, ASingleProviderAnswersWhateverTheHost) {
  ProviderRouter router(nullptr);
  router.SetProviders({{"default", "attest.example", 443, true, "", nullptr}}, /*single=*/true);
  EXPECT_EQ(Id(router.Resolve("127.0.0.1:9999", "/certs")), "default");
  EXPECT_EQ(Id(router.Resolve("", "/certs")), "default");
  // The same table as a multi-provider deployment: the Host decides.
  router.SetProviders({{"default", "attest.example", 443, true, "", nullptr}}, /*single=*/false);
  EXPECT_EQ(Id(router.Resolve("127.0.0.1:9999", "/certs")), "(none)");
}

}  // namespace
}  // namespace attest::api
