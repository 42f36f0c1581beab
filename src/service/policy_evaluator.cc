#include "service/policy_evaluator.h"

#include "evidence/registry.h"
#include "policy/policy.h"
#include "service/stored_policy_evaluator.h"

namespace attest::service {

std::optional<std::string_view> DefaultPolicyEvaluator::DefaultPolicyText(
    evidence::AttestationType type) {
  const evidence::AttestationTypeDescriptor* d = evidence::FindDescriptor(type);
  if (d == nullptr) return std::nullopt;
  return d->default_policy;
}

// The spec's default text is compiled and evaluated by the policy engine like any other
// policy, so its issued claims are exactly what the text says.
StatusOr<PolicyDecision> DefaultPolicyEvaluator::Evaluate(evidence::AttestationType type,
                                                          const claims::ClaimSet& incoming) const {
  std::optional<std::string_view> text = DefaultPolicyText(type);
  if (!text.has_value()) {
    return Err(Status::NotFound("POLICY_NOT_FOUND",
                                "no attestation policy is configured for " +
                                    std::string(evidence::AttestationTypeName(type))));
  }
  return EvaluatePolicyText(*text, incoming, std::nullopt);
}

}  // namespace attest::service
