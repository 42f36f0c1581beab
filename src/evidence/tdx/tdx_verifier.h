// TdxVerifier: Intel TDX DCAP quotes (v4, v5 with TD report 1.0 or 1.5) for /attest/TdxVm.
// Thread-safe.
#pragma once

#include "evidence/verifier.h"

namespace attest::evidence {

class TdxVerifier final : public Verifier {
 public:
  AttestationType type() const override { return AttestationType::kTdxVm; }
  StatusOr<claims::ClaimSet> Verify(const Evidence& evidence,
                                    const VerifyContext& context) const override;
};

}  // namespace attest::evidence
