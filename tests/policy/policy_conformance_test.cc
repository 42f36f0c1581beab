// Policy conformance suite: table-driven cases in tests/policy/cases/*.json.
//
// A case: {"name", "spec", policy source — "policy" (string or array of lines joined with
// "\n"), "policy_file" (path relative to cases/, exact bytes) or "default_policy" (an
// attestation type) —, incoming claims — "claims" {"type": value | [values]} with issuer
// AttestationService and/or "claims_list" [{"type","value","issuer"}] —, optional "hash"
// (x-ms-policy-hash), and "expect": {"permitted", "issued", "properties"} or
// {"error": {"reason", "position": "line:col", "message_contains"}} for compile errors or
// {"eval_error": {"reason", "message_contains"}} for evaluation errors}.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "policy/default_policies.h"
#include "policy/policy.h"

namespace attest::policy {
namespace {

using nlohmann::json;

struct Case {
  std::string file;
  json spec;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.file << ": " << c.spec.value("name", std::string("?"));
}

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<Case> LoadCases() {
  std::vector<Case> out;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(ATTEST_POLICY_CASES_DIR)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    json doc = json::parse(ReadAll(path), nullptr, false);
    if (!doc.is_array()) {
      out.push_back({path.filename().string(), json{{"name", "invalid_case_file"}}});
      continue;
    }
    for (json& c : doc) out.push_back({path.filename().string(), std::move(c)});
  }
  return out;
}

std::string PolicyText(const json& c) {
  if (c.contains("policy_file")) {
    return ReadAll(std::filesystem::path(ATTEST_POLICY_CASES_DIR) /
                   c["policy_file"].get<std::string>());
  }
  if (c.contains("default_policy")) {
    // The registry's choice per type (evidence/registry.cc), by name, as spec §8 gives it.
    std::string type = c["default_policy"].get<std::string>();
    if (type == "SgxEnclave" || type == "OpenEnclave") return std::string(kMaaSgxDefaultPolicy);
    if (type == "SevSnpVm") return std::string(kSevSnpDefaultPolicy);
    if (type == "TdxVm") return std::string(kTdxDefaultPolicy);
    if (type == "Tpm") return std::string(kPermitAllPolicy);
    return std::string();
  }
  const json& p = c.at("policy");
  if (p.is_string()) return p.get<std::string>();
  std::string text;
  for (size_t i = 0; i < p.size(); ++i) {
    if (i > 0) text += "\n";
    text += p[i].get<std::string>();
  }
  return text;
}

claims::ClaimSet Incoming(const json& c) {
  claims::ClaimSet set;
  if (c.contains("claims")) {
    for (auto it = c["claims"].begin(); it != c["claims"].end(); ++it) {
      if (it.value().is_array()) {
        for (const json& v : it.value()) set.Add(it.key(), v);
      } else {
        set.Add(it.key(), it.value());
      }
    }
  }
  if (c.contains("claims_list")) {
    for (const json& claim : c["claims_list"]) {
      set.Add(claim.at("type").get<std::string>(), claim.at("value"),
              claim.value("issuer", std::string(claims::kIssuerAttestationService)));
    }
  }
  return set;
}

class PolicyConformanceTest : public testing::TestWithParam<Case> {};

TEST_P(PolicyConformanceTest, Case) {
  const json& c = GetParam().spec;
  ASSERT_TRUE(c.contains("expect")) << "malformed case in " << GetParam().file;
  const json& expect = c["expect"];
  SCOPED_TRACE(c.value("spec", std::string()));
  std::string text = PolicyText(c);
  ASSERT_FALSE(text.empty()) << "no policy text";
  if (c.contains("hash")) {
    EXPECT_EQ(PolicyHash(text), c["hash"].get<std::string>());
  }

  auto compiled = CompilePolicy(text);
  if (expect.contains("error")) {
    const json& e = expect["error"];
    ASSERT_FALSE(compiled.has_value()) << "the policy compiled but should not:\n" << text;
    const Status& s = compiled.error();
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(s.reason(), e.at("reason").get<std::string>()) << s.message();
    std::string position = e.at("position").get<std::string>() + ": ";
    EXPECT_EQ(s.message().substr(0, position.size()), position) << s.message();
    if (e.contains("message_contains")) {
      EXPECT_NE(s.message().find(e["message_contains"].get<std::string>()), std::string::npos)
          << s.message();
    }
    return;
  }
  ASSERT_TRUE(compiled.has_value()) << compiled.error().ToString() << "\n" << text;
  auto result = Evaluate(*compiled, Incoming(c));
  if (expect.contains("eval_error")) {
    const json& e = expect["eval_error"];
    ASSERT_FALSE(result.has_value()) << "evaluation succeeded but should fail";
    EXPECT_EQ(result.error().reason(), e.at("reason").get<std::string>())
        << result.error().message();
    if (e.contains("message_contains")) {
      EXPECT_NE(result.error().message().find(e["message_contains"].get<std::string>()),
                std::string::npos)
          << result.error().message();
    }
    return;
  }
  ASSERT_TRUE(result.has_value()) << result.error().ToString();
  EXPECT_EQ(result->permitted, expect.at("permitted").get<bool>()) << result->deny_message;
  EXPECT_EQ(result->issued.ToJsonObject(), expect.at("issued")) << "issued claims";
  for (const claims::Claim& claim : result->issued.claims()) {
    EXPECT_EQ(claim.issuer, kIssuerAttestationPolicy) << claim.type;
  }
  json properties = expect.contains("properties") ? expect["properties"] : json::object();
  EXPECT_EQ(result->properties.ToJsonObject(), properties) << "property claims";
}

std::string CaseName(const testing::TestParamInfo<Case>& info) {
  std::string name = info.param.spec.value("name", "unnamed_" + std::to_string(info.index));
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Cases, PolicyConformanceTest, testing::ValuesIn(LoadCases()), CaseName);

TEST(PolicyConformanceSuiteTest, HasAtLeastSixtyCases) { EXPECT_GE(LoadCases().size(), 60u); }

}  // namespace
}  // namespace attest::policy
