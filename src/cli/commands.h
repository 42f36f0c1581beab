// attestctl subcommands. Each Register* adds one subcommand to the app; when the command
// runs it stores its process exit status in *exit_code (0 ok, 1 verification/operation
// failed, 2 usage error).
#pragma once

#include <CLI/CLI.hpp>

namespace attest::cli {

void RegisterVerifyCommand(CLI::App& app, int* exit_code);
void RegisterAttestCommand(CLI::App& app, int* exit_code);
void RegisterTokenCommand(CLI::App& app, int* exit_code);
void RegisterPolicyCommand(CLI::App& app, int* exit_code);
// policy sign|get|set|reset; after RegisterPolicyCommand (adds to its `policy`).
void RegisterPolicyAdminCommand(CLI::App& app, int* exit_code);
void RegisterSignersCommand(CLI::App& app, int* exit_code);
// collateral status|fetch|import|export (collateral_command.cc).
void RegisterCollateralCommand(CLI::App& app, int* exit_code);
void RegisterKeysCommand(CLI::App& app, int* exit_code);

}  // namespace attest::cli
