// SgxVerifier: Intel SGX DCAP quotes (v3; v4/v5 with an SGX body) for /attest/SgxEnclave.
// Stateless apart from the shared DCAP caches: thread-safe.
#pragma once

#include <memory>

#include "collateral/collateral_provider.h"
#include "evidence/verifier.h"

namespace attest::evidence {

class SgxVerifier final : public Verifier {
 public:
  AttestationType type() const override { return AttestationType::kSgxEnclave; }
  StatusOr<claims::ClaimSet> Verify(const Evidence& evidence,
                                    const VerifyContext& context) const override;
};

// Verifies the SGX quote in `quote_bytes` and produces MAA's SGX claims (spec/maa-tokens.md
// §3.1) with the runtime/init-time data bindings of `evidence` checked. Shared by the SGX and
// Open Enclave verifiers. `inline_collateral` is collateral that came with the evidence.
StatusOr<claims::ClaimSet> VerifySgxQuote(
    ByteSpan quote_bytes, const Evidence& evidence, const VerifyContext& context,
    std::shared_ptr<const collateral::DcapCollateral> inline_collateral);

}  // namespace attest::evidence
