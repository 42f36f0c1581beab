// Fuzz target: the MAA policy language — CompilePolicy (lexer, parser, checker, including the
// JMESPath literals it compiles), then Evaluate over a fixed incoming claim set that has every
// value type (numbers, strings, booleans, a nested JSON object as x-ms-runtime) under small
// evaluation budgets, so JmesPath / JsonToClaimValue / AppendString run on what the policy
// builds. Budgets are small so that one input stays fast; limits are counts, so an input that
// exceeds them is still an ordinary (error) result, not a slow unit.
//
// Seeds: FuzzSeeds() below plus, at campaign time, the policies of tests/policy/cases.
#include <string_view>

#include <nlohmann/json.hpp>

#include "claims/claim.h"
#include "fuzz/fuzz_seeds.h"
#include "policy/default_policies.h"
#include "policy/policy.h"

namespace {

const attest::claims::ClaimSet& Incoming() {
  static const attest::claims::ClaimSet* set = [] {
    auto* s = new attest::claims::ClaimSet();
    s->Add("n", 10);
    s->Add("s", "abc");
    s->Add("b", true);
    s->Add("neg", -5);
    s->Add("x-ms-attestation-type", "sgx");
    s->Add("x-ms-sgx-is-debuggable", false);
    s->Add("x-ms-sgx-mrsigner", "c0b1e8d7c7a2c6f0d8ab1e8d7c7a2c6f0d8ab1e8d7c7a2c6f0d8ab1e8d7c7a2");
    s->Add("x-ms-sgx-product-id", 1);
    s->Add("x-ms-sgx-svn", 3);
    s->Add("x-ms-runtime", nlohmann::json::parse(
                               R"({"keys":[{"kid":"k","kty":"RSA","n":"AQAB"}],"a":[1,2,[3,4]],)"
                               R"("o":{"p":"q","r":1.5,"t":true},"u":null})"));
    s->Add("json", R"({"x":[1,"two",{"three":3}],"y":"z"})");
    s->Add("multi", "one");
    s->Add("multi", "two");
    return s;
  }();
  return *set;
}

}  // namespace

std::vector<attest::Bytes> FuzzSeeds() {
  using attest::fuzz::SeedFromText;
  std::vector<attest::Bytes> seeds;
  for (std::string_view text : {attest::policy::kMaaSgxDefaultPolicy,
                                 attest::policy::kPermitAllPolicy,
                                 attest::policy::kSevSnpDefaultPolicy}) {
    seeds.push_back(SeedFromText(text));
  }
  seeds.push_back(SeedFromText(
      R"P(version=1.2; authorizationrules{ c:[type=="x-ms-runtime"] => issue(type="k", value=JmesPath(c.value, "keys[?kty=='RSA'] | [0].kid")); => permit();};)P"
      R"P( issuancerules{ c:[type=="json"] => issue(type="j", value=JsonToClaimValue(c.value));)P"
      R"P( c:[type=="s"] && d:[type=="multi"] => issue(type="a", value=AppendString(c.value, d.value));)P"
      R"P( c:[type=="b"] => issue(type="nb", value=NegateBool(c.value));)P"
      R"P( => issue(type="sum", value=JmesPath("[1,2,3]", "sum(@)"));};)P"));
  seeds.push_back(SeedFromText(
      "version=1.1; configurationrules{ => issueproperty(type=\"required_pcr_mask\", value=15); };\n"
      "authorizationrules{ [type==\"n\", value>5] && [type==\"s\", value==\"abc\"] => permit();\n"
      "[type==\"neg\", value<0] => deny(); };\n"
      "issuancerules{ c:[type==\"multi\"] => add(type=\"m\", value=c.value);\n"
      "[type==\"m\"] => issue(claim=c); c:[type==\"x-ms-sgx-svn\", issuer==\"AttestationService\"] => issue(claim=c);\n"
      "=> issueproperty(type=\"omit_x5c\", value=true); };"));
  seeds.push_back(SeedFromText(
      R"P(version=1.2; authorizationrules{ => permit(); }; issuancerules{)P"
      R"P( c:[type=="multi"] => issue(type="sub", value=IsSubsetOf(c.value, "one"));)P"
      R"P( c:[type=="multi"] => issue(type="only", value=ContainsOnlyValue(c.value, "one"));)P"
      R"P( c:[type=="x-ms-runtime"] => issue(type="q", value=JmesPath(c.value, "a[2][?@ > `3`] || abs(`-3`)"));};)P"));
  return seeds;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto policy = attest::policy::CompilePolicy(text);
  if (!policy) {
    return 0;
  }
  attest::policy::EvaluationLimits limits;
  limits.max_steps = 20'000;
  limits.max_claims = 200;
  limits.max_issued_claims = 100;
  limits.max_value_bytes = 16 * 1024;
  (void)attest::policy::Evaluate(*policy, Incoming(), limits);
  return 0;
}
