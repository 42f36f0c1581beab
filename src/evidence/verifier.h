// Verifier: one per TEE, built once at start-up from a VerifierConfig by its registry
// factory (registry.h), shared by all requests (thread-safe).
//
// Verify() returns the incoming claims of valid evidence. Weak-but-valid evidence (TCB
// OutOfDate, debug enclave) is NOT an error: it is described by claims and left to policy.
// Errors are kInvalidEvidence (400, stable reason), kInvalidCollateral (collateral unusable,
// with its Provenance: the caller's is a 400, the server's a 503) or kUnavailable (cannot
// decide now; retryable).
#pragma once

#include "claims/claim.h"
#include "evidence/evidence.h"

namespace attest::evidence {

class Verifier {
 public:
  virtual ~Verifier() = default;
  virtual StatusOr<claims::ClaimSet> Verify(const Evidence& evidence,
                                            const VerifyContext& context) const = 0;
};

}  // namespace attest::evidence
