#include "base/json_fields.h"

#include <gtest/gtest.h>

namespace attest {
namespace {

using nlohmann::json;

const JsonFields kFields(StatusCode::kInvalidArgument, "DOC_INVALID");

void ExpectFailure(const Status& s, std::string_view message) {
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.reason(), "DOC_INVALID");
  EXPECT_EQ(s.message(), message);
}

TEST(JsonFieldsTest, ReadsWellTypedMembers) {
  json doc = json::parse(R"({"s":"x","n":7,"h":"0aff","t":"2025-07-19T10:01:17Z",
                             "a":[1],"e":[],"ids":["A","B"]})");
  EXPECT_EQ(kFields.Str(doc, "s", "doc").value(), "x");
  EXPECT_EQ(kFields.UInt(doc, "n", "doc", 7).value(), 7u);
  EXPECT_EQ(kFields.Hex(doc, "h", "doc", 2).value(), (Bytes{0x0a, 0xff}));
  EXPECT_EQ(kFields.Time(doc, "t", "doc").value(), 1752919277);
  EXPECT_EQ(kFields.Array(doc, "a", "doc", true).value()->size(), 1u);
  EXPECT_EQ(kFields.Array(doc, "e", "doc", false).value()->size(), 0u);
  EXPECT_EQ(kFields.OptionalStrings(doc, "ids", "doc").value(),
            (std::vector<std::string>{"A", "B"}));
  EXPECT_TRUE(kFields.OptionalStrings(doc, "absent", "doc").value().empty());
}

TEST(JsonFieldsTest, RefusesWrongTypesWithPathAndReason) {
  json doc = json::parse(R"({"s":1,"n":"7","big":8,"neg":-1,"h":"0af","t":"yesterday",
                             "e":[],"ids":["A",2],"o":{}})");
  ExpectFailure(kFields.Member(json::array(), "s", "doc").error(), "'doc' is not an object");
  ExpectFailure(kFields.Member(doc, "missing", "doc").error(), "'doc.missing' is missing");
  ExpectFailure(kFields.Str(doc, "s", "doc").error(), "'doc.s' is not a string");
  ExpectFailure(kFields.UInt(doc, "n", "doc", 9).error(), "'doc.n' is not an integer in 0..9");
  ExpectFailure(kFields.UInt(doc, "big", "doc", 7).error(), "'doc.big' is not an integer in 0..7");
  ExpectFailure(kFields.UInt(doc, "neg", "doc", 7).error(), "'doc.neg' is not an integer in 0..7");
  ExpectFailure(kFields.Hex(doc, "h", "doc", 2).error(), "'doc.h' is not 4 hex digits");
  ExpectFailure(kFields.Time(doc, "t", "doc").error(), "'doc.t' is not a UTC time");
  ExpectFailure(kFields.Array(doc, "e", "doc", true).error(), "'doc.e' is not a non-empty array");
  ExpectFailure(kFields.Array(doc, "o", "doc", false).error(), "'doc.o' is not an array");
  ExpectFailure(kFields.OptionalStrings(doc, "ids", "doc").error(), "'doc.ids' has a non-string");
  ExpectFailure(kFields.OptionalStrings(doc, "o", "doc").error(), "'doc.o' is not an array");
}

}  // namespace
}  // namespace attest
