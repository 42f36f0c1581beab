// Shared by the attestctl administration commands (policy get|set|reset|sign, signers):
// connection flags, client construction and error output. Defined in
// policy_admin_command.cc.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <optional>
#include <string>

#include "base/status.h"
#include "client/attestation_client.h"
#include "client/policy_document.h"

namespace attest::cli {

struct AdminConnectionFlags {
  std::string endpoint;
  std::string ca_file;
  std::string bearer;  // else $ATTESTCTL_BEARER
  std::string api_version;
};

struct SignerFlags {
  std::string key_file;
  std::string cert_file;
};

// Adds --endpoint (required), --ca, --bearer, --api-version.
void AddConnectionOptions(CLI::App* cmd, AdminConnectionFlags& flags);
StatusOr<std::unique_ptr<client::AttestationClient>> MakeAdminClient(
    const AdminConnectionFlags& flags);
StatusOr<client::PolicySigner> LoadSigner(const SignerFlags& flags);
// Prints the error envelope on stderr and returns `exit_code` (2 for usage errors).
int AdminFail(const Status& status, int exit_code);

}  // namespace attest::cli
