#include "evidence/dcap/verdict.h"

namespace attest::dcap {

nlohmann::json DcapVerdict::ToJson() const {
  using nlohmann::json;
  // Built in place (emplace into the object's map): this runs once per verification, and
  // operator[] would look each key up, insert a null and assign over it.
  json out(json::value_t::object);
  json::object_t& j = *out.get_ptr<json::object_t*>();
  j.emplace("tcb_status", TcbStatusName(tcb_status));
  j.emplace("advisory_ids", advisory_ids);
  j.emplace("platform_tcb_status", TcbStatusName(platform_tcb_status));
  j.emplace("platform_tcb_level_date", platform_tcb_level_date);
  j.emplace("qe_tcb_status", TcbStatusName(qe_tcb_status));
  j.emplace("qe_advisory_ids", qe_advisory_ids);
  j.emplace("qe_tcb_level_date", qe_tcb_level_date);
  if (tdx_module_tcb_status) {
    j.emplace("tdx_module_tcb_status", TcbStatusName(*tdx_module_tcb_status));
    j.emplace("tdx_module_advisory_ids", tdx_module_advisory_ids);
    json identity(json::value_t::object);
    identity.get_ptr<json::object_t*>()->emplace("id", tdx_module_id.value_or(""));
    identity.get_ptr<json::object_t*>()->emplace("matched_level_isvsvn",
                                                 tdx_module_matched_isvsvn.value_or(0));
    j.emplace("tdx_module_identity", std::move(identity));
  } else {
    j.emplace("tdx_module_tcb_status", nullptr);
    j.emplace("tdx_module_advisory_ids", nullptr);
    j.emplace("tdx_module_identity", nullptr);
  }
  j.emplace("td_relaunch_advised", td_relaunch_advised);
  j.emplace("tcb_evaluation_data_number", tcb_evaluation_data_number);
  j.emplace("qe_tcb_evaluation_data_number", qe_tcb_evaluation_data_number);
  j.emplace("tcb_info_version", tcb_info_version);
  j.emplace("qe_identity_version", qe_identity_version);
  j.emplace("fmspc", fmspc);
  j.emplace("pceid", pceid);
  j.emplace("sgx_type", sgx_type);
  if (configuration) {
    j.emplace("platform_configuration",
              json{{"dynamic_platform", configuration->dynamic_platform},
                   {"cached_keys", configuration->cached_keys},
                   {"smt_enabled", configuration->smt_enabled}});
  }
  j.emplace("pck_ca", pck_ca);
  j.emplace("pck_revocation_checked", pck_revocation_checked);
  j.emplace("is_debuggable", is_debuggable);
  j.emplace("collateral_expiration", FormatRfc3339(collateral_expiration));
  j.emplace("trailing_bytes", trailing_bytes);
  return out;
}

}  // namespace attest::dcap
