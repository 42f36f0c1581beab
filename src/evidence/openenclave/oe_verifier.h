// OpenEnclaveVerifier: Open Enclave reports and evidence around an SGX quote, for
// /attest/OpenEnclave. Claims are MAA's SGX claims (x-ms-attestation-type "sgx"). Thread-safe.
#pragma once

#include "evidence/verifier.h"
#include "evidence/verifier_config.h"

namespace attest::evidence {

class OpenEnclaveVerifier final : public Verifier {
 public:
  explicit OpenEnclaveVerifier(const VerifierConfig& config) : options_(config.dcap) {}
  StatusOr<claims::ClaimSet> Verify(const Evidence& evidence,
                                    const VerifyContext& context) const override;

 private:
  DcapOptions options_;
};

}  // namespace attest::evidence
