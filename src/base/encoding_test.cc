#include "base/encoding.h"

#include <gtest/gtest.h>

namespace attest {
namespace {

TEST(EncodingTest, HexRoundTripsAndRejectsBadDigits) {
  Bytes b = {0x00, 0xab, 0xff};
  EXPECT_EQ(HexEncode(b), "00abff");
  EXPECT_EQ(HexEncodeUpper(b), "00ABFF");
  EXPECT_EQ(HexDecode("00ABff").value(), b);
  EXPECT_FALSE(HexDecode("abc").has_value());
  EXPECT_FALSE(HexDecode("zz").has_value());
}

TEST(EncodingTest, Base64UrlMatchesRfc4648Vectors) {
  EXPECT_EQ(Base64UrlEncode(AsBytes("")), "");
  EXPECT_EQ(Base64UrlEncode(AsBytes("f")), "Zg");
  EXPECT_EQ(Base64UrlEncode(AsBytes("fo")), "Zm8");
  EXPECT_EQ(Base64UrlEncode(AsBytes("foobar")), "Zm9vYmFy");
  EXPECT_EQ(Base64Encode(AsBytes("fo")), "Zm8=");
  Bytes hi = {0xfb, 0xff};
  EXPECT_EQ(Base64UrlEncode(hi), "-_8");
  EXPECT_EQ(Base64UrlDecode("-_8").value(), hi);
  EXPECT_EQ(Base64UrlDecode("Zm8=").value(), ToBytes(std::string_view("fo")));
}

TEST(EncodingTest, Base64RejectsMalformedInput) {
  EXPECT_FALSE(Base64UrlDecode("Zm9v!").has_value());
  EXPECT_FALSE(Base64UrlDecode("Z").has_value());      // impossible length
  EXPECT_FALSE(Base64UrlDecode("Zh").has_value());     // non-zero trailing bits
  EXPECT_FALSE(Base64Decode("-_8").has_value());       // url alphabet in std decoder
  EXPECT_EQ(Base64UrlDecode("Zm9v!").error().reason(), "INVALID_ENCODING");
}

}  // namespace
}  // namespace attest
