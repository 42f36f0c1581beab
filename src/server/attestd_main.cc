// attestd: the MAA-compatible attestation service (DESIGN.md). Wires configuration,
// signing key, collateral, verifiers, policy, token issuer and the HTTP(S) server.
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/http_server.h"
#include "api/metrics.h"
#include "api/router.h"
#include "base/file.h"
#include "evidence/trust_anchors.h"
#include "base/reasons.h"
#include "base/time.h"
#include "client/endpoint_url.h"
#include "client/http_transport.h"
#include "collateral/offline_dir_provider.h"
#include "collateral/provider_wrappers.h"
#include "crypto/x509.h"
#include "server/collateral_setup.h"
#include "server/config.h"
#include "server/provider_command.h"
#include "server/provider_stack.h"
#include "server/tpm_setup.h"
#include "service/attestation_service.h"
#include "service/bearer_authenticator.h"
#include "service/key_encryption.h"
#include "service/management_jws.h"
#include "service/policy_service.h"
#include "service/stored_policy_evaluator.h"
#include "service/token_keys.h"
#include "store/open_store.h"
#include "store/replica_store.h"
#include "store/store.h"
#include "token/key_ring.h"
#include "token/signing_key.h"
#include "token/token_issuer.h"

namespace attest::server {
namespace {

// `test_trust_anchors` (server/config.h): appended to the production anchors.
Status AddTestTrustAnchors(const std::string& file, evidence::TrustAnchors& anchors) {
  auto text = ReadFileText(file, 64 * 1024);
  if (!text.has_value()) return text.error().WithContext("test_trust_anchors");
  return evidence::AppendTestAnchors(*text, anchors);
}

Status EnsureDataDir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::Internal("cannot create data directory " + dir + ": " + ec.message());
  ::chmod(dir.c_str(), 0700);
  return Status::Ok();
}

int Fail(const Status& status) {
  spdlog::critical("attestd cannot start: {}", status.ToString());
  return 1;
}

// The JWK Set of the bearer-token issuer: a file, or fetched once at start-up from an
// https:// URL (a CA bundle for it comes from the system store).
StatusOr<std::string> LoadJwks(const std::string& source) {
  constexpr size_t kMaxJwksBytes = 1 << 20;
  if (!source.starts_with("https://") && !source.starts_with("http://")) {
    return ReadFileText(source, kMaxJwksBytes);
  }
  size_t path_start = source.find('/', source.find("://") + 3);
  std::string base = path_start == std::string::npos ? source : source.substr(0, path_start);
  std::string path = path_start == std::string::npos ? "/" : source.substr(path_start);
  ATTEST_ASSIGN_OR_RETURN(client::EndpointUrl url, client::ParseEndpointUrl(base));
  client::TransportOptions options;
  options.max_response_bytes = kMaxJwksBytes;
  ATTEST_ASSIGN_OR_RETURN(auto transport, client::HttpTransport::Create(url, options));
  client::HttpRequest request;
  request.target = path;
  ATTEST_ASSIGN_OR_RETURN(client::HttpResponse response, transport->Send(request));
  if (response.status != 200) {
    return Err(Status::Unavailable(
        reason::kAuthConfigInvalid,
        "fetching " + source + " answered HTTP " + std::to_string(response.status)));
  }
  return response.body;
}

struct InitOptions {
  std::string data_dir = "var/attestd";
  std::string store;  // empty: SQLite in data_dir
  std::string base_url;
  std::string mode;
  std::vector<std::string> signer_files;
};

// attestd init: creates the provider (base URL, mode, initial policy-management
// certificates) in the data directory's store (maa-service-behaviour.md §1).
int Init(const InitOptions& init) {
  auto mode = store::ParseProviderMode(init.mode);
  if (!mode.has_value()) return Fail(mode.error());
  if (init.base_url.empty()) {
    return Fail(Status::InvalidArgument(reason::kConfigInvalid, "--base-url is required"));
  }
  std::string base_url = init.base_url;
  while (base_url.ends_with('/')) base_url.pop_back();
  if (*mode == store::ProviderMode::kIsolated && init.signer_files.empty()) {
    return Fail(Status::InvalidArgument(
        reason::kConfigInvalid, "--mode isolated requires at least one --policy-signer CERT.pem"));
  }
  auto signers = LoadSignerFiles(init.signer_files, "attestd init");
  if (!signers.has_value()) return Fail(signers.error());
  if (Status s = EnsureDataDir(init.data_dir); !s.ok()) return Fail(s);
  auto db = store::OpenConfiguredStore(init.store, init.data_dir);
  if (!db.has_value()) return Fail(db.error());
  store::Provider provider{std::string(store::kDefaultProviderId), base_url, *mode,
                           SystemClock::Get().Now()};
  if (Status s = (*db)->CreateProvider(provider, *signers); !s.ok()) return Fail(s);
  std::printf("initialised provider '%s' (%s mode, %zu policy-management certificate(s)) at %s\n",
              provider.id.c_str(), std::string(store::ProviderModeName(*mode)).c_str(),
              signers->size(), base_url.c_str());
  return 0;
}

int Serve(ServerConfig config) {
  if (Status s = FinalizeConfig(config); !s.ok()) return Fail(s);
  auto level = spdlog::level::from_str(config.log_level);
  if (level == spdlog::level::off && config.log_level != "off") {
    return Fail(
        Status::InvalidArgument(reason::kConfigInvalid, "unknown log level " + config.log_level));
  }
  spdlog::set_level(level);
  auto listen = ParseListenAddress(config.listen);
  if (!listen.has_value()) return Fail(listen.error());
  if (Status s = EnsureDataDir(config.data_dir); !s.ok()) return Fail(s);

  // Token-signing keys live in the store when a KEK is configured (shared by replicas,
  // rotatable), else in a key file per provider (the default provider's in data_dir).
  const char* kek_env = std::getenv(std::string(service::kKekEnvironmentVariable).c_str());
  const bool keys_in_store =
      !config.token_key_kek_file.empty() || (kek_env != nullptr && *kek_env != '\0');

  service::AttestationServiceOptions options;
  std::optional<FixedClock> collateral_clock;
  if (config.collateral_time.has_value()) {
    auto t = ParseRfc3339(*config.collateral_time);
    if (!t.has_value()) return Fail(t.error().WithContext("--collateral-time"));
    collateral_clock.emplace(*t);
    options.verification_clock = &*collateral_clock;
    options.collateral_time_override = *t;
    spdlog::warn(
        "--collateral-time {}: evidence, collateral and certificates are judged at that "
        "time, not now; for re-verification and tests only. Tokens keep the real clock "
        "and carry x-attestd-collateral-time.",
        FormatRfc3339(*t));
  }
  if (!config.test_trust_anchors.empty()) {
    if (Status s = AddTestTrustAnchors(config.test_trust_anchors, options.verifiers.anchors);
        !s.ok()) {
      return Fail(s);
    }
    spdlog::warn("test_trust_anchors {}: test AMD roots are trusted (loopback tests only)",
                 config.test_trust_anchors);
  }
  // Collateral is checked against the same roots as the evidence.
  auto collateral = CollateralSetup::Build(
      config,
      collateral_clock.has_value() ? static_cast<const Clock&>(*collateral_clock)
                                   : SystemClock::Get(),
      options.verifiers.anchors);
  if (!collateral.has_value()) return Fail(collateral.error());
  if ((*collateral)->provider() == nullptr) {
    spdlog::warn("no collateral source configured: attestation requests will fail with 503");
  }
  options.collateral = (*collateral)->provider();
  options.verifiers.dcap.allow_missing_pck_crl = config.allow_missing_pck_crl;
  const bool tpm_key_from_kek = keys_in_store && config.tpm_context_key.empty();
  if (Status s = ConfigureTpm(config, tpm_key_from_kek, options.verifiers.tpm); !s.ok()) {
    return Fail(s);
  }
  options.verifiers.dcap.tcb_update = config.online_collateral.tcb_update == "early"
                                          ? collateral::TcbUpdate::kEarly
                                          : collateral::TcbUpdate::kStandard;
  options.verifiers.dcap.evaluate_early = config.online_collateral.evaluate_early;
  if (config.allow_missing_pck_crl) {
    spdlog::warn("PCK CRL checks may be skipped when no CRL exists");
  }

  // The server does not listen (so /ready is not true) until the store is open and the keys
  // are loaded; a replica started before its database waits for it.
  constexpr int kStoreWaitSeconds = 120;
  auto opened = store::OpenConfiguredStore(
      config.store, config.data_dir, kStoreWaitSeconds,
      [](const Status& s) { spdlog::warn("waiting for the store: {}", s.ToString()); });
  if (!opened.has_value()) return Fail(opened.error());
  spdlog::info("store: {}", config.store.empty() ? "SQLite in " + config.data_dir : "PostgreSQL");
  std::unique_ptr<store::Store> db(std::make_unique<store::ReplicaStore>(
      std::move(*opened),
      store::ReplicaStoreOptions{
          .refresh_interval = std::chrono::milliseconds(config.policy_refresh_ms),
          .max_staleness = std::chrono::seconds(config.policy_max_staleness_seconds)}));
  const std::string provider_id(store::kDefaultProviderId);
  auto provider = db->GetProvider(provider_id);
  if (!provider.has_value()) return Fail(provider.error());
  std::optional<Bytes> kek;
  if (keys_in_store) {
    auto loaded = service::LoadKek(config.token_key_kek_file, kek_env);
    if (!loaded.has_value()) return Fail(loaded.error());
    kek.emplace(std::move(*loaded));
  }
  if (provider->has_value()) {
    spdlog::info("provider '{}': {} mode, initialised with base URL {}", provider_id,
                 store::ProviderModeName((*provider)->mode), (*provider)->base_url);
    if ((*provider)->base_url != config.base_url) {
      spdlog::warn("the configured base URL {} differs from the provider's {}; tokens use {}",
                   config.base_url, (*provider)->base_url, config.base_url);
    }
  } else {
    spdlog::warn(
        "no provider initialised in {}: default policies only, policy management "
        "refused (run attestd init --mode aad|isolated)",
        config.data_dir);
  }
  std::optional<service::BearerAuthenticator> authenticator;
  if (!config.aad_issuer.empty() || !config.aad_jwks.empty()) {
    if (config.aad_issuer.empty() || config.aad_jwks.empty()) {
      return Fail(Status::InvalidArgument(reason::kConfigInvalid,
                                          "aad_issuer and aad_jwks must be configured together"));
    }
    auto jwks = LoadJwks(config.aad_jwks);
    if (!jwks.has_value()) return Fail(jwks.error().WithContext("aad_jwks"));
    service::BearerAuthOptions auth;
    auth.issuer = config.aad_issuer;
    auth.audience = config.aad_audience;
    auth.roles_claim = config.aad_roles_claim;
    auth.reader_role = config.aad_reader_role;
    auth.writer_role = config.aad_writer_role;
    auth.tpm_attest_role = config.aad_tpm_role;
    auto created = service::BearerAuthenticator::Create(auth, *jwks, SystemClock::Get());
    if (!created.has_value()) return Fail(created.error());
    authenticator.emplace(std::move(*created));
    spdlog::info("management bearer tokens: issuer {}, audience {}, roles claim '{}' ({} / {})",
                 auth.issuer, auth.audience.empty() ? "(not checked)" : auth.audience,
                 auth.roles_claim, auth.reader_role, auth.writer_role);
  } else {
    spdlog::warn("no aad_issuer/aad_jwks configured: every policy-management call answers 401");
  }

  api::Metrics metrics;
  if (auto* online = (*collateral)->online(); online != nullptr) {
    metrics.AddSource([online] { return online->RenderPrometheus(); });
  }
  ProviderDeployment deployment;
  deployment.db = db.get();
  deployment.attestation = &options;
  deployment.metrics = &metrics;
  deployment.authenticator = authenticator.has_value() ? &*authenticator : nullptr;
  deployment.kek = std::move(kek);
  deployment.tpm_context_key_from_kek = tpm_key_from_kek;
  deployment.data_dir = config.data_dir;
  deployment.key_retention_seconds = config.token_key_retention_seconds;
  deployment.key_refresh = std::chrono::seconds(config.token_key_refresh_seconds);
  // The default provider: the configuration's base URL, its key file in data_dir.
  auto default_stack =
      ProviderStack::Create(deployment, provider_id, config.base_url, config.data_dir);
  if (!default_stack.has_value()) return Fail(default_stack.error());
  std::shared_ptr<ProviderStack> default_provider(std::move(*default_stack));
  spdlog::info("provider '{}': signing with kid={}", provider_id, default_provider->signing_kid());
  api::ApiRouter& process_router = default_provider->router();
  process_router.SetReady(false);  // the process's readiness: true once listening
  api::ProviderRouter router(&process_router);
  // Other providers (attestd provider create) are served at their own base URLs.
  ProviderRegistry providers(deployment, router, default_provider,
                             std::chrono::seconds(config.provider_refresh_seconds));
  if (Status s = providers.Refresh(); !s.ok()) return Fail(s);
  providers.Start();

  api::HttpServerOptions http;
  http.host = listen->host;
  http.port = listen->port;
  http.tls = !config.insecure_http;
  http.tls_cert_file = config.tls_cert;
  http.tls_key_file = config.tls_key;
  http.workers = config.workers;
  http.max_body_bytes = config.max_body_bytes;
  http.request_deadline = std::chrono::seconds(config.request_deadline_seconds);
  http.max_connections_per_source = config.max_connections_per_source;
  auto server = api::HttpServer::Create(
      http, [&router](const api::HttpRequest& r) { return router.Handle(r); },
      &api::ProviderRouter::RunsInline);
  if (!server.has_value()) return Fail(server.error());
  if (config.insecure_http) {
    spdlog::warn("--insecure-http: serving plain HTTP; use only on loopback for tests");
  }
  spdlog::info("attestd listening on {}:{} ({}), issuer {}", listen->host, (*server)->port(),
               config.insecure_http ? "http" : "https", config.base_url);
  process_router.SetReady(true);
  Status run = (*server)->Run([&process_router] { process_router.SetReady(false); });
  if (!run.ok()) return Fail(run);
  spdlog::info("attestd stopped");
  return 0;
}

}  // namespace
}  // namespace attest::server

