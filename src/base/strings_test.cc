#include "base/strings.h"

#include <gtest/gtest.h>

#include <string>

namespace attest {
namespace {

TEST(StringsTest, EqualsIgnoreCaseFoldsAsciiLettersOnly) {
  EXPECT_TRUE(EqualsIgnoreCase("SgxEnclave", "sgxenclave"));
  EXPECT_TRUE(EqualsIgnoreCase("", ""));
  EXPECT_FALSE(EqualsIgnoreCase("SgxEnclave", "SgxEnclav"));
  EXPECT_FALSE(EqualsIgnoreCase("a", "b"));
  // '@' (0x40) and '`' (0x60) sit next to the letters; they must not fold onto each other.
  EXPECT_FALSE(EqualsIgnoreCase("@", "`"));
  EXPECT_FALSE(EqualsIgnoreCase("[", "{"));
  // Non-ASCII bytes compare exactly.
  EXPECT_FALSE(EqualsIgnoreCase("\xc3\x84", "\xc3\xa4"));
}

TEST(StringsTest, AsciiToLowerLeavesOtherBytes) {
  EXPECT_EQ(AsciiToLower("AbC-Z_9"), "abc-z_9");
  EXPECT_EQ(AsciiToLower("\xc3\x84@["), "\xc3\x84@[");
  EXPECT_EQ(AsciiLower('Q'), 'q');
  EXPECT_EQ(AsciiLower('q'), 'q');
}

TEST(StringsTest, TrimOwsRemovesSpacesAndTabsOnly) {
  EXPECT_EQ(TrimOws(" \tchunked\t "), "chunked");
  EXPECT_EQ(TrimOws("a b"), "a b");
  EXPECT_EQ(TrimOws("  "), "");
  EXPECT_EQ(TrimOws("\r\nx\r\n"), "\r\nx\r\n");
}

TEST(StringsTest, TrimWhitespaceAlsoRemovesLineEnds) {
  EXPECT_EQ(TrimWhitespace("\r\n\t x y \n"), "x y");
  EXPECT_EQ(TrimWhitespace("\v x"), "\v x");
  EXPECT_EQ(TrimWhitespace(""), "");
}

TEST(StringsTest, JsonTextDepthCountsNestingOutsideStrings) {
  EXPECT_TRUE(JsonTextDepthWithin("[[{}]]", 3));
  EXPECT_FALSE(JsonTextDepthWithin("[[{}]]", 2));
  EXPECT_TRUE(JsonTextDepthWithin("1", 0));
  EXPECT_FALSE(JsonTextDepthWithin("[]", 0));
  // Brackets inside strings, including after an escaped quote, do not count.
  EXPECT_TRUE(JsonTextDepthWithin(R"(["[[[[", "\"[[[["])", 1));
  // Closing brackets never take the depth below zero.
  EXPECT_FALSE(JsonTextDepthWithin("]]]][[", 1));
  EXPECT_TRUE(JsonTextDepthWithin(std::string(100, '[') + std::string(100, ']'), 100));
  EXPECT_FALSE(JsonTextDepthWithin(std::string(101, '['), 100));
}

}  // namespace
}  // namespace attest
