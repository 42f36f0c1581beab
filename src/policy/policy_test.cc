#include "policy/policy.h"

#include <gtest/gtest.h>

#include <string>

#include "policy/default_policies.h"

namespace attest::policy {
namespace {

using nlohmann::json;

claims::ClaimSet SgxClaims() {
  claims::ClaimSet c;
  c.Add("x-ms-sgx-is-debuggable", false);
  c.Add("x-ms-sgx-mrsigner", "4aea5f9a0ed04b11f889aadfe6a1d376213a29a95a85ce7337ae6f7fece6610c");
  c.Add("x-ms-sgx-mrenclave", "aa");
  c.Add("x-ms-sgx-product-id", 1);
  c.Add("x-ms-sgx-svn", 3);
  c.Add("x-ms-attestation-type", "sgx");
  return c;
}

PolicyResult MustEvaluate(std::string_view text, const claims::ClaimSet& incoming) {
  auto compiled = CompilePolicy(text);
  EXPECT_TRUE(compiled.has_value()) << compiled.error().ToString();
  if (!compiled.has_value()) return {};
  auto result = Evaluate(*compiled, incoming);
  EXPECT_TRUE(result.has_value()) << result.error().ToString();
  return result.has_value() ? *result : PolicyResult{};
}

Status CompileError(std::string_view text) {
  auto compiled = CompilePolicy(text);
  EXPECT_FALSE(compiled.has_value()) << text;
  return compiled.has_value() ? Status::Ok() : compiled.error();
}

TEST(PolicyHashTest, MatchesPublishedDefaultPolicyHash) {
  EXPECT_EQ(PolicyHash(kMaaSgxDefaultPolicy), "bROrN897ZfWmWY2V0FLUlu3uwk5xatGnKYHn3zBbSlw");
  EXPECT_NE(PolicyHash(std::string(kMaaSgxDefaultPolicy) + " "),
            "bROrN897ZfWmWY2V0FLUlu3uwk5xatGnKYHn3zBbSlw");
}

TEST(DefaultPolicyTest, EveryDefaultCompilesAndPermits) {
  for (std::string_view text : {kMaaSgxDefaultPolicy, kPermitAllPolicy}) {
    EXPECT_TRUE(MustEvaluate(text, SgxClaims()).permitted) << text;
  }
}

TEST(DefaultPolicyTest, SgxDefaultIssuesLegacyClaims) {
  PolicyResult r = MustEvaluate(kMaaSgxDefaultPolicy, SgxClaims());
  EXPECT_EQ(
      r.issued.ToJsonObject(),
      json({{"is-debuggable", false},
            {"sgx-mrsigner", "4aea5f9a0ed04b11f889aadfe6a1d376213a29a95a85ce7337ae6f7fece6610c"},
            {"sgx-mrenclave", "aa"},
            {"product-id", 1},
            {"svn", 3},
            {"tee", "sgx"}}));
  for (const claims::Claim& c : r.issued.claims()) EXPECT_EQ(c.issuer, "AttestationPolicy");
}

TEST(EvaluateTest, NoPermitMeansDenied) {
  PolicyResult r = MustEvaluate(
      "version=1.0; authorizationrules{[type==\"nope\"] => permit();}; issuancerules{=> "
      "issue(type=\"x\", value=1);};",
      SgxClaims());
  EXPECT_FALSE(r.permitted);
  EXPECT_TRUE(r.issued.empty());
  EXPECT_NE(r.deny_message.find("authorization failed"), std::string::npos);
}

TEST(EvaluateTest, DenyWinsOverPermit) {
  PolicyResult r = MustEvaluate(
      "version=1.0; authorizationrules{=> permit(); [type==\"x-ms-sgx-svn\", value<5] => "
      "deny();};",
      SgxClaims());
  EXPECT_FALSE(r.permitted);
  EXPECT_EQ(r.deny_message, "A Deny claim was issued, authorization failed.");
}

TEST(EvaluateTest, AddFeedsLaterRulesButIsNotIssued) {
  PolicyResult r = MustEvaluate(
      "version=1.0; authorizationrules{=> add(type=\"ok\", value=true); [type==\"ok\", "
      "value==true, issuer==\"AttestationPolicy\"] => permit();}; issuancerules{c:[type==\"ok\"] "
      "=> issue(type=\"seen\", value=c.value);};",
      SgxClaims());
  EXPECT_TRUE(r.permitted);
  EXPECT_EQ(r.issued.ToJsonObject(), json({{"seen", true}}));
}

TEST(EvaluateTest, MultipleBindingsRunTheActionPerCombination) {
  claims::ClaimSet in;
  in.Add("a", 1);
  in.Add("a", 2);
  in.Add("b", "x");
  PolicyResult r = MustEvaluate(
      "version=1.0; authorizationrules{=>permit();}; issuancerules{c:[type==\"a\"] && "
      "d:[type==\"b\"] => issue(type=d.value, value=c.value);};",
      in);
  EXPECT_EQ(r.issued.ToJsonObject(), json({{"x", json::array({1, 2})}}));
}

TEST(EvaluateTest, IntegerComparisonsAndTypeMismatch) {
  claims::ClaimSet in;
  in.Add("n", 10);
  in.Add("s", "10");
  auto run = [&](std::string cond) {
    return MustEvaluate("version=1.0; authorizationrules{" + cond + " => permit();};", in)
        .permitted;
  };
  EXPECT_TRUE(run("[type==\"n\", value>=10]"));
  EXPECT_FALSE(run("[type==\"n\", value>10]"));
  EXPECT_TRUE(run("[type==\"n\", value<11]"));
  EXPECT_TRUE(run("[type==\"n\", value!=9]"));
  EXPECT_FALSE(run("[type==\"s\", value==10]"));  // String vs Integer: false
  EXPECT_FALSE(run("[type==\"s\", value!=10]"));  // different types compare false
  EXPECT_TRUE(run("[type==\"s\", value==\"10\"]"));
}

TEST(EvaluateTest, ConfigurationRulesProduceProperties) {
  PolicyResult r = MustEvaluate(
      "version=1.1; configurationrules{ => issueproperty(type=\"required_pcr_mask\", value=15); "
      "=> issueproperty(type=\"require_valid_aik_cert\", value=false);}; "
      "authorizationrules{=>permit();};",
      {});
  auto config = ResolveTpmConfiguration(r.properties);
  ASSERT_TRUE(config.has_value());
  EXPECT_EQ(config->required_pcr_mask, 15);
  EXPECT_FALSE(config->require_valid_aik_cert);
  EXPECT_EQ(config->report_validity_in_minutes, 1440);
  EXPECT_TRUE(r.issued.empty());
  EXPECT_EQ(SgxTcbIdentifier(r.properties), "azuredefault");
}

TEST(CompileTest, ErrorsCarryLineAndColumn) {
  Status s = CompileError("version=1.0;\nauthorizationrules{\n  [type==\"a\"] permit();\n};");
  EXPECT_EQ(s.reason(), "POLICY_SYNTAX_ERROR");
  EXPECT_EQ(s.message().substr(0, 5), "3:15:") << s.message();
  EXPECT_NE(s.message().find("'=>'"), std::string::npos) << s.message();
}

TEST(CompileTest, MissingSemicolonAfterVersion) {
  Status s = CompileError("version=1.0 authorizationrules{=> permit();};");
  EXPECT_EQ(s.reason(), "POLICY_SYNTAX_ERROR");
  EXPECT_EQ(s.message().rfind("1:13: expected ';' after the version", 0), 0u) << s.message();
}

TEST(CompileTest, TypeErrors) {
  Status s =
      CompileError("version=1.0; authorizationrules{[type==\"a\", value>\"x\"] => permit();};");
  EXPECT_EQ(s.reason(), "POLICY_TYPE_ERROR");
  EXPECT_EQ(s.message().rfind("1:51:", 0), 0u) << s.message();
  s = CompileError(
      "version=1.1; authorizationrules{=> permit();}; issuancerules{c:[type==\"a\"] => "
      "issue(type=\"b\", value=AppendString(c.value, \"x\"));};");
  EXPECT_EQ(s.reason(), "POLICY_TYPE_ERROR");
  EXPECT_NE(s.message().find("requires version=1.2"), std::string::npos);
  s = CompileError(
      "version=1.2; authorizationrules{=> permit();}; issuancerules{=> "
      "issue(type=\"b\", value=NegateBol(true));};");
  EXPECT_NE(s.message().find("did you mean NegateBool?"), std::string::npos) << s.message();
}

TEST(CompileTest, TooLarge) {
  CompileLimits limits;
  limits.max_policy_bytes = 10;
  auto r = CompilePolicy("version=1.0; authorizationrules{=> permit();};", limits);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().reason(), "POLICY_TOO_LARGE");
}

TEST(EvaluateTest, StepLimitStopsCombinatorialRules) {
  claims::ClaimSet in;
  for (int i = 0; i < 50; ++i) in.Add("a", i);
  auto compiled = CompilePolicy(
      "version=1.0; authorizationrules{a:[type==\"a\"] && b:[type==\"a\"] && c:[type==\"a\"] && "
      "d:[type==\"a\"] => permit();};");
  ASSERT_TRUE(compiled.has_value());
  EvaluationLimits limits;
  limits.max_steps = 100'000;
  auto r = Evaluate(*compiled, in, limits);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().reason(), "POLICY_LIMIT_EXCEEDED");
}

TEST(EvaluateTest, IssuedClaimLimit) {
  claims::ClaimSet in;
  for (int i = 0; i < 40; ++i) in.Add("a", i);
  auto compiled = CompilePolicy(
      "version=1.0; authorizationrules{=> permit();}; issuancerules{a:[type==\"a\"] && "
      "b:[type==\"a\"] => issue(type=\"x\", value=a.value);};");
  ASSERT_TRUE(compiled.has_value());
  auto r = Evaluate(*compiled, in);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().reason(), "POLICY_LIMIT_EXCEEDED");
}

TEST(EvaluateTest, ReadOnlyClaimCannotBeIssued) {
  claims::ClaimSet in;
  in.Add("pcrs", "{\"PCRs\":[]}");
  auto r = Evaluate(*CompilePolicy("version=1.0; authorizationrules{=> permit();}; "
                                   "issuancerules{c:[type==\"pcrs\"] => issue(claim=c);};"),
                    in);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().reason(), "POLICY_EVALUATION_ERROR");
}

}  // namespace
}  // namespace attest::policy
