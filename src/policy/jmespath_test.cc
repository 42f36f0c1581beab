#include "policy/jmespath.h"

#include <gtest/gtest.h>

namespace attest::policy::jmespath {
namespace {

using nlohmann::json;

json Query(std::string_view query, const json& data) {
  auto e = Compile(query);
  EXPECT_TRUE(e.has_value()) << query << ": " << e.error().ToString();
  if (!e.has_value()) return "compile error";
  Budget budget{100000, 1 << 20, 64};
  auto r = Search(*e, data, &budget);
  EXPECT_TRUE(r.has_value()) << query << ": " << r.error().ToString();
  return r.has_value() ? *r : json("search error");
}

TEST(JmesPathTest, SpecificationBasics) {
  json d = json::parse(
      R"({"a":{"b":{"c":[1,2,3]}},"people":[{"n":"x","age":30},{"n":"y","age":20},{"n":"z"}],
                           "m":[[1,2],[3,[4]]],"o":{"k1":{"v":1},"k2":{"v":2}}})");
  EXPECT_EQ(Query("a.b.c", d), json({1, 2, 3}));
  EXPECT_EQ(Query("a.b.c[-1]", d), 3);
  EXPECT_EQ(Query("a.b.c[0:2]", d), json({1, 2}));
  EXPECT_EQ(Query("a.b.c[::-1]", d), json({3, 2, 1}));
  EXPECT_EQ(Query("people[*].n", d), json({"x", "y", "z"}));
  EXPECT_EQ(Query("people[?age > `25`].n", d), json({"x"}));
  EXPECT_EQ(Query("people[?age].n | [0]", d), "x");
  EXPECT_EQ(Query("length(people)", d), 3);
  EXPECT_EQ(Query("m[]", d), json::parse("[1,2,3,[4]]"));
  EXPECT_EQ(Query("o.*.v", d), json({1, 2}));
  EXPECT_EQ(Query("{first: people[0].n, count: length(people)}", d),
            json({{"first", "x"}, {"count", 3}}));
  EXPECT_EQ(Query("[people[0].n, 'lit']", d), json({"x", "lit"}));
  EXPECT_EQ(Query("missing.field", d), json());
  EXPECT_EQ(Query("!missing", d), true);
  EXPECT_EQ(Query("people[?n == 'x' || n == 'z'].n", d), json({"x", "z"}));
  EXPECT_EQ(Query("people[?equals_ignore_case(n, 'X')].n", d), json({"x"}));
  EXPECT_EQ(Query("max_by(people[?age], &age).n", d), "x");
  EXPECT_EQ(Query("sort_by(people[?age], &age)[0].n", d), "y");
  EXPECT_EQ(Query("contains(a.b.c, `2`)", d), true);
  EXPECT_EQ(Query("`\"s\"` == 's'", d), true);
}

TEST(JmesPathTest, RejectsMalformedQueries) {
  for (std::string_view q : {"a[", "a.", "[?a == ]", "a = b", "`{bad`", "'unterminated", "a)"}) {
    EXPECT_FALSE(Compile(q).has_value()) << q;
  }
}

TEST(JmesPathTest, StepBudgetIsEnforced) {
  json d = json::array();
  for (int i = 0; i < 1000; ++i) d.push_back(i);
  auto e = Compile("[*][*][*]");
  ASSERT_TRUE(e.has_value());
  Budget budget{100, 1 << 20, 64};
  auto r = Search(*e, d, &budget);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().reason(), "JMESPATH_STEP_LIMIT");
}

Status SearchError(std::string_view query, const json& data, Budget budget) {
  auto e = Compile(query);
  EXPECT_TRUE(e.has_value()) << query;
  if (!e.has_value()) return e.error();
  auto r = Search(*e, data, &budget);
  EXPECT_FALSE(r.has_value()) << query << " gave " << (r.has_value() ? r->dump() : "");
  return r.has_value() ? Status::Ok() : r.error();
}

std::string Doubling(int stages) {
  std::string q;
  for (int i = 0; i < stages; ++i) q += "[@,@]|";
  return q + "length(@)";
}

