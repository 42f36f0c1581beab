#include "service/policy_evaluator.h"

#include <algorithm>

#include "base/reasons.h"
#include "claims/claim_names.h"
#include "evidence/registry.h"
#include "policy/policy.h"
#include "service/stored_policy_evaluator.h"

namespace attest::service {
namespace {

namespace c = claims;

// Claims the service itself writes into every token (spec/maa-tokens.md §1, §2; attestd's
// x-attestd-* additions) and the DCAP verdict claims.
constexpr std::string_view kServiceClaims[] = {
    "iss", "iat", "nbf", "exp", "jti",
    c::kAttestationType, c::kVer, c::kPolicyHash, c::kPolicySigner, c::kPolicy, c::kNonce,
    c::kRuntime, c::kInitTime, c::kAttesterTcbStatus, c::kAttesterAdvisoryIds, c::kAttestdTcb,
    c::kAttestdCollateralTime, c::kAttestdDraft, c::kSgxEhd,
    c::kSgxCollateral,
};

// The TDX verifier's claims (spec/maa-tokens.md §4.2): reserved even when one is absent from
// a quote (e.g. tdx_mrservicetd of TDX 1.0), so a policy cannot fill it in.
constexpr std::string_view kTdxClaims[] = {
    c::kEatProfile, c::kDbgStat, c::kIntUse, c::kTdxMrSignerSeam, c::kTdxMrSeam, c::kTdxMrTd,
    c::kTdxRtmr0, c::kTdxRtmr1, c::kTdxRtmr2, c::kTdxRtmr3, c::kTdxMrConfigId, c::kTdxMrOwner,
    c::kTdxMrOwnerConfig, c::kTdxReportData, c::kTdxSeamAttributes, c::kTdxTeeTcbSvn,
    c::kTdxTeeTcbSvn2, c::kTdxMrServiceTd, c::kTdxXfam, c::kTdxSeamSvn, c::kTdxTdAttributes,
    c::kTdxTdAttributesDebug, c::kTdxTdAttributesKeyLocker, c::kTdxTdAttributesPerfmon,
    c::kTdxTdAttributesProtectionKeys, c::kTdxTdAttributesSeptVeDisable, c::kAttesterTcbStatus,
    c::kAttesterAdvisoryIds, c::kAttestdTcb,
};

}  // namespace

policy::ReservedClaims TokenReservedClaims(evidence::AttestationType type,
                                           const claims::ClaimSet& incoming) {
  policy::ReservedClaims reserved;
  const evidence::AttestationTypeDescriptor* descriptor = evidence::FindDescriptor(type);
  if (descriptor == nullptr || descriptor->layout == evidence::ClaimLayout::kSgxLegacyMirrors) {
    return reserved;  // policy claims go under x-ms-policy
  }
  auto add = [&](std::string_view name) {
    if (!reserved.Contains(name)) {
      reserved.types.emplace_back(name);
    }
  };
  for (std::string_view name : kServiceClaims) {
    add(name);
  }
  for (std::string_view name : descriptor->claims_supported) {
    const auto& free = descriptor->reissuable_claims;
    if (std::find(free.begin(), free.end(), name) == free.end()) add(name);
  }
  if (type == evidence::AttestationType::kTdxVm) {
    for (std::string_view name : kTdxClaims) {
      add(name);
    }
  }
  for (const claims::Claim& claim : incoming.claims()) {
    if (claim.issuer == claims::kIssuerAttestationService) {
      add(claim.type);
    }
  }
  return reserved;
}

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
    return Err(Status::NotFound(reason::kPolicyNotFound,
                                "no attestation policy is configured for " +
                                    std::string(evidence::AttestationTypeName(type))));
  }
  return EvaluatePolicyText(type, *text, incoming, std::nullopt);
}

}  // namespace attest::service
