#include "evidence/dcap/dcap_claims.h"

#include "base/time.h"
#include "claims/claim_names.h"

namespace attest::dcap {

void AddTcbClaims(const DcapVerdict& verdict, claims::ClaimSet& out) {
  out.Add(claims::kAttesterTcbStatus, std::string(TcbStatusName(verdict.tcb_status)));
  out.Add(claims::kAttesterAdvisoryIds, verdict.advisory_ids);
  out.Add(claims::kAttestdTcb, verdict.ToJson());
  if (!verdict.collateral_origins.empty()) {
    nlohmann::json origins = nlohmann::json::array();
    for (const collateral::CollateralOrigin& o : verdict.collateral_origins) {
      origins.push_back({{"item", o.item},
                         {"source", o.source},
                         {"fetched_at", FormatRfc3339(o.fetched_at)},
                         {"update", o.update}});
    }
    out.Add(claims::kAttestdCollateralProvenance, std::move(origins));
  }
  if (verdict.early) {
    nlohmann::json early = {
        {"tcb_status", verdict.early->tcb_status
                           ? nlohmann::json(std::string(TcbStatusName(*verdict.early->tcb_status)))
                           : nlohmann::json(nullptr)},
        {"advisory_ids", verdict.early->advisory_ids},
        {"tcb_evaluation_data_number", verdict.early->tcb_evaluation_data_number}};
    if (!verdict.early->error.empty()) early["error"] = verdict.early->error;
    out.Add(claims::kAttestdTcbEarly, std::move(early));
  }
}

}  // namespace attest::dcap
