#include "policy/jmespath.h"

#include <gtest/gtest.h>

namespace attest::policy::jmespath {
namespace {

using nlohmann::json;

json Query(std::string_view query, const json& data) {
  auto e = Compile(query);
  EXPECT_TRUE(e.has_value()) << query << ": " << e.error().ToString();
  if (!e.has_value()) return "compile error";
  int64_t steps = 100000;
  auto r = Search(*e, data, &steps);
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
  int64_t steps = 100;
  auto r = Search(*e, d, &steps);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().reason(), "JMESPATH_STEP_LIMIT");
}

}  // namespace
}  // namespace attest::policy::jmespath
