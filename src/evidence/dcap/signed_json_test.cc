#include "evidence/dcap/signed_json.h"

#include <gtest/gtest.h>

#include <vector>

namespace attest::dcap {
namespace {

const std::string kSig(128, 'a');

TEST(SignedJsonTest, ExtractsExactBodyBytesAndSignature) {
  std::string doc = R"({"tcbInfo":{"id":"SGX","v":[1,2]},"signature":")" + kSig + R"("})";
  auto s = ExtractSignedJson(doc, "tcbInfo", "R");
  ASSERT_TRUE(s.has_value()) << s.error().ToString();
  EXPECT_EQ(s->body, R"({"id":"SGX","v":[1,2]})");
  EXPECT_EQ(s->signature.size(), 64u);
}

TEST(SignedJsonTest, RemovesWhitespaceOutsideStringsOnly) {
  std::string doc = "{\n  \"signature\": \"" + kSig +
                    "\",\n  \"tcbInfo\": { \"a\" : \"x y\\\" z\", \"b\": [ 1 , 2 ] }\n}\n\0";
  auto s = ExtractSignedJson(std::string_view(doc.data(), doc.size()), "tcbInfo", "R");
  ASSERT_TRUE(s.has_value()) << s.error().ToString();
  EXPECT_EQ(s->body, R"({"a":"x y\" z","b":[1,2]})");
}

TEST(SignedJsonTest, NestedKeyOfTheSameNameIsNotTheBody) {
  std::string doc = R"({"other":{"tcbInfo":{"fake":1}},"signature":")" + kSig + R"("})";
  auto s = ExtractSignedJson(doc, "tcbInfo", "TCB_INFO_UNSUPPORTED_FORMAT");
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().reason(), "TCB_INFO_UNSUPPORTED_FORMAT");
}

TEST(SignedJsonTest, RejectsMalformedDocuments) {
  for (const std::string& doc : std::vector<std::string>{std::string(""), std::string("[]"), std::string("{}"),
        R"({"tcbInfo":{},"tcbInfo":{},"signature":")" + kSig + R"("})",
        R"({"tcbInfo":{"a":1},"signature":"abcd"})", R"({"tcbInfo":{"a":1}})",
        R"({"tcbInfo":[1],"signature":")" + kSig + R"("})",
        R"({"tcbInfo":{"a":1},"signature":")" + kSig + R"("} trailing)",
        R"({"tcbInfo":{"a":"unterminated},"signature":")" + kSig + R"("})",
        std::string(100, '{')}) {
    auto s = ExtractSignedJson(doc, "tcbInfo", "R");
    EXPECT_FALSE(s.has_value()) << doc;
  }
}

TEST(SignedJsonTest, DeepNestingIsRejectedNotRecursedForever) {
  std::string deep = R"({"tcbInfo":)" + std::string(10000, '[') + std::string(10000, ']') +
                     R"(,"signature":")" + kSig + R"("})";
  EXPECT_FALSE(ExtractSignedJson(deep, "tcbInfo", "R").has_value());
}

}  // namespace
}  // namespace attest::dcap
