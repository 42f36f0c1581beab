// SgxVerifier: Intel SGX DCAP quotes (v3; v4/v5 with an SGX body) for /attest/SgxEnclave.
// Stateless apart from the shared DCAP caches: thread-safe.
#pragma once

#include <memory>

#include "claims/claim_names.h"
#include "collateral/collateral_provider.h"
#include "evidence/verifier.h"
#include "evidence/verifier_config.h"

namespace attest::evidence {

// SGX and Open Enclave entries of the OpenID metadata's claims_supported (registry.cc).
inline constexpr std::string_view kSgxClaimsSupported[] = {
    claims::kSgxIsDebuggable,    claims::kSgxMrEnclave,     claims::kSgxMrSigner,
    claims::kSgxSvn,             claims::kSgxEhd,           claims::kSgxCollateral,
    claims::kLegacyIsDebuggable, claims::kLegacySgxMrSigner, claims::kLegacySgxMrEnclave,
    claims::kLegacyProductId,    claims::kLegacySvn,        claims::kLegacyTee,
};

class SgxVerifier final : public Verifier {
 public:
  explicit SgxVerifier(const VerifierConfig& config) : options_(config.dcap) {}
  StatusOr<claims::ClaimSet> Verify(const Evidence& evidence,
                                    const VerifyContext& context) const override;

 private:
  DcapOptions options_;
};

// Verifies the SGX quote in `quote_bytes` and produces MAA's SGX claims (spec/maa-tokens.md
// §3.1) with the runtime/init-time data bindings of `evidence` checked. Shared by the SGX and
// Open Enclave verifiers. `inline_collateral` is collateral that came with the evidence.
StatusOr<claims::ClaimSet> VerifySgxQuote(
    ByteSpan quote_bytes, const Evidence& evidence, const VerifyContext& context,
    const DcapOptions& options, std::shared_ptr<const collateral::DcapCollateral> inline_collateral);

}  // namespace attest::evidence
