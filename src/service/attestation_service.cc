#include "service/attestation_service.h"

#include <utility>

#include "base/encoding.h"
#include "base/reasons.h"
#include "base/strings.h"
#include "claims/claim_names.h"
#include "collateral/offline_dir_provider.h"
#include "evidence/registry.h"
#include "policy/policy.h"
#include "service/stored_policy_evaluator.h"

namespace attest::service {
namespace {

using evidence::AttestationType;
using evidence::BoundData;


// spec/maa-service-behaviour.md §4.2: JSON data must be valid RFC 8259 JSON; the parsed
// value becomes x-ms-runtime / x-ms-inittime.
StatusOr<nlohmann::json> ParseBoundJson(const BoundData& data, std::string_view field) {
  const char* invalid_json =
      field == "runtimeData" ? reason::kInvalidRuntimeDataJson : reason::kInvalidInitTimeDataJson;
  if (!JsonTextDepthWithin(AsChars(data.data), kMaxBoundJsonDepth)) {
    return Err(Status::InvalidArgument(
        invalid_json,
        std::string(field) + " JSON nests deeper than " + std::to_string(kMaxBoundJsonDepth)));
  }
  nlohmann::json value =
      nlohmann::json::parse(data.data.begin(), data.data.end(), nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) {
    return Err(Status::InvalidArgument(
        invalid_json, std::string(field) + " has dataType JSON but its data is not valid JSON"));
  }
  return value;
}

}  // namespace

AttestationService::AttestationService(AttestationServiceOptions options,
                                       const PolicyEvaluator& policy,
                                       const token::TokenIssuer& issuer)
    : options_(std::move(options)), policy_(policy), issuer_(issuer) {
  for (const evidence::AttestationTypeDescriptor& d : evidence::Descriptors()) {
    if (d.make_protocol != nullptr) protocols_.emplace(d.type, d.make_protocol(options_.verifiers));
  }
  if (options_.find_verifier) return;
  for (const evidence::AttestationTypeDescriptor& d : evidence::Descriptors()) {
    if (d.make_verifier != nullptr) verifiers_.emplace(d.type, d.make_verifier(options_.verifiers));
  }
}

const evidence::Verifier* AttestationService::FindVerifier(AttestationType type) const {
  if (options_.find_verifier) return options_.find_verifier(type);
  auto it = verifiers_.find(type);
  return it == verifiers_.end() ? nullptr : it->second.get();
}

StatusOr<std::string> AttestationService::Attest(const AttestationRequest& request) const {
  const evidence::Verifier* verifier = FindVerifier(request.type);
  if (verifier == nullptr) return Err(evidence::UnsupportedType(request.type));
  if (options_.collateral == nullptr) {
    return Err(
        Status::Unavailable(reason::kCollateralUnavailable, "no collateral source is configured"));
  }
  // Reject bad JSON data before the (expensive) verification.
  if (request.runtime_data && request.runtime_data->kind == BoundData::Kind::kJson) {
    ATTEST_ASSIGN_OR_RETURN(auto ignored, ParseBoundJson(*request.runtime_data, "runtimeData"));
    (void)ignored;
  }
  if (request.init_time_data && request.init_time_data->kind == BoundData::Kind::kJson) {
    ATTEST_ASSIGN_OR_RETURN(auto ignored, ParseBoundJson(*request.init_time_data, "initTimeData"));
    (void)ignored;
  }

  evidence::Evidence ev;
  ev.type = request.type;
  ev.blob = request.evidence;
  ev.runtime_data = request.runtime_data;
  ev.init_time_data = request.init_time_data;
  ev.nonce = request.nonce;
  evidence::VerifyContext context{*options_.verification_clock, *options_.collateral,
                                  options_.verifiers.anchors};
  ATTEST_ASSIGN_OR_RETURN(claims::ClaimSet incoming, verifier->Verify(ev, context));
  int64_t lifetime = token::kAttestationTokenLifetime;
  ATTEST_ASSIGN_OR_RETURN(nlohmann::json body,
                          BuildTokenClaims(request, std::move(incoming), {}, &lifetime));
  // maa-service-behaviour.md §3.7: a draft-policy result is unsigned (alg none) so that it
  // can never be mistaken for a token issued under the provider's policy.
  if (request.draft_policy.has_value()) return issuer_.IssueUnsecuredToken(std::move(body), lifetime);
  return issuer_.IssueAttestationToken(std::move(body), lifetime);
}

StatusOr<AttestationService::ProtocolOutcome> AttestationService::AdvanceProtocol(
    AttestationType type, ByteSpan message) const {
  auto it = protocols_.find(type);
  if (it == protocols_.end()) return Err(evidence::UnsupportedType(type));
  collateral::CollateralProvider* collateral = options_.collateral;
  // The TPM protocol uses no collateral; a provider is still part of the context.
  collateral::OfflineDirProvider none("/nonexistent");
  evidence::VerifyContext context{*options_.verification_clock,
                                  collateral != nullptr ? *collateral : none,
                                  options_.verifiers.anchors, options_.provider_id};
  ATTEST_ASSIGN_OR_RETURN(evidence::AttestationProtocol::Step step,
                          it->second->Advance(message, context));
  ProtocolOutcome out;
  if (step.reply.has_value()) {
    out.reply = std::move(step.reply);
    return out;
  }
  if (!step.claims.has_value()) return Err(Status::Internal("protocol step without outcome"));
  AttestationRequest request;
  request.type = type;
  int64_t lifetime = token::kAttestationTokenLifetime;
  ATTEST_ASSIGN_OR_RETURN(nlohmann::json body, BuildTokenClaims(request, std::move(*step.claims),
                                                                step.check_configuration, &lifetime));
  ATTEST_ASSIGN_OR_RETURN(out.token, issuer_.IssueAttestationToken(std::move(body), lifetime));
  return out;
}

StatusOr<nlohmann::json> AttestationService::BuildTokenClaims(
    const AttestationRequest& request, claims::ClaimSet incoming,
    const std::function<Status(const claims::ClaimSet&)>& check_configuration,
    int64_t* lifetime_seconds) const {
  namespace c = claims;
  const evidence::AttestationTypeDescriptor* type = evidence::FindDescriptor(request.type);
  if (type == nullptr) return Err(evidence::UnsupportedType(request.type));
  const bool sgx = type->layout == evidence::ClaimLayout::kSgxLegacyMirrors;
  // spec/maa-tokens.md §2: common claims; set before policy so rules can match them.
  incoming.Set(c::kAttestationType, std::string(type->token_type));

  // §3.5: the draft policy (raw text) when supplied, else the policy in force for the type.
  ATTEST_ASSIGN_OR_RETURN(
      PolicyDecision decision,
      request.draft_policy.has_value()
          ? EvaluatePolicyText(request.type, *request.draft_policy, incoming)
          : policy_.Evaluate(request.type, incoming));
  if (!decision.permitted) {
    return Err(Status::InvalidArgument(reason::kPolicyDenied,
                                       decision.deny_message.empty()
                                           ? "A Deny claim was issued, authorization failed."
                                           : decision.deny_message));
  }
  if (check_configuration) ATTEST_RETURN_IF_ERROR(check_configuration(decision.properties));
  if (lifetime_seconds != nullptr) {
    *lifetime_seconds = token::kAttestationTokenLifetime;
    // maa-policy-language.md: configuration rule report_validity_in_minutes.
    if (const nlohmann::json* v = decision.properties.FindValue("report_validity_in_minutes")) {
      if (!v->is_number_integer() || v->get<int64_t>() < 1 || v->get<int64_t>() > 525600) {
        return Err(Status::InvalidArgument(
            reason::kPolicyEvaluationError,
            "configuration rule report_validity_in_minutes must be an integer from 1 to 525600"));
      }
      *lifetime_seconds = v->get<int64_t>() * 60;
    }
  }

  c::ClaimSet out = std::move(incoming);
  for (std::string_view name : type->policy_only_claims) out.Remove(name);
  out.Set(c::kVer, "1.0");
  out.Set(c::kPolicyHash, policy::PolicyHash(decision.policy_text));
  if (decision.signer.has_value()) out.Set(c::kPolicySigner, *decision.signer);

  // spec/maa-service-behaviour.md §4.2 and maa-tokens.md §3.2.
  if (request.runtime_data.has_value()) {
    if (request.runtime_data->kind == BoundData::Kind::kJson) {
      ATTEST_ASSIGN_OR_RETURN(nlohmann::json v, ParseBoundJson(*request.runtime_data, "runtimeData"));
      out.Set(c::kRuntime, std::move(v));
    } else if (sgx) {
      std::string ehd = Base64UrlEncode(request.runtime_data->data);
      out.Set(c::kSgxEhd, ehd);
      out.Set(c::kLegacyAasEhd, ehd);
      out.Set(c::kLegacyMaaEhd, ehd);
    }
  }
  if (request.init_time_data.has_value() &&
      request.init_time_data->kind == BoundData::Kind::kJson) {
    ATTEST_ASSIGN_OR_RETURN(nlohmann::json v,
                            ParseBoundJson(*request.init_time_data, "initTimeData"));
    out.Set(c::kInitTime, std::move(v));
  }
  if (request.nonce.has_value()) out.Set(c::kNonce, *request.nonce);
  if (request.draft_policy.has_value()) {
    out.Set(c::kAttestdDraft, true);  // docs/claims.md
  }

  if (sgx) {
    // spec/maa-tokens.md §3.3: SGX/OE policy-issued claims go under x-ms-policy.
    out.Set(c::kPolicy, decision.issued.ToJsonObject());
    // §3.1: legacy top-level mirrors of the x-ms-sgx-* claims, always emitted.
    constexpr std::pair<std::string_view, std::string_view> kLegacy[] = {
        {c::kSgxIsDebuggable, c::kLegacyIsDebuggable}, {c::kSgxProductId, c::kLegacyProductId},
        {c::kSgxMrEnclave, c::kLegacySgxMrEnclave},    {c::kSgxMrSigner, c::kLegacySgxMrSigner},
        {c::kSgxSvn, c::kLegacySvn},                   {c::kAttestationType, c::kLegacyTee},
        {c::kSgxCollateral, c::kLegacyMaaAttestationCollateral},
    };
    for (const auto& [from, to] : kLegacy) {
      if (const nlohmann::json* v = out.FindValue(from)) out.Set(to, *v);
    }
  } else {
    // maa-service-behaviour.md §3.6: other types get issued claims at the top level. The
    // verifier's and the service's claims are authoritative (issue 8): the engine refuses a
    // rule replacing one (TokenReservedClaims); this is the backstop for any evaluator that
    // did not apply it.
    for (const c::Claim& claim : decision.issued.claims()) {
      const nlohmann::json* existing = out.FindValue(claim.type);
      if (existing != nullptr && *existing != claim.value) {
        return Err(Status::InvalidArgument(
            std::string(policy::kPolicyEvaluationError),
            "claim '" + claim.type +
                "' is produced by the verifier or the service; a policy cannot replace it"));
      }
    }
    // A type issued several times (a set, e.g. JsonToClaimValue of an array) is one JSON
    // array in the token, as under x-ms-policy for SGX.
    nlohmann::json issued = decision.issued.ToJsonObject();
    for (auto& [name, value] : issued.items()) out.Set(name, std::move(value));
  }

  if (options_.collateral_time_override.has_value()) {
    out.Set(c::kAttestdCollateralTime, FormatRfc3339(*options_.collateral_time_override));
  }
  return out.ToJsonObject();
}

}  // namespace attest::service
