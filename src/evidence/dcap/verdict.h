// DcapVerdict: the result of verifying an Intel DCAP quote that passed every check
// (spec/intel-dcap.md §5.8). The TCB status is a verdict for policy, not an error.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/time.h"
#include "evidence/dcap/pck_certificate.h"
#include "evidence/dcap/tcb_status.h"
#include "evidence/dcap/verified_collateral.h"

namespace attest::dcap {

struct DcapVerdict {
  TcbStatus tcb_status = TcbStatus::kUpToDate;
  std::vector<std::string> advisory_ids;  // platform ∪ module ∪ QE (spec §5.5)
  TcbStatus platform_tcb_status = TcbStatus::kUpToDate;
  std::string platform_tcb_level_date;
  TcbStatus qe_tcb_status = TcbStatus::kUpToDate;
  std::vector<std::string> qe_advisory_ids;
  std::string qe_tcb_level_date;
  std::optional<TcbStatus> tdx_module_tcb_status;
  std::vector<std::string> tdx_module_advisory_ids;
  std::optional<std::string> tdx_module_id;
  std::optional<int> tdx_module_matched_isvsvn;
  bool td_relaunch_advised = false;
  uint32_t tcb_evaluation_data_number = 0;     // TCB info
  uint32_t qe_tcb_evaluation_data_number = 0;  // QE identity
  int tcb_info_version = 0;
  int qe_identity_version = 0;
  std::string fmspc;  // upper-case hex
  std::string pceid;  // upper-case hex
  int sgx_type = 0;
  std::optional<PckConfiguration> configuration;
  std::string pck_ca;  // "platform" | "processor"
  bool pck_revocation_checked = true;
  bool is_debuggable = false;
  UnixTime collateral_expiration = 0;
  size_t trailing_bytes = 0;
  CollateralHashes collateral_hashes;

  // The same quote judged by Intel's early TCB info set (DcapOptions::evaluate_early): its
  // status and advisories, or why it could not be judged (`error`, a failure reason).
  struct EarlyTcb {
    std::optional<TcbStatus> tcb_status;
    std::vector<std::string> advisory_ids;
    uint32_t tcb_evaluation_data_number = 0;
    std::string error;
  };
  std::optional<EarlyTcb> early;
  // Where and when the collateral used came from (online sources record it).
  std::vector<collateral::CollateralOrigin> collateral_origins;

  // Field names match `expected` in vectors/*/case.json where they exist.
  nlohmann::json ToJson() const;
};

}  // namespace attest::dcap
