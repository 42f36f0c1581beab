#include "evidence/dcap/verdict.h"

namespace attest::dcap {

nlohmann::json DcapVerdict::ToJson() const {
  using nlohmann::json;
  json j = json::object();
  j["tcb_status"] = TcbStatusName(tcb_status);
  j["advisory_ids"] = advisory_ids;
  j["platform_tcb_status"] = TcbStatusName(platform_tcb_status);
  j["platform_tcb_level_date"] = platform_tcb_level_date;
  j["qe_tcb_status"] = TcbStatusName(qe_tcb_status);
  j["qe_advisory_ids"] = qe_advisory_ids;
  j["qe_tcb_level_date"] = qe_tcb_level_date;
  if (tdx_module_tcb_status) {
    j["tdx_module_tcb_status"] = TcbStatusName(*tdx_module_tcb_status);
    j["tdx_module_advisory_ids"] = tdx_module_advisory_ids;
    j["tdx_module_identity"] = {{"id", tdx_module_id.value_or("")},
                                {"matched_level_isvsvn", tdx_module_matched_isvsvn.value_or(0)}};
  } else {
    j["tdx_module_tcb_status"] = nullptr;
    j["tdx_module_advisory_ids"] = nullptr;
    j["tdx_module_identity"] = nullptr;
  }
  j["td_relaunch_advised"] = td_relaunch_advised;
  j["tcb_evaluation_data_number"] = tcb_evaluation_data_number;
  j["qe_tcb_evaluation_data_number"] = qe_tcb_evaluation_data_number;
  j["tcb_info_version"] = tcb_info_version;
  j["qe_identity_version"] = qe_identity_version;
  j["fmspc"] = fmspc;
  j["pceid"] = pceid;
  j["sgx_type"] = sgx_type;
  if (configuration) {
    j["platform_configuration"] = {{"dynamic_platform", configuration->dynamic_platform},
                                   {"cached_keys", configuration->cached_keys},
                                   {"smt_enabled", configuration->smt_enabled}};
  }
  j["pck_ca"] = pck_ca;
  j["pck_revocation_checked"] = pck_revocation_checked;
  j["is_debuggable"] = is_debuggable;
  j["collateral_expiration"] = FormatRfc3339(collateral_expiration);
  j["trailing_bytes"] = trailing_bytes;
  return j;
}

}  // namespace attest::dcap
