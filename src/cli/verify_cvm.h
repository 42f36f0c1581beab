// attestctl verify --type azure-cvm: the Azure CVM flags and run (verify_command.cc
// dispatches; the vTPM quote flags are the TPM ones, tpm_commands.h).
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "cli/tpm_commands.h"

namespace attest::cli {

struct CvmVerifyArgs {
  std::string hcl_report;
  std::string td_quote;
  std::string ak_cert;
};

// True for the --type names that select the Azure CVM verifier ("azure-cvm").
bool IsCvmVerifyType(std::string_view type);
// Adds --hcl-report, --td-quote and --ak-cert to `attestctl verify`.
std::shared_ptr<CvmVerifyArgs> AddCvmVerifyOptions(CLI::App* verify);
// Runs `verify --type azure-cvm`. `signature_format_given`: --signature-format was on the
// command line (otherwise the signature's form is recognised). Exit status as commands.h.
int RunCvmVerify(const CvmVerifyArgs& args, const TpmVerifyArgs& tpm, bool signature_format_given,
                 const std::string& collateral, const std::string& at);

}  // namespace attest::cli
