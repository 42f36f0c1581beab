// StoredPolicyEvaluator: the PolicyEvaluator of a running attestd — the policy set for the
// attestation type in the provider's store, else the type's default (spec/maa-policy-
// language.md §8), compiled by the claim-rule engine (src/policy) and evaluated per request.
//
// Compiled policies are cached by (type, history sequence), so a policy is compiled once per
// change. Thread-safe (the cache is guarded; CompiledPolicy is immutable).
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "policy/policy.h"
#include "service/policy_evaluator.h"
#include "store/store.h"

namespace attest::service {

// Compiles `text` as a policy for `type` and evaluates it over `incoming`, refusing issued
// claims that would replace the verifier's or the service's (TokenReservedClaims: the names
// known for the type when compiling, as when a policy is set; those and the incoming claims
// when evaluating). Compile errors keep the engine's reasons (POLICY_SYNTAX_ERROR /
// POLICY_TYPE_ERROR / POLICY_TOO_LARGE, "line:col: ..." messages).
StatusOr<PolicyDecision> EvaluatePolicyText(evidence::AttestationType type, std::string_view text,
                                            const claims::ClaimSet& incoming,
                                            std::optional<nlohmann::json> signer = std::nullopt);
// Evaluates an already compiled policy.
StatusOr<PolicyDecision> EvaluateCompiled(const policy::CompiledPolicy& compiled,
                                          const claims::ClaimSet& incoming,
                                          const policy::ReservedClaims& reserved,
                                          std::optional<nlohmann::json> signer);

class StoredPolicyEvaluator final : public PolicyEvaluator {
 public:
  // `store` must outlive the evaluator.
  StoredPolicyEvaluator(store::Store& store, std::string provider_id)
      : store_(store), provider_id_(std::move(provider_id)) {}

  // Errors: kUnavailable (store), kNotFound POLICY_NOT_FOUND (no stored policy and no
  // default for the type), the engine's compile/evaluation errors.
  StatusOr<PolicyDecision> Evaluate(evidence::AttestationType type,
                                    const claims::ClaimSet& incoming) const override;

 private:
  struct Cached {
    int64_t sequence = -1;  // -1: the default policy
    policy::CompiledPolicy compiled;
    std::optional<nlohmann::json> signer;
  };
  store::Store& store_;
  std::string provider_id_;
  mutable std::mutex mu_;
  mutable std::map<std::string, Cached, std::less<>> cache_;
};

}  // namespace attest::service
