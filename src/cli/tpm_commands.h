// attestctl's TPM commands (issue 9): `verify --type tpm` (options added to `verify`),
// `eventlog`, and the TPM client of `attest --type Tpm`.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace attest::cli {

struct TpmVerifyArgs {
  std::string quote;
  std::string signature;
  std::string signature_format = "tpmt";
  std::string ak;
  std::string ak_chain;
  std::string ak_roots;
  std::vector<std::string> pcrs;
  std::string eventlog;
  std::string nonce;
};

// True for the --type names that select the TPM verifier.
bool IsTpmVerifyType(std::string_view type);
// Adds the TPM options to `attestctl verify`.
std::shared_ptr<TpmVerifyArgs> AddTpmVerifyOptions(CLI::App* verify);
// Runs `verify --type tpm`; `at` is verify's --at (RFC 3339, empty = now). Exit status as
// commands.h.
int RunTpmVerify(const TpmVerifyArgs& args, const std::string& at);

void RegisterEventlogCommand(CLI::App& app, int* exit_code);

struct TpmAttestArgs {
  std::string endpoint;  // filled from `attest`'s --endpoint
  std::string ca_file;   // filled from `attest`'s --ca
  std::string tcti;
  std::string bearer;
  std::string eventlog;
  std::string dump_dir;
  std::string challenge;        // round 1's answer given: round 1 is skipped
  std::string service_context;
  bool print_request = false;   // print the round-2 message instead of sending it
  std::string pcrs;             // `attest`'s --pcrs when given; empty: all 24
};

// "0,1,7" -> {0, 1, 7}; USAGE unless a non-empty comma-separated list of 0-23.
StatusOr<std::vector<uint32_t>> ParsePcrList(const std::string& text);

// True for the --type names of MAA's TPM protocol ("Tpm").
bool IsTpmAttestType(std::string_view type);
// Adds --tcti, --bearer, --eventlog, --dump-dir to `attestctl attest`.
std::shared_ptr<TpmAttestArgs> AddTpmAttestOptions(CLI::App* attest);
// Runs the /attest/Tpm exchange against the TPM at args.tcti.
int RunTpmAttest(const TpmAttestArgs& args);

struct AzureGuestArgs {
  std::string endpoint;  // filled from `attest`'s options
  std::string ca_file;
  std::string api_version;
  std::string cert_chain;
  std::string tcti;
  std::string eventlog;
  bool print_request = false;
  std::vector<std::string> client_payload;  // KEY=VALUE
  std::string pcrs = "0,1,2,3,4,5,6,7";
  bool unbound_key = false;
};

// True for the --type names of Azure guest attestation ("AzureGuest").
bool IsAzureGuestType(std::string_view type);
// Adds --client-payload, --pcrs, --unbound-key to `attestctl attest` (it shares --tcti,
// --eventlog, --print-request with the Tpm client and --cert-chain with SevSnpVm).
std::shared_ptr<AzureGuestArgs> AddAzureGuestAttestOptions(CLI::App* attest);
// Runs the /attest/AzureGuest exchange (azure_guest_command.cc).
int RunAzureGuestAttest(const AzureGuestArgs& args);
// `attestctl azure-cvm simulate`.
void RegisterAzureCvmCommand(CLI::App& app, int* exit_code);

}  // namespace attest::cli
