#include "crypto/digest.h"

#include <gtest/gtest.h>

#include "base/encoding.h"

namespace attest::crypto {
namespace {

// RFC 5869 appendix A.1 (SHA-256, basic test case).
TEST(HkdfSha256Test, MatchesRfc5869TestCase1) {
  Bytes ikm(22, 0x0b);
  Bytes salt;
  for (uint8_t i = 0; i <= 0x0c; ++i) salt.push_back(i);
  std::string info;
  for (int c = 0xf0; c <= 0xf9; ++c) info.push_back(static_cast<char>(c));
  auto okm = HkdfSha256(ikm, salt, info, 42);
  ASSERT_TRUE(okm.has_value()) << okm.error().ToString();
  EXPECT_EQ(HexEncode(*okm),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
}

TEST(HkdfSha256Test, InfoSeparatesKeysAndEmptyInputsWork) {
  Bytes ikm(32, 1);
  auto a = HkdfSha256(ikm, {}, "use a", 32);
  auto b = HkdfSha256(ikm, {}, "use b", 32);
  auto empty = HkdfSha256(ikm, {}, "", 32);
  ASSERT_TRUE(a && b && empty);
  EXPECT_NE(*a, *b);
  EXPECT_NE(*a, *empty);
  EXPECT_EQ(*a, *HkdfSha256(ikm, {}, "use a", 32));
  EXPECT_FALSE(HkdfSha256(ikm, {}, "too long", 255 * 32 + 1).has_value());
}

}  // namespace
}  // namespace attest::crypto
