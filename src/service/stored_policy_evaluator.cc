#include "service/stored_policy_evaluator.h"

#include "base/reasons.h"
#include "crypto/x509.h"
#include "service/management_jws.h"

namespace attest::service {

StatusOr<PolicyDecision> EvaluateCompiled(const policy::CompiledPolicy& compiled,
                                          const claims::ClaimSet& incoming,
                                          const policy::ReservedClaims& reserved,
                                          std::optional<nlohmann::json> signer) {
  ATTEST_ASSIGN_OR_RETURN(policy::PolicyResult result,
                          policy::Evaluate(compiled, incoming, reserved));
  PolicyDecision decision;
  decision.permitted = result.permitted;
  decision.deny_message = std::move(result.deny_message);
  decision.issued = std::move(result.issued);
  decision.properties = std::move(result.properties);
  decision.policy_text = compiled.text();
  decision.signer = std::move(signer);
  return decision;
}

StatusOr<PolicyDecision> EvaluatePolicyText(evidence::AttestationType type, std::string_view text,
                                            const claims::ClaimSet& incoming,
                                            std::optional<nlohmann::json> signer) {
  ATTEST_ASSIGN_OR_RETURN(
      policy::CompiledPolicy compiled,
      policy::CompilePolicy(text, TokenReservedClaims(type, claims::ClaimSet())));
  return EvaluateCompiled(compiled, incoming, TokenReservedClaims(type, incoming),
                          std::move(signer));
}

StatusOr<PolicyDecision> StoredPolicyEvaluator::Evaluate(evidence::AttestationType type,
                                                         const claims::ClaimSet& incoming) const {
  const std::string type_name(evidence::AttestationTypeName(type));
  const policy::ReservedClaims reserved = TokenReservedClaims(type, incoming);
  ATTEST_ASSIGN_OR_RETURN(std::optional<store::PolicyRecord> stored,
                          store_.CurrentPolicy(provider_id_, type_name));
  const int64_t sequence = stored.has_value() ? stored->sequence : -1;
  {
    std::lock_guard lock(mu_);
    auto it = cache_.find(type_name);
    if (it != cache_.end() && it->second.sequence == sequence) {
      Cached hit = it->second;  // copies share the compiled tree
      return EvaluateCompiled(hit.compiled, incoming, reserved, hit.signer);
    }
  }
  std::string text;
  std::optional<nlohmann::json> signer;
  if (stored.has_value()) {
    text = stored->policy_text;
    if (!stored->signer_cert_der.empty()) {
      auto cert = crypto::Certificate::FromDer(stored->signer_cert_der);
      if (cert.has_value()) signer = SignerJwk(*cert);
    }
  } else {
    std::optional<std::string_view> fallback = DefaultPolicyEvaluator::DefaultPolicyText(type);
    if (!fallback.has_value()) {
      return Err(Status::NotFound(reason::kPolicyNotFound,
                                  "no attestation policy is configured for " + type_name));
    }
    text = std::string(*fallback);
  }
  // The names known statically (TokenReservedClaims without incoming claims): a policy set
  // before they were refused at set time fails here with line:column.
  ATTEST_ASSIGN_OR_RETURN(
      policy::CompiledPolicy compiled,
      policy::CompilePolicy(text, TokenReservedClaims(type, claims::ClaimSet())));
  {
    std::lock_guard lock(mu_);
    cache_[type_name] = Cached{sequence, compiled, signer};
  }
  return EvaluateCompiled(compiled, incoming, reserved, std::move(signer));
}

}  // namespace attest::service
