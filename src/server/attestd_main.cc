// attestd: the MAA-compatible attestation service (DESIGN.md). Wires configuration,
// signing key, collateral, verifiers, policy, token issuer and the HTTP(S) server.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <filesystem>
#include <memory>
#include <optional>

#include "api/http_server.h"
#include "api/metrics.h"
#include "api/router.h"
#include "base/time.h"
#include "collateral/offline_dir_provider.h"
#include "server/config.h"
#include "service/attestation_service.h"
#include "service/policy_evaluator.h"
#include "token/signing_key.h"
#include "token/token_issuer.h"

namespace attest::server {
namespace {

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

int Serve(ServerConfig config) {
  if (Status s = FinalizeConfig(config); !s.ok()) return Fail(s);
  auto level = spdlog::level::from_str(config.log_level);
  if (level == spdlog::level::off && config.log_level != "off") {
    return Fail(Status::InvalidArgument("CONFIG_INVALID", "unknown log level " + config.log_level));
  }
  spdlog::set_level(level);
  auto listen = ParseListenAddress(config.listen);
  if (!listen.has_value()) return Fail(listen.error());
  if (Status s = EnsureDataDir(config.data_dir); !s.ok()) return Fail(s);

  auto key = token::SigningKey::LoadOrCreate(config.data_dir, config.base_url);
  if (!key.has_value()) return Fail(key.error());
  spdlog::info("token-signing key {} ({}) kid={}", key->created() ? "created" : "loaded",
               config.data_dir, key->kid());

  std::unique_ptr<collateral::CollateralProvider> collateral;
  if (!config.collateral_dir.empty()) {
    collateral = std::make_unique<collateral::OfflineDirProvider>(config.collateral_dir);
    spdlog::info("collateral: offline directory {}", config.collateral_dir);
  } else {
    spdlog::warn("no --collateral-dir configured: attestation requests will fail with 503 "
                 "(online Intel PCS/PCCS collateral is not implemented yet)");
  }

  service::AttestationServiceOptions options;
  std::optional<FixedClock> collateral_clock;
  if (config.collateral_time.has_value()) {
    auto t = ParseRfc3339(*config.collateral_time);
    if (!t.has_value()) return Fail(t.error().WithContext("--collateral-time"));
    collateral_clock.emplace(*t);
    options.verification_clock = &*collateral_clock;
    options.collateral_time_override = *t;
    spdlog::warn("--collateral-time {}: evidence, collateral and certificates are judged at that "
                 "time, not now; for re-verification and tests only. Tokens keep the real clock "
                 "and carry x-attestd-collateral-time.",
                 FormatRfc3339(*t));
  }
  options.collateral = collateral.get();
  options.verify_options.allow_missing_pck_crl = config.allow_missing_pck_crl;
  if (config.allow_missing_pck_crl) spdlog::warn("PCK CRL checks may be skipped when no CRL exists");

  token::TokenIssuer issuer(*key, config.base_url, SystemClock::Get());
  service::DefaultPolicyEvaluator policy;
  service::AttestationService attestation(std::move(options), policy, issuer);
  api::Metrics metrics;
  api::ApiRouter router(config.base_url, attestation, *key, metrics);

  api::HttpServerOptions http;
  http.host = listen->host;
  http.port = listen->port;
  http.tls = !config.insecure_http;
  http.tls_cert_file = config.tls_cert;
  http.tls_key_file = config.tls_key;
  http.workers = config.workers;
  http.max_body_bytes = config.max_body_bytes;
  auto server = api::HttpServer::Create(
      http, [&router](const api::HttpRequest& r) { return router.Handle(r); });
  if (!server.has_value()) return Fail(server.error());
  if (config.insecure_http) {
    spdlog::warn("--insecure-http: serving plain HTTP; use only on loopback for tests");
  }
  spdlog::info("attestd listening on {}:{} ({}), issuer {}", listen->host, (*server)->port(),
               config.insecure_http ? "http" : "https", config.base_url);
  router.SetReady(true);
  Status run = (*server)->Run([&router] { router.SetReady(false); });
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
  auto* base_url = app.add_option("--base-url", cli.base_url, "public base URL (token issuer)");
  auto* data_dir = app.add_option("--data-dir", cli.data_dir, "directory for the signing key");
  auto* tls_cert = app.add_option("--tls-cert", cli.tls_cert, "TLS certificate chain (PEM)");
  auto* tls_key = app.add_option("--tls-key", cli.tls_key, "TLS private key (PEM)");
  auto* insecure = app.add_flag("--insecure-http", cli.insecure_http,
                                "serve plain HTTP (loopback tests only)");
  auto* collateral_dir = app.add_option("--collateral-dir", cli.collateral_dir,
                                        "Intel collateral folder (vectors/<tee>/<case> layout)");
  auto* collateral_time_opt = app.add_option(
      "--collateral-time", collateral_time,
      "RFC 3339 time at which collateral is judged (re-verification and tests only)");
  auto* allow_missing = app.add_flag("--allow-missing-pck-crl", cli.allow_missing_pck_crl,
                                     "skip the PCK CRL check when no CRL is available");
  auto* log_level = app.add_option("--log-level", cli.log_level,
                                   "trace, debug, info, warn, error, critical, off");
  auto* workers = app.add_option("--workers", cli.workers, "worker threads (0 = one per core)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
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
  if (tls_cert->count()) config.tls_cert = cli.tls_cert;
  if (tls_key->count()) config.tls_key = cli.tls_key;
  if (insecure->count()) config.insecure_http = cli.insecure_http;
  if (collateral_dir->count()) config.collateral_dir = cli.collateral_dir;
  if (collateral_time_opt->count()) config.collateral_time = collateral_time;
  if (allow_missing->count()) config.allow_missing_pck_crl = cli.allow_missing_pck_crl;
  if (log_level->count()) config.log_level = cli.log_level;
  if (workers->count()) config.workers = cli.workers;
  try {
    return attest::server::Serve(std::move(config));
  } catch (const std::exception& e) {
    spdlog::critical("attestd failed: {}", e.what());
    return 1;
  }
}
