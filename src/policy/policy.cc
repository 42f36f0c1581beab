#include "policy/policy.h"

#include <algorithm>
#include <string>

#include "base/encoding.h"
#include "crypto/digest.h"
#include "policy/checker.h"
#include "policy/lexer.h"
#include "policy/parser.h"
#include "policy/status_macros.h"

namespace attest::policy {
namespace {

// spec/maa-policy-language.md §8, "SGX and OpenEnclave, served by shared and newly created
// providers" — exact bytes; x-ms-policy-hash bROrN897ZfWmWY2V0FLUlu3uwk5xatGnKYHn3zBbSlw.
constexpr std::string_view kDefaultSgxPolicy =
    "version= 1.0;authorizationrules{=> permit();};issuancerules{"
    "c:[type==\"x-ms-sgx-is-debuggable\"] => issue(type=\"is-debuggable\", value=c.value);"
    "c:[type==\"x-ms-sgx-mrsigner\"] => issue(type=\"sgx-mrsigner\", value=c.value);"
    "c:[type==\"x-ms-sgx-mrenclave\"] => issue(type=\"sgx-mrenclave\", value=c.value);"
    "c:[type==\"x-ms-sgx-product-id\"] => issue(type=\"product-id\", value=c.value);"
    "c:[type==\"x-ms-sgx-svn\"] => issue(type=\"svn\", value=c.value);"
    "c:[type==\"x-ms-attestation-type\"] => issue(type=\"tee\", value=c.value);};";

// spec §8: TPM, SevSnpVm and TdxVm defaults are not published; the recommended permit-all.
constexpr std::string_view kPermitAllPolicy =
    "version=1.0; authorizationrules{=> permit();}; issuancerules{};";

// SevSnpVm: permit, and "azure-compliant-uvm" when a Microsoft UVM endorsement matched the
// report (evidence/snp/snp_verifier.h holds the same text for the registry).
constexpr std::string_view kSevSnpDefaultPolicy =
    "version=1.0; authorizationrules{=> permit();}; issuancerules{"
    "c:[type==\"x-attestd-uvm-endorsement\", value==\"verified\"] => "
    "issue(type=\"x-ms-compliance-status\", value=\"azure-compliant-uvm\");};";

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// Refuses issue(type="<literal>", ...) of a reserved name: where the name is known when the
// policy is set, the error names the rule instead of waiting for an attestation.
Status CheckReservedIssues(const PolicyAst& ast, const ReservedClaims& reserved) {
  for (const Section& section : ast.sections) {
    for (const Rule& rule : section.rules) {
      const Action& action = rule.action;
      if (action.kind != ActionKind::kIssue || !action.type.has_value() ||
          action.type->kind != Expr::Kind::kLiteral || !action.type->literal.is_string()) {
        continue;
      }
      const std::string& name = action.type->literal.get_ref<const std::string&>();
      if (reserved.Contains(name)) {
        return PolicyError(kReasonType, action.type->pos,
                           "claim '" + name +
                               "' is produced by the verifier or the service for this "
                               "attestation type; a policy cannot issue it (issue a new name)");
      }
    }
  }
  return Status::Ok();
}

}  // namespace

bool ReservedClaims::Contains(std::string_view type) const {
  return std::find(types.begin(), types.end(), type) != types.end();
}

StatusOr<CompiledPolicy> CompilePolicy(std::string_view text, const CompileLimits& limits) {
  return CompilePolicy(text, ReservedClaims{}, limits);
}

StatusOr<CompiledPolicy> CompilePolicy(std::string_view text, const ReservedClaims& reserved,
                                       const CompileLimits& limits) {
  if (text.size() > limits.max_policy_bytes) {
    return Err(PolicyError(kReasonTooLarge, SourcePos{1, 1},
                           "the policy is " + std::to_string(text.size()) +
                               " bytes; the limit is " + std::to_string(limits.max_policy_bytes)));
  }
  ParseLimits parse_limits;
  parse_limits.max_rules = limits.max_rules;
  parse_limits.max_conditions_per_rule = limits.max_conditions_per_rule;
  parse_limits.max_properties_per_condition = limits.max_properties_per_condition;
  parse_limits.max_expression_depth = limits.max_expression_depth;
  POLICY_ASSIGN_OR_RETURN(PolicyAst ast, ParsePolicy(text, parse_limits));
  POLICY_RETURN_IF_ERROR(CheckPolicy(ast));
  POLICY_RETURN_IF_ERROR(CheckReservedIssues(ast, reserved));
  CompiledPolicy compiled;
  compiled.text_ = std::make_shared<const std::string>(text);
  compiled.ast_ = std::make_shared<const PolicyAst>(std::move(ast));
  return compiled;
}

std::string PolicyHash(std::string_view policy_text) {
  std::string b64u = Base64UrlEncode(AsBytes(policy_text));
  return Base64UrlEncode(crypto::Sha256(AsBytes(b64u)));
}

std::optional<std::string_view> DefaultPolicyText(std::string_view attestation_type) {
  if (EqualsIgnoreCase(attestation_type, "SgxEnclave") ||
      EqualsIgnoreCase(attestation_type, "OpenEnclave")) {
    return kDefaultSgxPolicy;
  }
  if (EqualsIgnoreCase(attestation_type, "SevSnpVm")) {
    return kSevSnpDefaultPolicy;
  }
  if (EqualsIgnoreCase(attestation_type, "Tpm") || EqualsIgnoreCase(attestation_type, "TdxVm")) {
    return kPermitAllPolicy;
  }
  return std::nullopt;  // e.g. VBS: no default exists (spec §8)
}

StatusOr<TpmConfiguration> ResolveTpmConfiguration(const claims::ClaimSet& properties) {
  TpmConfiguration config;
  auto bad = [](std::string_view name, std::string_view want) {
    return Err(
        Status::InvalidArgument(std::string(kPolicyEvaluationError),
                                "property " + std::string(name) + " must be " + std::string(want)));
  };
  // The last issueproperty of a name wins.
  for (const claims::Claim& c : properties.claims()) {
    if (c.type == "require_valid_aik_cert") {
      if (!c.value.is_boolean()) return bad(c.type, "a boolean");
      config.require_valid_aik_cert = c.value.get<bool>();
    } else if (c.type == "required_pcr_mask") {
      if (!c.value.is_number_integer() || c.value.get<int64_t>() < 0 ||
          c.value.get<int64_t>() > 0xFFFFFF) {
        return bad(c.type, "an integer in [0, 0xFFFFFF]");
      }
      config.required_pcr_mask = c.value.get<int64_t>();
    } else if (c.type == "report_validity_in_minutes") {
      if (!c.value.is_number_integer() || c.value.get<int64_t>() < 1 ||
          c.value.get<int64_t>() > 525600) {
        return bad(c.type, "an integer in [1, 525600]");
      }
      config.report_validity_in_minutes = c.value.get<int64_t>();
    } else if (c.type == "omit_x5c") {
      if (!c.value.is_boolean()) return bad(c.type, "a boolean");
      config.omit_x5c = c.value.get<bool>();
    }
  }
  return config;
}

std::string SgxTcbIdentifier(const claims::ClaimSet& properties) {
  std::string id = "azuredefault";
  for (const claims::Claim& c : properties.claims()) {
    if (c.type == "x-ms-sgx-tcbidentifier" && c.value.is_string()) id = c.value.get<std::string>();
  }
  return id;
}

}  // namespace attest::policy
