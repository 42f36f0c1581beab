// Issue 8 (hardening): the policy engine's bounds on nesting, built values, issued claims and
// integer arithmetic, and its refusal to replace reserved (verifier/service) claims.
#include <gtest/gtest.h>

#include <string>

#include "policy/policy.h"

namespace attest::policy {
namespace {

using nlohmann::json;

claims::ClaimSet TdxClaims() {
  claims::ClaimSet c;
  c.Add("x-ms-attestation-type", "tdxvm");
  c.Add("tdx_mrtd", std::string(96, 'a'));
  return c;
}

// The policy's evaluation error (compiles fine).
Status EvalError(std::string_view text, const claims::ClaimSet& incoming,
                 const ReservedClaims& reserved = {}) {
  auto compiled = CompilePolicy(text);
  EXPECT_TRUE(compiled.has_value()) << compiled.error().ToString();
  if (!compiled.has_value()) return compiled.error();
  auto result = Evaluate(*compiled, incoming, reserved);
  EXPECT_FALSE(result.has_value()) << text;
  return result.has_value() ? Status::Ok() : result.error();
}

std::string Issue(std::string_view value_expr) {
  return "version=1.2; authorizationrules{=> permit();}; issuancerules{\n=> issue(type=\"r\", "
         "value=" +
         std::string(value_expr) + ");};";
}

// A policy string literal holding `json_text` (quotes escaped).
std::string Quoted(std::string_view json_text) {
  std::string out = "\"";
  for (char c : json_text) {
    if (c == '"') out += '\\';
    out += c;
  }
  return out + "\"";
}

// Finding 1: JmesPath("[[[…100 000 deep…]]]", "@") crashed the recursive serialiser.
TEST(PolicyLimitsTest, DeeplyNestedJmesPathInputIsRefused) {
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  Status s = EvalError(Issue("JmesPath(" + Quoted(deep) + ", \"@\")"), TdxClaims());
  EXPECT_EQ(s.reason(), "POLICY_LIMIT_EXCEEDED");
  EXPECT_EQ(s.message(), "2:26: JmesPath: the JSON text nests deeper than 64");

  // 64 levels are accepted.
  std::string ok = std::string(64, '[') + std::string(64, ']');
  auto compiled = CompilePolicy(Issue("JmesPath(" + Quoted(ok) + ", \"@\")"));
  ASSERT_TRUE(compiled.has_value());
  auto r = Evaluate(*compiled, TdxClaims());
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->issued.FindValue("r")->get<std::string>(), ok);
}

TEST(PolicyLimitsTest, DeeplyNestedJsonToClaimValueInputIsRefused) {
  std::string deep = std::string(65, '[') + std::string(65, ']');
  Status s = EvalError(Issue("JsonToClaimValue(" + Quoted(deep) + ")"), TdxClaims());
  EXPECT_EQ(s.reason(), "POLICY_LIMIT_EXCEEDED");
  EXPECT_EQ(s.message(), "2:26: JsonToClaimValue: the JSON text nests deeper than 64");
}

TEST(PolicyLimitsTest, DeeplyNestedIncomingClaimValueIsRefused) {
  claims::ClaimSet incoming = TdxClaims();
  json deep = json::array();
  for (int i = 0; i < 100; ++i) deep = json::array({std::move(deep)});
  incoming.Add("x-ms-runtime", deep);
  Status s = EvalError("version=1.2; authorizationrules{=> permit();};", incoming);
  EXPECT_EQ(s.reason(), "POLICY_LIMIT_EXCEEDED");
  EXPECT_EQ(s.message(), "incoming claim 'x-ms-runtime' nests deeper than 64");
}

TEST(PolicyLimitsTest, NestingBuiltByAQueryIsRefused) {
  std::string q;
  for (int i = 0; i < 80; ++i) q += "[@]|";
  Status s = EvalError(Issue("JmesPath(\"1\", \"" + q + "@\")"), TdxClaims());
  EXPECT_EQ(s.reason(), "POLICY_LIMIT_EXCEEDED");
  EXPECT_NE(s.message().find("a value nests deeper than 64"), std::string::npos) << s.message();
}

// Finding 2: `[@,@]|…|length(@)` builds 2^k values in ~4k steps.
TEST(PolicyLimitsTest, ExponentialJmesPathIsRefusedByTheSizeBudget) {
  std::string q;
  for (int i = 0; i < 23; ++i) q += "[@,@]|";
  Status s = EvalError(Issue("JmesPath(\"1\", \"" + q + "length(@)\")"), TdxClaims());
  EXPECT_EQ(s.reason(), "POLICY_LIMIT_EXCEEDED");
  EXPECT_NE(s.message().find("2:26: JmesPath: the values built exceed the size budget"),
            std::string::npos)
      << s.message();
}

// Finding 4: 13 doubling AppendString rules and 300 issue rules made a 210 MB token.
TEST(PolicyLimitsTest, AppendStringBombIsRefusedByTheIssuedClaimCap) {
  std::string text = "version=1.2; authorizationrules{=> permit();}; issuancerules{\n";
  text += "=> add(type=\"s0\", value=\"" + std::string(85, 'A') + "\");\n";
  for (int i = 0; i < 13; ++i) {
    text += "c:[type==\"s" + std::to_string(i) + "\"] => add(type=\"s" + std::to_string(i + 1) +
            "\", value=AppendString(c.value, c.value));\n";
  }
  for (int i = 0; i < 300; ++i) {
    text += "c:[type==\"s13\"] => issue(type=\"x" + std::to_string(i) + "\", value=c.value);\n";
  }
  text += "};";
  Status s = EvalError(text, TdxClaims());
  EXPECT_EQ(s.reason(), "POLICY_LIMIT_EXCEEDED");
  // 85 * 2^13 = 696 320 bytes, under the 1 MiB value limit: the first issue is refused.
  EXPECT_EQ(s.message(), "16:20: the issued claims exceed 65536 bytes");
}

TEST(PolicyLimitsTest, IssuedClaimSetIsCappedAt64KiB) {
  std::string text = "version=1.2; authorizationrules{=> permit();}; issuancerules{\n";
  text += "=> add(type=\"s0\", value=\"" + std::string(1000, 'A') + "\");\n";
  for (int i = 0; i < 5; ++i) {  // 32 000 bytes
    text += "c:[type==\"s" + std::to_string(i) + "\"] => add(type=\"s" + std::to_string(i + 1) +
            "\", value=AppendString(c.value, c.value));\n";
  }
  text += "c:[type==\"s5\"] => issue(type=\"a\", value=c.value);\n";
  text += "c:[type==\"s5\"] => issue(type=\"b\", value=c.value);\n";  // 64 006 bytes: fits
  auto fits = CompilePolicy(text + "};");
  ASSERT_TRUE(fits.has_value());
  EXPECT_TRUE(Evaluate(*fits, TdxClaims()).has_value());

  text += "c:[type==\"s5\"] => issue(type=\"c\", value=c.value);\n";
  Status s = EvalError(text + "};", TdxClaims());
  EXPECT_EQ(s.reason(), "POLICY_LIMIT_EXCEEDED");
  EXPECT_EQ(s.message(), "10:19: the issued claims exceed 65536 bytes");
}

TEST(PolicyLimitsTest, BuiltBytesAreBoundedOverTheWholeEvaluation) {
  // Each add copies a 1 000 000-byte string; 40 of them pass the 32 MiB budget although every
  // single value is under the value limit.
  std::string text = "version=1.2; authorizationrules{=> permit();}; issuancerules{\n";
  text += "=> add(type=\"s\", value=\"" + std::string(1000, 'A') + "\");\n";
  for (int i = 0; i < 10; ++i) {
    text += "c:[type==\"s\"] => add(type=\"s\", value=AppendString(c.value, c.value));\n";
  }
  text += "};";
  Status s = EvalError(text, TdxClaims());
  EXPECT_EQ(s.reason(), "POLICY_LIMIT_EXCEEDED");
  EXPECT_NE(s.message().find("bytes of values"), std::string::npos) << s.message();
}

// Finding 7: signed overflow in JmesPath arithmetic is an evaluation error.
TEST(PolicyLimitsTest, IntegerOverflowInJmesPathIsAnEvaluationError) {
  Status s = EvalError(Issue(R"p(JmesPath("[9223372036854775807,1]", "sum(@)"))p"), TdxClaims());
  EXPECT_EQ(s.reason(), "POLICY_EVALUATION_ERROR");
  EXPECT_EQ(s.message(),
            "2:26: JmesPath: sum(): integer overflow (the result exceeds 64 bits)");
  s = EvalError(Issue(R"p(JmesPath("-9223372036854775808", "abs(@)"))p"), TdxClaims());
  EXPECT_EQ(s.reason(), "POLICY_EVALUATION_ERROR");
  EXPECT_EQ(s.message(),
            "2:26: JmesPath: abs(): integer overflow (the result exceeds 64 bits)");
}

// Finding 8: a policy cannot replace a verifier or service claim.
TEST(PolicyLimitsTest, ReservedLiteralNameIsRefusedWhenCompiled) {
  ReservedClaims reserved{{"tdx_mrtd", "x-ms-attestation-type"}};
  auto compiled = CompilePolicy(
      "version=1.0; authorizationrules{=> permit();};\nissuancerules{\n"
      "  => issue(type=\"tdx_mrtd\", value=\"00\");};",
      reserved);
  ASSERT_FALSE(compiled.has_value());
  EXPECT_EQ(compiled.error().reason(), "POLICY_TYPE_ERROR");
  EXPECT_EQ(compiled.error().message(),
            "3:17: claim 'tdx_mrtd' is produced by the verifier or the service for this "
            "attestation type; a policy cannot issue it (issue a new name)");
  // New names are fine, including service claims MAA's default policies issue.
  EXPECT_TRUE(CompilePolicy("version=1.0; authorizationrules{=> permit();}; issuancerules{"
                            "=> issue(type=\"x-ms-compliance-status\", value=\"ok\");};",
                            reserved)
                  .has_value());
}

TEST(PolicyLimitsTest, ReservedComputedNameWithAnotherValueIsRefusedWhenEvaluated) {
  ReservedClaims reserved{{"tdx_mrtd", "x-ms-attestation-type", "nonce"}};
  Status s = EvalError(
      "version=1.2; authorizationrules{=> permit();};\nissuancerules{\n"
      "  => issue(type=AppendString(\"tdx_\", \"mrtd\"), value=\"00\");};",
      TdxClaims(), reserved);
  EXPECT_EQ(s.reason(), "POLICY_EVALUATION_ERROR");
  EXPECT_EQ(s.message(),
            "3:6: claim 'tdx_mrtd' is produced by the verifier or the service; a policy "
            "cannot issue it with another value (issue a new name)");
  // A reserved service claim absent from the incoming set cannot be filled in either.
  s = EvalError(
      "version=1.2; authorizationrules{=> permit();}; issuancerules{"
      "=> issue(type=AppendString(\"non\", \"ce\"), value=\"n\");};",
      TdxClaims(), reserved);
  EXPECT_EQ(s.reason(), "POLICY_EVALUATION_ERROR");
  // A claim the policy added under a reserved name cannot be issued through issue(claim=c).
  s = EvalError(
      "version=1.2; authorizationrules{=> permit();}; issuancerules{"
      "=> add(type=\"tdx_mrtd\", value=\"forged\");"
      "c:[type==\"tdx_mrtd\", issuer==\"AttestationPolicy\"] => issue(claim=c);};",
      TdxClaims(), reserved);
  EXPECT_EQ(s.reason(), "POLICY_EVALUATION_ERROR");
}

TEST(PolicyLimitsTest, ReservedClaimReissuedWithItsOwnValueIsAllowed) {
  ReservedClaims reserved{{"tdx_mrtd", "x-ms-attestation-type"}};
  auto compiled = CompilePolicy(
      "version=1.0; authorizationrules{=> permit();}; issuancerules{"
      "c:[type==\"tdx_mrtd\"] => issue(claim=c);"
      "c:[type==\"x-ms-attestation-type\"] => issue(type=\"tee\", value=c.value);};",
      reserved);
  ASSERT_TRUE(compiled.has_value()) << compiled.error().ToString();
  auto r = Evaluate(*compiled, TdxClaims(), reserved);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(*r->issued.FindValue("tdx_mrtd"), std::string(96, 'a'));
  EXPECT_EQ(*r->issued.FindValue("tee"), "tdxvm");
}

}  // namespace
}  // namespace attest::policy
