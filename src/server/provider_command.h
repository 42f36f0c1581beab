// `attestd provider create|list|delete` (issue 12 item 3): the attestation providers of a
// deployment, in its store (SQLite in --data-dir, or --store postgres://...). Every replica
// serves a provider created here within provider_refresh_seconds, at its base URL.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/store.h"

namespace attest::server {

struct ProviderCommandOptions {
  std::string data_dir = "var/attestd";
  std::string store;  // empty: SQLite in data_dir
  std::string name;
  std::string base_url;
  std::string mode;
  std::vector<std::string> signer_files;
};

// The certificates of PEM files (each may hold a chain) as signer records.
StatusOr<std::vector<store::SignerRecord>> LoadSignerFiles(const std::vector<std::string>& files,
                                                           std::string_view added_by);

// Provider ids: 1-63 of [a-z0-9-], starting with a letter or digit (a DNS label, as MAA's
// instance names). Reason CONFIG_INVALID.
Status CheckProviderName(std::string_view name);

struct ProviderCommands {
  CLI::App* create = nullptr;
  CLI::App* list = nullptr;
  CLI::App* remove = nullptr;
};
ProviderCommands AddProviderCommands(CLI::App& app, ProviderCommandOptions& options);
// Runs the parsed sub-command; the process exit code.
int RunProviderCommand(const ProviderCommands& commands, const ProviderCommandOptions& options);

}  // namespace attest::server
