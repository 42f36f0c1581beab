// attestctl verify --type sevsnp: the SEV-SNP flags and run (verify_command.cc dispatches).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace attest::cli {

struct SnpVerifyArgs {
  std::string evidence;      // raw report, or the MAA report document (JSON, or its base64url)
  std::string collateral;    // chain directory (optional when the document carries the chain)
  std::string at;            // RFC 3339
  std::string runtime_data;  // SHA-256 must equal REPORT_DATA[0:32]
  bool runtime_data_json = false;
  std::string init_time_data;   // SHA-256 must equal HOST_DATA
  std::string uvm_endorsement;  // COSE_Sign1 UVM endorsement (ACI)
};

// Adds --init-time-data and --uvm-endorsement to `cmd` (the other flags are verify's own).
void AddSnpVerifyOptions(CLI::App* cmd, SnpVerifyArgs* args);

// Same output contract as attestctl verify: {"valid":true,"claims":{...}} exit 0,
// {"valid":false,"error":{...}} exit 1, usage errors exit 2.
int RunVerifySnp(const SnpVerifyArgs& args);

}  // namespace attest::cli
