// Claims every Intel DCAP verifier (SGX, Open Enclave, TDX) emits for its TCB verdict.
#pragma once

#include "claims/claim.h"
#include "evidence/dcap/verdict.h"

namespace attest::dcap {

// attester_tcb_status, attester_advisory_ids and the detailed x-attestd-tcb object.
void AddTcbClaims(const DcapVerdict& verdict, claims::ClaimSet& out);

}  // namespace attest::dcap