// Issue 8 finding 2: 4k steps build 2^k values; the size budget stops it early.
TEST(JmesPathTest, SizeBudgetStopsExponentialDoubling) {
  Status s = SearchError(Doubling(23), json(1), Budget{2'000'000, 32 << 20, 64});
  EXPECT_EQ(s.reason(), "JMESPATH_SIZE_LIMIT");
  // A small budget stops it at a small k too; a large one lets a short chain through.
  EXPECT_EQ(SearchError(Doubling(8), json(1), Budget{2'000'000, 4096, 64}).reason(),
            "JMESPATH_SIZE_LIMIT");
  EXPECT_EQ(Query(Doubling(8), json(1)), 2);
}

// Issue 8 finding 1: nesting built by the query itself is bounded too.
TEST(JmesPathTest, BuiltValuesNestNoDeeperThanTheBound) {
  std::string q;
  for (int i = 0; i < 100; ++i) q += "[@]|";
  q += "@";
  Status s = SearchError(q, json(1), Budget{2'000'000, 32 << 20, 64});
  EXPECT_EQ(s.reason(), "JMESPATH_SIZE_LIMIT");
  EXPECT_NE(s.message().find("nests deeper than 64"), std::string::npos) << s.message();
}

TEST(JmesPathTest, DeeplyNestedLiteralIsASyntaxError) {
  auto e = Compile("`" + std::string(65, '[') + std::string(65, ']') + "`");
  ASSERT_FALSE(e.has_value());
  EXPECT_EQ(e.error().reason(), "JMESPATH_SYNTAX_ERROR");
  EXPECT_TRUE(Compile("`" + std::string(64, '[') + std::string(64, ']') + "`").has_value());
}

// Issue 8 finding 7: signed overflow is an error, never undefined behaviour.
TEST(JmesPathTest, IntegerOverflowIsAnError) {
  const Budget budget{100000, 1 << 20, 64};
  Status s = SearchError("sum(@)", json::parse("[9223372036854775807,1]"), budget);
  EXPECT_EQ(s.reason(), "JMESPATH_EVALUATION_ERROR");
  EXPECT_EQ(s.message(), "sum(): integer overflow (the result exceeds 64 bits)");
  s = SearchError("sum(@)", json::parse("[-9223372036854775808,-1]"), budget);
  EXPECT_EQ(s.message(), "sum(): integer overflow (the result exceeds 64 bits)");
  s = SearchError("sum(@)", json::parse("[18446744073709551615]"), budget);
  EXPECT_EQ(s.message(), "sum(): integer overflow (the value exceeds 64 bits)");
  s = SearchError("abs(@)", json::parse("-9223372036854775808"), budget);
  EXPECT_EQ(s.message(), "abs(): integer overflow (the result exceeds 64 bits)");
  EXPECT_EQ(Query("sum(@)", json::parse("[9223372036854775806,1]")),
            json(int64_t{9223372036854775807}));
  EXPECT_EQ(Query("abs(@)", json::parse("-9223372036854775807")),
            json(int64_t{9223372036854775807}));
  EXPECT_EQ(Query("abs(@)", json::parse("18446744073709551615")),
            json::parse("18446744073709551615"));
}

TEST(JmesPathTest, SliceWithHugeStepDoesNotOverflow) {
  json d = json::parse("[0,1,2,3]");
  EXPECT_EQ(Query("[1:4:9223372036854775807]", d), json({1}));
  EXPECT_EQ(Query("[2:0:-9223372036854775807]", d), json({2}));
}

}  // namespace
}  // namespace attest::policy::jmespath

namespace attest::policy::jmespath {
namespace {

using nlohmann::json;
json Query(std::string_view query, const json& data);

// Found by the fuzzer: reverse() byte by byte turned "é" into invalid UTF-8, and serialising
// it threw out of the evaluator.
TEST(JmesPathRegressionTest, ReverseKeepsMultiByteCharactersWhole) {
  EXPECT_EQ(Query("reverse('aé€b')", json::object()), json("b€éa"));
}

}  // namespace
}  // namespace attest::policy::jmespath
