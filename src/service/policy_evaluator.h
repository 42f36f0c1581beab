// PolicyEvaluator: the seam between attestation orchestration and the policy engine.
//
// AttestationService asks an evaluator which policy is in force for a type and what it
// decides for a set of incoming claims. Until the claim-rule engine lands
// (spec/maa-policy-language.md), DefaultPolicyEvaluator hard-codes the built-in default
// policies of spec/maa-policy-language.md §8; the engine will implement the same interface
// (stored policies, draft policies) without changes to AttestationService.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "claims/claim.h"
#include "evidence/evidence.h"
#include "policy/policy.h"

namespace attest::service {

struct PolicyDecision {
  bool permitted = false;
  std::string deny_message;  // when !permitted
  // Claims produced by issuance rules (SGX/OE: token member x-ms-policy; others: top level).
  claims::ClaimSet issued;
  // The exact policy text in force; x-ms-policy-hash is computed from it.
  std::string policy_text;
  // JWK of the policy signer when the policy in force was uploaded signed (x-ms-policy-signer).
  std::optional<nlohmann::json> signer;
  // What configuration rules set (issueproperty), e.g. required_pcr_mask for Tpm.
  claims::ClaimSet properties;
};

// Implementations must be thread-safe.
class PolicyEvaluator {
 public:
  virtual ~PolicyEvaluator() = default;
  // Errors: kNotFound (no policy for the type), kInvalidArgument POLICY_PARSING_ERROR.
  virtual StatusOr<PolicyDecision> Evaluate(evidence::AttestationType type,
                                            const claims::ClaimSet& incoming) const = 0;
};

// The claim names a policy may not issue with another value for `type` (issue 8 finding 8):
// what the token composition (AttestationService::BuildTokenClaims) puts at the token's top
// level next to the policy's claims — every incoming (verifier) claim, the verifier's known
// claim names for the type, the service's own claims and the JWT registered claims. Empty for
// SGX and Open Enclave, whose policy claims go under x-ms-policy (spec/maa-tokens.md §3.3).
// `incoming` may be empty (when a policy is set: only the names known statically).
policy::ReservedClaims TokenReservedClaims(evidence::AttestationType type,
                                           const claims::ClaimSet& incoming);

// The built-in default policies (spec/maa-policy-language.md §8, the descriptors'
// default_policy in evidence/registry.cc), evaluated by the policy engine: SGX and Open
// Enclave use MAA's default text; TDX the recommended permit-all. Used where no policy store exists (tests, tools). Stateless;
// thread-safe.
class DefaultPolicyEvaluator final : public PolicyEvaluator {
 public:
  StatusOr<PolicyDecision> Evaluate(evidence::AttestationType type,
                                    const claims::ClaimSet& incoming) const override;

  // The default policy text for `type` (its registry descriptor's), or nullopt when attestd
  // does not serve the type.
  static std::optional<std::string_view> DefaultPolicyText(evidence::AttestationType type);
};


}  // namespace attest::service
