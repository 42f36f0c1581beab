#include "server/provider_command.h"

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>

#include "base/file.h"
#include "base/reasons.h"
#include "base/time.h"
#include "client/endpoint_url.h"
#include "crypto/x509.h"
#include "server/provider_stack.h"
#include "service/management_jws.h"
#include "store/open_store.h"

namespace attest::server {
namespace {

int Fail(const Status& status) {
  std::fprintf(stderr, "attestd provider: %s\n", status.ToString().c_str());
  return 1;
}

StatusOr<std::unique_ptr<store::Store>> OpenStore(const ProviderCommandOptions& options) {
  if (options.store.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(options.data_dir, ec);
    if (ec) {
      return Err(Status::Internal("cannot create data directory " + options.data_dir + ": " +
                                  ec.message()));
    }
    ::chmod(options.data_dir.c_str(), 0700);
  }
  return store::OpenConfiguredStore(options.store, options.data_dir);
}

int Create(const ProviderCommandOptions& options) {
  if (Status s = CheckProviderName(options.name); !s.ok()) return Fail(s);
  if (options.name == store::kDefaultProviderId) {
    return Fail(Status::InvalidArgument(
        reason::kConfigInvalid,
        "'default' is the provider of attestd's own configuration: use attestd init"));
  }
  auto mode = store::ParseProviderMode(options.mode);
  if (!mode.has_value()) return Fail(mode.error());
  // The base URL is the issuer and the route: normalised as clients send it.
  auto route = RouteOfBaseUrl(options.name, options.base_url);
  if (!route.has_value()) return Fail(route.error().WithContext("--base-url"));
  auto url = client::ParseEndpointUrl(options.base_url);
  if (!url.has_value()) return Fail(url.error().WithContext("--base-url"));
  if (*mode == store::ProviderMode::kIsolated && options.signer_files.empty()) {
    return Fail(Status::InvalidArgument(
        reason::kConfigInvalid, "--mode isolated requires at least one --policy-signer CERT.pem"));
  }
  auto signers = LoadSignerFiles(options.signer_files, "attestd provider create");
  if (!signers.has_value()) return Fail(signers.error());
  auto db = OpenStore(options);
  if (!db.has_value()) return Fail(db.error());
  auto existing = (*db)->ListProviders();
  if (!existing.has_value()) return Fail(existing.error());
  for (const store::Provider& p : *existing) {
    auto other = RouteOfBaseUrl(p.id, p.base_url);
    if (other.has_value() && other->host == route->host && other->port == route->port &&
        other->path_prefix == route->path_prefix && p.id != options.name) {
      return Fail(Status::FailedPrecondition(
          reason::kProviderExists, "provider '" + p.id + "' already has the base URL " +
                                       p.base_url +
                                       "; each provider needs its own host (or path prefix)"));
    }
  }
  store::Provider provider{options.name, url->base, *mode, SystemClock::Get().Now()};
  if (Status s = (*db)->CreateProvider(provider, *signers); !s.ok()) return Fail(s);
  std::printf("created provider '%s' (%s mode, %zu policy-management certificate(s)) at %s\n",
              provider.id.c_str(), std::string(store::ProviderModeName(*mode)).c_str(),
              signers->size(), provider.base_url.c_str());
  return 0;
}

int List(const ProviderCommandOptions& options) {
  auto db = OpenStore(options);
  if (!db.has_value()) return Fail(db.error());
  auto providers = (*db)->ListProviders();
  if (!providers.has_value()) return Fail(providers.error());
  std::printf("%-24s %-9s %-21s %s\n", "NAME", "MODE", "CREATED", "BASE URL");
  for (const store::Provider& p : *providers) {
    std::printf("%-24s %-9s %-21s %s\n", p.id.c_str(),
                std::string(store::ProviderModeName(p.mode)).c_str(),
                FormatRfc3339(p.created_at).c_str(), p.base_url.c_str());
  }
  return 0;
}

int Delete(const ProviderCommandOptions& options) {
  if (Status s = CheckProviderName(options.name); !s.ok()) return Fail(s);
  if (options.name == store::kDefaultProviderId) {
    return Fail(Status::InvalidArgument(
        reason::kConfigInvalid, "the default provider is attestd's own and cannot be deleted"));
  }
  auto db = OpenStore(options);
  if (!db.has_value()) return Fail(db.error());
  if (Status s = (*db)->DeleteProvider(options.name); !s.ok()) return Fail(s);
  std::printf("deleted provider '%s' with its policies, signer certificates and token keys\n",
              options.name.c_str());
  return 0;
}

}  // namespace

StatusOr<std::vector<store::SignerRecord>> LoadSignerFiles(const std::vector<std::string>& files,
                                                           std::string_view added_by) {
  std::vector<store::SignerRecord> signers;
  for (const std::string& file : files) {
    ATTEST_ASSIGN_OR_RETURN(std::string pem, ReadFileText(file, 1 << 20));
    auto certs = crypto::Certificate::ParsePemChain(pem);
    if (!certs.has_value()) return Err(certs.error().WithContext(file));
    for (const crypto::Certificate& cert : *certs) {
      signers.push_back({service::CertificateThumbprint(cert), cert.der(), std::string(added_by),
                         SystemClock::Get().Now()});
    }
  }
  return signers;
}

Status CheckProviderName(std::string_view name) {
  bool ok = !name.empty() && name.size() <= 63 && name.front() != '-';
  for (char c : name) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-');
  }
  if (ok) return Status::Ok();
  return Status::InvalidArgument(reason::kConfigInvalid,
                                 "provider names are 1-63 characters of a-z, 0-9 and '-', not "
                                 "starting with '-'");
}

ProviderCommands AddProviderCommands(CLI::App& app, ProviderCommandOptions& options) {
  CLI::App* provider = app.add_subcommand(
      "provider", "attestation providers of this deployment (each its own base URL and issuer)");
  provider->require_subcommand(1);
  ProviderCommands commands;
  auto store_options = [&options](CLI::App* cmd) {
    cmd->add_option("--data-dir", options.data_dir, "data directory (SQLite store)");
    cmd->add_option("--store", options.store, "postgres:// URL of a shared store");
  };
  commands.create =
      provider->add_subcommand("create",
                               "create a provider; replicas serve it at its base URL within "
                               "provider_refresh_seconds");
  store_options(commands.create);
  commands.create->add_option("--name", options.name, "provider name (a-z, 0-9, -)")->required();
  commands.create
      ->add_option("--base-url", options.base_url,
                   "public base URL: the issuer, and the Host (and path prefix) it is served at")
      ->required();
  commands.create->add_option("--mode", options.mode, "aad or isolated")
      ->required()
      ->check(CLI::IsMember({"aad", "isolated"}));
  commands.create
      ->add_option("--policy-signer", options.signer_files,
                   "policy-management certificate (PEM); repeatable; isolated needs >= 1")
      ->check(CLI::ExistingFile);
  commands.list = provider->add_subcommand("list", "list the providers");
  store_options(commands.list);
  commands.remove = provider->add_subcommand(
      "delete", "delete a provider with its policies, signer certificates and token keys");
  store_options(commands.remove);
  commands.remove->add_option("--name", options.name, "provider name")->required();
  return commands;
}

int RunProviderCommand(const ProviderCommands& commands, const ProviderCommandOptions& options) {
  if (commands.create->parsed()) return Create(options);
  if (commands.list->parsed()) return List(options);
  if (commands.remove->parsed()) return Delete(options);
  return Fail(Status::InvalidArgument(reason::kConfigInvalid, "no provider sub-command"));
}

}  // namespace attest::server
