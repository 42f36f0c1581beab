// TpmProtocol: MAA's multi-round TPM attestation at /attest/Tpm (spec/maa-rest-api.md §4.6,
// maa-service-behaviour.md §5.4, tpm.md §11).
//
//   round 1: {"payload":{"type":"aikcert"}}  ->  {"payload":{"challenge","service_context"}}
//   round 2: {"payload":{"request":"<JWS PS256, typ attReqV2>"}}  ->  verified claims
//
// The JWS payload carries att_data {challenge, rp_data, tpm_att_data.current_attestation
// {logs, aik_cert, aik_pub, pcrs, quote, signature}}, request_key {jwk} (which signs the JWS)
// and the service_context of round 1. Verification: context (authentic, unexpired, unused),
// JWS signature by request_key, challenge, quote (quote_verifier.h) with the challenge as
// qualifying data, required PCRs, event-log replay, AK trust. attReq (v1, Windows platform
// claim blobs) is refused: its container format is not established (spec/tpm.md §11 gap).
//
// Thread-safe.
#pragma once

#include <memory>

#include "evidence/protocol.h"
#include "evidence/tpm/service_context.h"
#include "evidence/tpm/tpm_options.h"
#include "evidence/verifier_config.h"

namespace attest::evidence::tpm {

// Tpm entries of the OpenID metadata's claims_supported (spec/maa-policy-language.md §7.2).
inline constexpr std::string_view kTpmClaimsSupported[] = {
    "aikValidated", "aikPubHash", "tpmVersion", "secureBootEnabled", "pcrs", "events",
    "x-ms-tpm-ak-trust", "x-ms-tpm-request-key", "cnf", "rp_data",
};

// MAA's TPM policy inputs (spec/maa-policy-language.md §7.2) that its sample policies issue
// into the token themselves (registry.h, reissuable_claims).
inline constexpr std::string_view kTpmReissuableClaims[] = {
    "aikValidated", "aikPubHash",  "tpmVersion", "secureBootEnabled", "bootDebuggingDisabled",
    "notSafeMode",  "notWinPE",    "vbsEnabled", "iommuEnabled",
};

// Policy inputs that stay out of the token (registry.h, policy_only_claims).
inline constexpr std::string_view kTpmPolicyOnlyClaims[] = {"events"};

// Largest protocol message accepted (a request with a Windows log is a few hundred KiB).
inline constexpr size_t kMaxProtocolMessageSize = 4 * 1024 * 1024;
inline constexpr size_t kChallengeSize = 16;  // observed MAA challenge size

// The PCR mask in force: the policy's required_pcr_mask configuration rule when it sets one,
// else `fallback` (the deployment's). Errors: POLICY_EVALUATION_ERROR for a value that is not
// an integer in [0, 0xFFFFFF].
StatusOr<uint32_t> RequiredPcrMask(const claims::ClaimSet& properties, uint32_t fallback);
// TPM_REQUIRED_PCRS_MISSING naming the first PCR of `required_mask` not in `quoted_mask`.
Status CheckRequiredPcrs(uint32_t quoted_mask, uint32_t required_mask);

class TpmProtocol final : public AttestationProtocol {
 public:
  explicit TpmProtocol(const VerifierConfig& config);
  StatusOr<Step> Advance(ByteSpan message, const VerifyContext& context) const override;

 private:
  StatusOr<Step> VerifyRequest(std::string_view jws, const VerifyContext& context) const;

  TpmOptions options_;
  std::unique_ptr<ServiceContextSealer> sealer_;  // nullptr without a context key
};

}  // namespace attest::evidence::tpm
