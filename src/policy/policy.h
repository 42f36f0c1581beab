// The MAA claim-rule policy engine: compile once when a policy is set, evaluate per request.
//
//   ATTEST_ASSIGN_OR_RETURN(CompiledPolicy policy, CompilePolicy(text));
//   ATTEST_ASSIGN_OR_RETURN(PolicyResult result, Evaluate(policy, incoming));
//   if (!result.permitted) { ... result.deny_message ... }
//
// spec/maa-policy-language.md: §2 grammar, §4 evaluation, §5 functions, §6 configuration
// properties, §8 default policies. A CompiledPolicy is immutable and cheap to copy (it
// shares its tree); it may be evaluated from many threads at once. Evaluate() holds no
// references after it returns. Every limit violation is a clear error value.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/reasons.h"
#include "base/status.h"
#include "claims/claim.h"
#include "policy/ast.h"

namespace attest::policy {

// Failure reasons (Status::reason()). Compile errors are kInvalidArgument with a message
// "line:col: what is wrong"; evaluation errors are kInvalidArgument as well (the policy, not
// the service, is at fault; MAA answers PolicyEvaluationError with HTTP 400).
inline constexpr std::string_view kPolicySyntaxError = reason::kPolicySyntaxError;
inline constexpr std::string_view kPolicyTypeError = reason::kPolicyTypeError;
inline constexpr std::string_view kPolicyTooLarge = reason::kPolicyTooLarge;
inline constexpr std::string_view kPolicyEvaluationError = reason::kPolicyEvaluationError;
inline constexpr std::string_view kPolicyLimitExceeded = reason::kPolicyLimitExceeded;

// Issuer of claims a policy creates with add/issue/issueproperty (spec §3, §4 item 7).
inline constexpr std::string_view kIssuerAttestationPolicy = claims::kIssuerAttestationPolicy;

struct CompileLimits {
  size_t max_policy_bytes = 256 * 1024;
  int max_rules = 1000;
  int max_conditions_per_rule = 64;
  int max_properties_per_condition = 16;
  int max_expression_depth = 16;
};

// Count-based limits (never wall-clock, so results are deterministic). docs/policy-limits.md
// documents them; exceeding any is kInvalidArgument POLICY_LIMIT_EXCEEDED.
struct EvaluationLimits {
  // One step = one claim tested against one condition, one rule combination, one function
  // call or one JmesPath node visited.
  int64_t max_steps = 2'000'000;
  size_t max_claims = 10'000;        // incoming set, including claims the policy adds
  size_t max_issued_claims = 1'000;  // outgoing plus property claims
  size_t max_value_bytes = 1 << 20;  // one string value or JSON text (function input/output)
  // Every value the evaluation builds or copies (function results, JmesPath intermediate
  // values, claims added), summed over the whole evaluation; sizes as policy::MeasureJson.
  int64_t max_built_bytes = 32 << 20;
  // Nesting of any JSON the engine parses, is given as an incoming claim value, or builds.
  size_t max_json_depth = 64;
  // The issued claim set (issue + issueproperty): claim type plus JSON text of the value.
  size_t max_issued_bytes = 64 * 1024;
};

// Claim names the token composition owns for one attestation type (the verifier's claims,
// the service's own claims). A policy may not issue one of these with a value other than the
// incoming claim of the same name carries (spec/maa-policy-language.md §4.1: outgoing claims
// of non-SGX types land at the token's top level, next to them). Empty for SGX/OE, whose
// outgoing claims land under x-ms-policy and can replace nothing.
struct ReservedClaims {
  std::vector<std::string> types;
  bool Contains(std::string_view type) const;
};

// Thread-safe, immutable; copies share the compiled tree.
class CompiledPolicy {
 public:
  const std::string& text() const { return *text_; }
  PolicyVersion version() const { return ast_->version; }
  const PolicyAst& ast() const { return *ast_; }

 private:
  friend StatusOr<CompiledPolicy> CompilePolicy(std::string_view, const ReservedClaims&,
                                                const CompileLimits&);
  std::shared_ptr<const std::string> text_;
  std::shared_ptr<const PolicyAst> ast_;
};

// Parses and checks `text` (spec §4 item 1). Errors: kInvalidArgument with reason
// POLICY_SYNTAX_ERROR, POLICY_TYPE_ERROR or POLICY_TOO_LARGE and a message starting
// "line:col: ".
StatusOr<CompiledPolicy> CompilePolicy(std::string_view text, const CompileLimits& limits = {});
// As above, and refuses (POLICY_TYPE_ERROR, "line:col: ...") an issue(type="<name>", ...)
// whose literal name is in `reserved`.
StatusOr<CompiledPolicy> CompilePolicy(std::string_view text, const ReservedClaims& reserved,
                                       const CompileLimits& limits = {});

struct PolicyResult {
  bool permitted = false;
  // Why authorization failed (MAA's message); empty when permitted.
  std::string deny_message;
  // Claims for the token: issue(...) in issuancerules (spec §3 "outgoing").
  claims::ClaimSet issued;
  // Engine/token properties: issueproperty(...) in any section (spec §6).
  claims::ClaimSet properties;
};

// Runs configurationrules, authorizationrules and (when permitted) issuancerules over
// `incoming` (spec §4). A deny is a result, not an error. Errors: kInvalidArgument
// POLICY_EVALUATION_ERROR (e.g. JsonToClaimValue of a fraction, issuing a read-only claim, an
// integer overflow in JmesPath, issuing a reserved claim with another value than the incoming
// one: "line:col: ...") or POLICY_LIMIT_EXCEEDED.
StatusOr<PolicyResult> Evaluate(const CompiledPolicy& policy, const claims::ClaimSet& incoming,
                                const EvaluationLimits& limits = {});
StatusOr<PolicyResult> Evaluate(const CompiledPolicy& policy, const claims::ClaimSet& incoming,
                                const ReservedClaims& reserved,
                                const EvaluationLimits& limits = {});

// spec/maa-tokens.md §5: base64url(SHA-256(ASCII(base64url(UTF-8 text)))), the
// x-ms-policy-hash of the policy in force.
std::string PolicyHash(std::string_view policy_text);


// Configuration properties with the defaults of spec §6 applied.
struct TpmConfiguration {
  bool require_valid_aik_cert = true;
  int64_t required_pcr_mask = 0xFFFFFF;
  int64_t report_validity_in_minutes = 1440;
  bool omit_x5c = false;
};
// Errors: kInvalidArgument POLICY_EVALUATION_ERROR when a property has the wrong type or
// is out of range (report_validity_in_minutes ≤ 525600, required_pcr_mask ≤ 0xFFFFFF).
StatusOr<TpmConfiguration> ResolveTpmConfiguration(const claims::ClaimSet& properties);
// The SGX TCB baseline (`x-ms-sgx-tcbidentifier`), "azuredefault" when not set.
std::string SgxTcbIdentifier(const claims::ClaimSet& properties);

}  // namespace attest::policy
