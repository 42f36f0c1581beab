// OpenEnclaveVerifier: Open Enclave reports and evidence around an SGX quote, for
// /attest/OpenEnclave. Claims are MAA's SGX claims (x-ms-attestation-type "sgx"). Thread-safe.
#pragma once

#include "evidence/verifier.h"

namespace attest::evidence {

class OpenEnclaveVerifier final : public Verifier {
 public:
  AttestationType type() const override { return AttestationType::kOpenEnclave; }
  StatusOr<claims::ClaimSet> Verify(const Evidence& evidence,
                                    const VerifyContext& context) const override;
};

}  // namespace attest::evidence
