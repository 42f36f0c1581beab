#include "client/jwt.h"

#include <gtest/gtest.h>

#include "base/encoding.h"

namespace attest::client {
namespace {

std::string Seg(std::string_view json) { return Base64UrlEncode(AsBytes(json)); }

TEST(JwtTest, ParsesHeaderClaimsSigningInputAndSignature) {
  std::string header = Seg(R"({"alg":"RS256","kid":"k1","typ":"JWT"})");
  std::string payload = Seg(R"({"iss":"https://a","exp":5})");
  Bytes sig = {1, 2, 3, 250};
  auto jwt = ParseJwt(header + "." + payload + "." + Base64UrlEncode(sig));
  ASSERT_TRUE(jwt.has_value()) << jwt.error().ToString();
  EXPECT_EQ(jwt->alg(), "RS256");
  EXPECT_EQ(jwt->kid(), "k1");
  EXPECT_EQ(jwt->claims["iss"], "https://a");
  EXPECT_EQ(jwt->signing_input, header + "." + payload);
  EXPECT_EQ(jwt->signature, sig);
}

TEST(JwtTest, AcceptsEmptySignatureSegmentOfUnsignedToken) {
  auto jwt = ParseJwt(Seg(R"({"alg":"none"})") + "." + Seg("{}") + ".");
  ASSERT_TRUE(jwt.has_value());
  EXPECT_EQ(jwt->alg(), "none");
  EXPECT_TRUE(jwt->signature.empty());
  EXPECT_EQ(jwt->kid(), "");
}

TEST(JwtTest, RejectsMalformedTokens) {
  std::string h = Seg(R"({"alg":"RS256"})");
  std::string p = Seg(R"({"a":1})");
  for (const std::string& bad : {
           std::string(""),
           h,                                          // one segment
           h + "." + p,                                // two segments
           h + "." + p + ".AQ.AQ",                     // four segments
           h + "=." + p + ".AQ",                       // padded segment
           h + "." + p + ".A+/",                       // standard alphabet
           h + "." + p + ".A",                         // impossible length
           Seg("not json") + "." + p + ".AQ",          // header not JSON
           Seg("[1]") + "." + p + ".AQ",               // header not an object
           h + "." + Seg("\"str\"") + ".AQ",           // payload not an object
           Seg(R"({"typ":"JWT"})") + "." + p + ".AQ",  // no alg
           Seg(R"({"alg":5})") + "." + p + ".AQ",      // alg not a string
           std::string(kMaxJwtSize + 1, 'A'),
       }) {
    auto jwt = ParseJwt(bad);
    EXPECT_FALSE(jwt.has_value()) << bad.substr(0, 80);
    if (!jwt.has_value()) {
      EXPECT_EQ(jwt.error().reason(), "TOKEN_MALFORMED");
    }
  }
}

}  // namespace
}  // namespace attest::client