int main(int argc, char** argv) {
  using attest::server::ServerConfig;
  CLI::App app{"attestd: MAA-compatible remote-attestation service"};
  std::string config_file;
  ServerConfig cli;
  std::string collateral_time;
  app.add_option("--config", config_file, "TOML configuration file")->check(CLI::ExistingFile);
  auto* listen = app.add_option("--listen", cli.listen, "HOST:PORT to listen on");
  auto* store_url =
      app.add_option("--store", cli.store, "postgres:// URL of the shared store (default: SQLite)");
  auto* base_url = app.add_option("--base-url", cli.base_url, "public base URL (token issuer)");
  auto* data_dir = app.add_option("--data-dir", cli.data_dir, "directory for the signing key");
  auto* kek_file = app.add_option("--token-key-kek-file", cli.token_key_kek_file,
                                  "KEK (64 hex digits, mode 0600): token keys in the store");
  auto* tls_cert = app.add_option("--tls-cert", cli.tls_cert, "TLS certificate chain (PEM)");
  auto* tls_key = app.add_option("--tls-key", cli.tls_key, "TLS private key (PEM)");
  auto* insecure =
      app.add_flag("--insecure-http", cli.insecure_http, "serve plain HTTP (loopback tests only)");
  auto* collateral_dir = app.add_option("--collateral-dir", cli.collateral_dir,
                                        "Intel collateral folder (vectors/<tee>/<case> layout)");
  auto* test_anchors = app.add_option("--test-trust-anchors", cli.test_trust_anchors,
                                      "test-only vendor roots (loopback listeners only)");
  auto* collateral_time_opt = app.add_option(
      "--collateral-time", collateral_time,
      "RFC 3339 time at which collateral is judged (re-verification and tests only)");
  auto* allow_missing = app.add_flag("--allow-missing-pck-crl", cli.allow_missing_pck_crl,
                                     "skip the PCK CRL check when no CRL is available");
  auto* log_level = app.add_option("--log-level", cli.log_level,
                                   "trace, debug, info, warn, error, critical, off");
  auto* workers = app.add_option("--workers", cli.workers, "worker threads (0 = one per core)");
  auto* deadline = app.add_option("--request-deadline", cli.request_deadline_seconds,
                                  "seconds a request may queue and run before 503 (1-600)")
                       ->check(CLI::Range(1, 600));
  auto* per_source = app.add_option("--max-connections-per-source", cli.max_connections_per_source,
                                    "connections one client address may hold (0 = automatic)");
  auto* aad_issuer =
      app.add_option("--aad-issuer", cli.aad_issuer, "issuer (iss) of management bearer tokens");
  auto* aad_jwks = app.add_option("--aad-jwks", cli.aad_jwks,
                                  "JWK Set of the bearer-token issuer: FILE or https URL");
  auto* aad_audience = app.add_option("--aad-audience", cli.aad_audience,
                                      "required aud of bearer tokens (default: not checked)");
  auto* aad_roles_claim = app.add_option("--aad-roles-claim", cli.aad_roles_claim,
                                         "claim holding the caller's roles (default roles)");
  auto* aad_reader_role = app.add_option("--aad-reader-role", cli.aad_reader_role,
                                         "role granting policy reads (AttestationPolicy.Read)");
  auto* aad_writer_role = app.add_option("--aad-writer-role", cli.aad_writer_role,
                                         "role granting policy changes (AttestationPolicy.Write)");

  auto* pcs_url = app.add_option("--pcs-url", cli.online_collateral.pcs_url,
                                 "Intel PCS v4 / PCCS base URL (online Intel collateral)");
  auto* kds_url = app.add_option("--kds-url", cli.online_collateral.kds_url,
                                 "AMD KDS base URL (online AMD collateral)");
  auto* collateral_ca = app.add_option("--collateral-ca", cli.online_collateral.ca_file,
                                       "PEM CAs trusted for the collateral sources (e.g. PCCS)")
                            ->check(CLI::ExistingFile);
  auto* collateral_bundle = app.add_option(
      "--collateral-bundle", cli.online_collateral.bundle,
      "collateral bundle (directory or tar) to check and import at start (air-gapped)");

  attest::server::InitOptions init;
  CLI::App* init_cmd = app.add_subcommand(
      "init", "initialise the attestation provider: base URL, mode and policy signers");
  init_cmd->add_option("--data-dir", init.data_dir, "data directory")->required();
  init_cmd->add_option("--store", init.store, "postgres:// URL of a shared store (default SQLite)");
  init_cmd->add_option("--base-url", init.base_url, "public base URL (token issuer)")->required();
  init_cmd->add_option("--mode", init.mode, "aad or isolated")
      ->required()
      ->check(CLI::IsMember({"aad", "isolated"}));
  init_cmd
      ->add_option("--policy-signer", init.signer_files,
                   "policy-management certificate (PEM); repeatable; isolated needs >= 1")
      ->check(CLI::ExistingFile);
  attest::server::ProviderCommandOptions provider_options;
  attest::server::ProviderCommands provider_cmds =
      attest::server::AddProviderCommands(app, provider_options);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  if (init_cmd->parsed()) return attest::server::Init(init);
  if (provider_cmds.create->parsed() || provider_cmds.list->parsed() ||
      provider_cmds.remove->parsed()) {
    return attest::server::RunProviderCommand(provider_cmds, provider_options);
  }

  ServerConfig config;
  if (!config_file.empty()) {
    if (attest::Status s = attest::server::LoadConfigFile(config_file, config); !s.ok()) {
      spdlog::critical("{}", s.ToString());
      return 1;
    }
  }
  // Command-line options given explicitly override the file.
  if (listen->count()) config.listen = cli.listen;
  if (base_url->count()) config.base_url = cli.base_url;
  if (data_dir->count()) config.data_dir = cli.data_dir;
  if (store_url->count()) config.store = cli.store;
  if (kek_file->count()) config.token_key_kek_file = cli.token_key_kek_file;
  if (tls_cert->count()) config.tls_cert = cli.tls_cert;
  if (tls_key->count()) config.tls_key = cli.tls_key;
  if (insecure->count()) config.insecure_http = cli.insecure_http;
  if (collateral_dir->count()) config.collateral_dir = cli.collateral_dir;
  if (collateral_time_opt->count()) config.collateral_time = collateral_time;
  if (test_anchors->count()) config.test_trust_anchors = cli.test_trust_anchors;
  if (allow_missing->count()) config.allow_missing_pck_crl = cli.allow_missing_pck_crl;
  if (log_level->count()) config.log_level = cli.log_level;
  if (workers->count()) config.workers = cli.workers;
  if (deadline->count()) config.request_deadline_seconds = cli.request_deadline_seconds;
  if (per_source->count()) config.max_connections_per_source = cli.max_connections_per_source;
  if (aad_issuer->count()) config.aad_issuer = cli.aad_issuer;
  if (aad_jwks->count()) config.aad_jwks = cli.aad_jwks;
  if (aad_audience->count()) config.aad_audience = cli.aad_audience;
  if (aad_roles_claim->count()) config.aad_roles_claim = cli.aad_roles_claim;
  if (aad_reader_role->count()) config.aad_reader_role = cli.aad_reader_role;
  if (aad_writer_role->count()) config.aad_writer_role = cli.aad_writer_role;
  if (pcs_url->count()) config.online_collateral.pcs_url = cli.online_collateral.pcs_url;
  if (kds_url->count()) config.online_collateral.kds_url = cli.online_collateral.kds_url;
  if (collateral_ca->count()) config.online_collateral.ca_file = cli.online_collateral.ca_file;
  if (collateral_bundle->count()) config.online_collateral.bundle = cli.online_collateral.bundle;
  try {
    return attest::server::Serve(std::move(config));
  } catch (const std::exception& e) {
    spdlog::critical("attestd failed: {}", e.what());
    return 1;
  }
}
