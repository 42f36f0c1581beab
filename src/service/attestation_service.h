// AttestationService: the attestation pipeline of spec/maa-service-behaviour.md §3, as
// orchestration only — decode-independent request in, signed token out:
//
//   request -> Evidence -> Verifier (evidence/) -> incoming claims
//           -> PolicyEvaluator -> issued claims -> token claim set (spec/maa-tokens.md)
//           -> TokenIssuer (token/) -> JWT
//
// Everything it uses is borrowed and must outlive it. Thread-safe when its collaborators are
// (verifiers, collateral providers and evaluators are required to be).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "base/bytes.h"
#include "base/status.h"
#include "base/time.h"
#include "collateral/collateral_provider.h"
#include "evidence/evidence.h"
#include "evidence/protocol.h"
#include "evidence/verifier.h"
#include "evidence/verifier_config.h"
#include "service/policy_evaluator.h"
#include "token/token_issuer.h"

namespace attest::service {

// One /attest/{type} request after wire decoding (api/ owns the MAA JSON shapes).
struct AttestationRequest {
  evidence::AttestationType type = evidence::AttestationType::kSgxEnclave;
  Bytes evidence;  // SGX/TDX quote, or Open Enclave report (16-byte header + quote)
  std::optional<evidence::BoundData> runtime_data;
  std::optional<evidence::BoundData> init_time_data;
  std::optional<std::string> nonce;
  std::optional<std::string> draft_policy;  // draftPolicyForAttestation: evaluated instead of
                                            // the stored policy; the token is unsigned
};

struct AttestationServiceOptions {
  // The time at which evidence, collateral and certificates are judged. Tokens always use
  // the issuer's (real) clock.
  const Clock* verification_clock = &SystemClock::Get();
  // Set when verification_clock is an operator override (--collateral-time); tokens then
  // carry x-attestd-collateral-time.
  std::optional<UnixTime> collateral_time_override;
  collateral::CollateralProvider* collateral = nullptr;
  // What the verifiers are built from (trust anchors, per-TEE options), once, at construction.
  evidence::VerifierConfig verifiers;
  // Replaces the verifiers built from the registry (tests).
  std::function<const evidence::Verifier*(evidence::AttestationType)> find_verifier;
  // The provider (MAA instance) this service answers for; multi-round protocol state is
  // bound to it (evidence::VerifyContext::attestation_provider).
  std::string provider_id;
};

class AttestationService {
 public:
  AttestationService(AttestationServiceOptions options, const PolicyEvaluator& policy,
                     const token::TokenIssuer& issuer);

  // The signed token, or: kInvalidArgument (request: bad runtime JSON, draft policy,
  // POLICY_DENIED, ATTESTATION_TYPE_UNSUPPORTED), kInvalidEvidence / kInvalidCollateral
  // (from the verifier), kNotFound (no policy), kUnavailable, kInternal. Never a token on
  // failure.
  StatusOr<std::string> Attest(const AttestationRequest& request) const;

  // One round of a multi-round protocol (evidence/protocol.h; /attest/Tpm): `message` is the
  // decoded client message. The outcome is the protocol's reply, or after the last round the
  // signed token. Errors as Attest; ATTESTATION_TYPE_UNSUPPORTED for a type without protocol.
  struct ProtocolOutcome {
    std::optional<Bytes> reply;
    std::optional<std::string> token;
  };
  StatusOr<ProtocolOutcome> AdvanceProtocol(evidence::AttestationType type, ByteSpan message) const;

  // The token claim object for already-verified incoming claims (exposed for tests).
  // `check_configuration`, when set, judges the evidence against the policy's configuration
  // rules once the policy has permitted it (AttestationProtocol::Step).
  // `lifetime_seconds`, when given, receives the token lifetime the policy's configuration
  // rule report_validity_in_minutes sets (1-525600), else 8 h.
  StatusOr<nlohmann::json> BuildTokenClaims(
      const AttestationRequest& request, claims::ClaimSet incoming,
      const std::function<Status(const claims::ClaimSet&)>& check_configuration = {},
      int64_t* lifetime_seconds = nullptr) const;

 private:
  const evidence::Verifier* FindVerifier(evidence::AttestationType type) const;

  AttestationServiceOptions options_;
  // Built from options_.verifiers by the registry's factories, one per verifiable type.
  std::map<evidence::AttestationType, std::unique_ptr<const evidence::Verifier>> verifiers_;
  std::map<evidence::AttestationType, std::unique_ptr<const evidence::AttestationProtocol>>
      protocols_;
  const PolicyEvaluator& policy_;
  const token::TokenIssuer& issuer_;
};

// Deepest nesting accepted in runtime / init-time JSON data.
inline constexpr size_t kMaxBoundJsonDepth = 64;

}  // namespace attest::service
