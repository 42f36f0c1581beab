#include "service/policy_evaluator.h"

#include <array>
#include <utility>

#include "base/encoding.h"
#include "claims/claim_names.h"
#include "crypto/digest.h"

namespace attest::service {
namespace {

using evidence::AttestationType;

// spec/maa-policy-language.md §8, "SGX and OpenEnclave, served by shared and newly created
// providers" — exact bytes; its hash is bROrN897ZfWmWY2V0FLUlu3uwk5xatGnKYHn3zBbSlw.
constexpr std::string_view kDefaultSgxPolicy =
    "version= 1.0;authorizationrules{=> permit();};issuancerules{"
    "c:[type==\"x-ms-sgx-is-debuggable\"] => issue(type=\"is-debuggable\", value=c.value);"
    "c:[type==\"x-ms-sgx-mrsigner\"] => issue(type=\"sgx-mrsigner\", value=c.value);"
    "c:[type==\"x-ms-sgx-mrenclave\"] => issue(type=\"sgx-mrenclave\", value=c.value);"
    "c:[type==\"x-ms-sgx-product-id\"] => issue(type=\"product-id\", value=c.value);"
    "c:[type==\"x-ms-sgx-svn\"] => issue(type=\"svn\", value=c.value);"
    "c:[type==\"x-ms-attestation-type\"] => issue(type=\"tee\", value=c.value);};";

// spec/maa-policy-language.md §8: TDX default not published; recommended permit-all.
constexpr std::string_view kPermitAllPolicy =
    "version=1.0; authorizationrules{=> permit();}; issuancerules{};";

// The issuance rules of kDefaultSgxPolicy, in rule order: incoming type -> issued type.
constexpr std::array<std::pair<std::string_view, std::string_view>, 6> kDefaultSgxIssuance = {{
    {claims::kSgxIsDebuggable, claims::kLegacyIsDebuggable},
    {claims::kSgxMrSigner, claims::kLegacySgxMrSigner},
    {claims::kSgxMrEnclave, claims::kLegacySgxMrEnclave},
    {claims::kSgxProductId, claims::kLegacyProductId},
    {claims::kSgxSvn, claims::kLegacySvn},
    {claims::kAttestationType, claims::kLegacyTee},
}};

}  // namespace

std::optional<std::string_view> DefaultPolicyEvaluator::DefaultPolicyText(AttestationType type) {
  switch (type) {
    case AttestationType::kSgxEnclave:
    case AttestationType::kOpenEnclave:
      return kDefaultSgxPolicy;
    case AttestationType::kTdxVm:
      return kPermitAllPolicy;
    default:
      return std::nullopt;
  }
}

StatusOr<PolicyDecision> DefaultPolicyEvaluator::Evaluate(AttestationType type,
                                                          const claims::ClaimSet& incoming) const {
  std::optional<std::string_view> text = DefaultPolicyText(type);
  if (!text.has_value()) {
    return Err(Status::NotFound("POLICY_NOT_FOUND",
                                "no attestation policy is configured for " +
                                    std::string(evidence::AttestationTypeName(type))));
  }
  PolicyDecision decision;
  decision.permitted = true;  // authorizationrules{=> permit();}
  decision.policy_text = std::string(*text);
  if (type == AttestationType::kSgxEnclave || type == AttestationType::kOpenEnclave) {
    // c:[type=="X"] => issue(type="Y", value=c.value): one issued claim per matching claim.
    for (const auto& [from, to] : kDefaultSgxIssuance) {
      for (const claims::Claim* c : incoming.FindAll(from)) {
        decision.issued.Add(std::string(to), c->value);
      }
    }
  }
  return decision;
}

std::string PolicyHash(std::string_view policy_text) {
  std::string b64u = Base64UrlEncode(AsBytes(policy_text));
  return Base64UrlEncode(crypto::Sha256(AsBytes(b64u)));
}

}  // namespace attest::service
