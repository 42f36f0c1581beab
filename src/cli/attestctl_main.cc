// attestctl: the attestd command-line tool.
#include <cstdio>

#include "cli/commands.h"
#include "cli/tpm_commands.h"

int main(int argc, char** argv) {
  CLI::App app{"attestctl - verify attestation evidence, call an attestd server, manage policies"};
  app.require_subcommand(1);
  int exit_code = 0;
  attest::cli::RegisterVerifyCommand(app, &exit_code);
  attest::cli::RegisterAttestCommand(app, &exit_code);
  attest::cli::RegisterTokenCommand(app, &exit_code);
  attest::cli::RegisterPolicyCommand(app, &exit_code);
  attest::cli::RegisterPolicyAdminCommand(app, &exit_code);
  attest::cli::RegisterSignersCommand(app, &exit_code);
  attest::cli::RegisterEventlogCommand(app, &exit_code);
  attest::cli::RegisterCollateralCommand(app, &exit_code);
  attest::cli::RegisterKeysCommand(app, &exit_code);
  attest::cli::RegisterAzureCvmCommand(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;  // usage errors exit 2
  }
  return exit_code;
}
