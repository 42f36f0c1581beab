#include "evidence/dcap/dcap_claims.h"

#include "claims/claim_names.h"

namespace attest::dcap {

void AddTcbClaims(const DcapVerdict& verdict, claims::ClaimSet& out) {
  out.Add(claims::kAttesterTcbStatus, std::string(TcbStatusName(verdict.tcb_status)));
  out.Add(claims::kAttesterAdvisoryIds, verdict.advisory_ids);
  out.Add(claims::kAttestdTcb, verdict.ToJson());
}

}  // namespace attest::dcap
