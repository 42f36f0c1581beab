#include "server/config.h"

#include <limits>

#include <toml++/toml.h>

#include <exception>
#include <set>

#include "base/file.h"
#include "base/reasons.h"

namespace attest::server {
namespace {

// ATTEST_RETURN_IF_ERROR yields a StatusOr error; these functions return a plain Status.
#define CONFIG_RETURN_IF_ERROR(expr)       \
  do {                                     \
    ::attest::Status config_s_ = (expr);   \
    if (!config_s_.ok()) return config_s_; \
  } while (false)

constexpr size_t kMaxConfigBytes = 1024 * 1024;

Status Invalid(std::string message) {
  return Status::InvalidArgument(reason::kConfigInvalid, std::move(message));
}

template <typename T>
Status Read(const toml::table& table, std::string_view key, T& out) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return Status::Ok();
  std::optional<T> v = node->value<T>();
  if (!v.has_value()) return Invalid("config key '" + std::string(key) + "' has the wrong type");
  out = *v;
  return Status::Ok();
}

bool IsBareKeyChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

// attestd's settings are all top-level scalars, so the file is held to a strict subset of TOML
// before toml++ sees it: blank lines, comments, `[bare-name]` table headers, and `key = value`
// with a bare key and a one-line string, an integer or a boolean. toml++ 3.3 trips its own
// assertions (undefined behaviour in release builds) on some malformed headers, arrays and
// dates (found by fuzz/toml_config_fuzz); none of those constructs is needed here.
Status CheckConfigSubset(std::string_view text) {
  size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    auto skip_ws = [&] {
      while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    };
    auto bad = [&](std::string_view what) {
      return Invalid("line " + std::to_string(line_no) + ": " + std::string(what) +
                     " (attestd's configuration takes `key = value` lines with strings, "
                     "integers and booleans)");
    };
    skip_ws();
    if (line.empty() || line.front() == '#') continue;
    if (line.front() == '[') {
      line.remove_prefix(1);
      size_t n = 0;
      while (n < line.size() && IsBareKeyChar(line[n])) ++n;
      if (n == 0 || n >= line.size() || line[n] != ']') return bad("malformed table header");
      line.remove_prefix(n + 1);
    } else {
      size_t n = 0;
      while (n < line.size() && IsBareKeyChar(line[n])) ++n;
      if (n == 0) return bad("expected a key");
      line.remove_prefix(n);
      skip_ws();
      if (line.empty() || line.front() != '=') return bad("expected '=' after the key");
      line.remove_prefix(1);
      skip_ws();
      if (line.empty()) return bad("expected a value");
      if (line.front() == '"' || line.front() == '\'') {
        const char quote = line.front();
        if (line.size() >= 3 && line[1] == quote && line[2] == quote) {
          return bad("multi-line strings are not accepted");
        }
        size_t i = 1;
        for (; i < line.size() && line[i] != quote; ++i) {
          if (quote == '"' && line[i] == '\\') ++i;  // toml++ validates the escape itself
        }
        if (i >= line.size()) return bad("unterminated string");
        line.remove_prefix(i + 1);
      } else {
        size_t v = 0;
        while (v < line.size() && (IsBareKeyChar(line[v]) || line[v] == '+')) ++v;
        std::string_view value = line.substr(0, v);
        bool integer = !value.empty();
        for (size_t k = 0; k < value.size(); ++k) {
          const char c = value[k];
          if (!((c >= '0' && c <= '9') || c == '_' || (k == 0 && (c == '-' || c == '+')))) {
            integer = false;
          }
        }
        if (!integer && value != "true" && value != "false") {
          return bad("a value must be a string, an integer or true/false");
        }
        line.remove_prefix(v);
      }
    }
    skip_ws();
    if (!line.empty() && line.front() != '#') return bad("unexpected text after the value");
  }
  return Status::Ok();
}

}  // namespace

Status LoadConfigFile(const std::string& path, ServerConfig& config) {
  // Read here, not by toml::parse_file, so the text can be checked first: toml++ 3.3's
  // whitespace classifier reaches __builtin_unreachable (undefined behaviour) on many
  // non-ASCII code points outside strings (found by fuzz/toml_config_fuzz). Every setting is a
  // path, URL, address, number or role name, so the file must be ASCII.
  auto text = ReadFileText(path, kMaxConfigBytes);
  if (!text.has_value()) {
    return Invalid("cannot read " + path + ": " + text.error().message());
  }
  for (char c : *text) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      return Invalid("config file " + path + " must be ASCII");
    }
  }
  if (Status subset = CheckConfigSubset(*text); !subset.ok()) {
    return Invalid("cannot parse " + path + ": " + subset.message());
  }
  toml::table table;
  try {
    table = toml::parse(*text, path);
  } catch (const toml::parse_error& e) {
    return Invalid("cannot parse " + path + ": " + std::string(e.description()));
  } catch (const std::exception& e) {
    return Invalid("cannot read " + path + ": " + e.what());
  }
  static const std::set<std::string, std::less<>> kKnown = {"listen",
                                                            "base_url",
                                                            "data_dir",
                                                            "tls_cert",
                                                            "tls_key",
                                                            "insecure_http",
                                                            "collateral_dir",
                                                            "collateral_time",
                                                            "allow_missing_pck_crl",
                                                            "log_level",
                                                            "workers",
                                                            "max_body_bytes",
                                                            "aad_issuer",
                                                            "aad_jwks",
                                                            "aad_audience",
                                                            "aad_roles_claim",
                                                            "aad_reader_role",
                                                            "aad_writer_role",
                                                            "aad_tpm_role",
                                                            "tpm_context_key",
                                                            "tpm_ak_roots",
                                                            "tpm_trusted_aks",
                                                            "tpm_trust_ak_as_presented",
                                                            "test_trust_anchors",
                                                            "request_deadline_seconds",
                                                            "max_connections_per_source",
                                                            "collateral",
                                                            "store",
                                                            "policy_refresh_ms",
                                                            "policy_max_staleness_seconds",
                                                            "token_key_kek_file",
                                                            "token_key_retention_seconds",
                                                            "token_key_refresh_seconds",
                                                            "provider_refresh_seconds"};
  for (const auto& [key, node] : table) {
    if (!kKnown.contains(key.str())) {
      return Invalid("unknown config key '" + std::string(key.str()) + "' in " + path);
    }
  }
  CONFIG_RETURN_IF_ERROR(Read(table, "listen", config.listen));
  CONFIG_RETURN_IF_ERROR(Read(table, "base_url", config.base_url));
  CONFIG_RETURN_IF_ERROR(Read(table, "data_dir", config.data_dir));
  CONFIG_RETURN_IF_ERROR(Read(table, "tls_cert", config.tls_cert));
  CONFIG_RETURN_IF_ERROR(Read(table, "tls_key", config.tls_key));
  CONFIG_RETURN_IF_ERROR(Read(table, "insecure_http", config.insecure_http));
  CONFIG_RETURN_IF_ERROR(Read(table, "collateral_dir", config.collateral_dir));
  CONFIG_RETURN_IF_ERROR(Read(table, "allow_missing_pck_crl", config.allow_missing_pck_crl));
  CONFIG_RETURN_IF_ERROR(Read(table, "log_level", config.log_level));
  CONFIG_RETURN_IF_ERROR(Read(table, "aad_issuer", config.aad_issuer));
  CONFIG_RETURN_IF_ERROR(Read(table, "aad_jwks", config.aad_jwks));
  CONFIG_RETURN_IF_ERROR(Read(table, "aad_audience", config.aad_audience));
  CONFIG_RETURN_IF_ERROR(Read(table, "aad_roles_claim", config.aad_roles_claim));
  CONFIG_RETURN_IF_ERROR(Read(table, "aad_reader_role", config.aad_reader_role));
  CONFIG_RETURN_IF_ERROR(Read(table, "aad_writer_role", config.aad_writer_role));
  CONFIG_RETURN_IF_ERROR(Read(table, "aad_tpm_role", config.aad_tpm_role));
  CONFIG_RETURN_IF_ERROR(Read(table, "tpm_context_key", config.tpm_context_key));
  CONFIG_RETURN_IF_ERROR(Read(table, "tpm_ak_roots", config.tpm_ak_roots));
  CONFIG_RETURN_IF_ERROR(Read(table, "tpm_trusted_aks", config.tpm_trusted_aks));
  CONFIG_RETURN_IF_ERROR(
      Read(table, "tpm_trust_ak_as_presented", config.tpm_trust_ak_as_presented));
  CONFIG_RETURN_IF_ERROR(Read(table, "test_trust_anchors", config.test_trust_anchors));
  std::string collateral_time;
  CONFIG_RETURN_IF_ERROR(Read(table, "collateral_time", collateral_time));
  if (!collateral_time.empty()) config.collateral_time = collateral_time;
  int64_t workers = config.workers;
  CONFIG_RETURN_IF_ERROR(Read(table, "workers", workers));
  if (workers < 0 || workers > 1024) return Invalid("workers must be between 0 and 1024");
  config.workers = static_cast<unsigned>(workers);
  int64_t max_body = static_cast<int64_t>(config.max_body_bytes);
  CONFIG_RETURN_IF_ERROR(Read(table, "max_body_bytes", max_body));
  if (max_body < 1024 || max_body > 64 * 1024 * 1024) {
    return Invalid("max_body_bytes must be between 1 KiB and 64 MiB");
  }
  config.max_body_bytes = static_cast<size_t>(max_body);
  int64_t deadline = config.request_deadline_seconds;
  CONFIG_RETURN_IF_ERROR(Read(table, "request_deadline_seconds", deadline));
  if (deadline < 1 || deadline > 600) {
    return Invalid("request_deadline_seconds must be between 1 and 600");
  }
  config.request_deadline_seconds = static_cast<unsigned>(deadline);
  int64_t per_source = static_cast<int64_t>(config.max_connections_per_source);
  CONFIG_RETURN_IF_ERROR(Read(table, "max_connections_per_source", per_source));
  if (per_source < 0 || per_source > 1000000) {
    return Invalid("max_connections_per_source must be between 0 and 1000000");
  }
  config.max_connections_per_source = static_cast<size_t>(per_source);
  if (const toml::node* node = table.get("collateral"); node != nullptr) {
    const toml::table* t = node->as_table();
    if (t == nullptr) return Invalid("'collateral' must be a table ([collateral])");
    static const std::set<std::string, std::less<>> kCollateralKeys = {"pcs_url",
                                                                       "kds_url",
                                                                       "ca_file",
                                                                       "tcb_update",
                                                                       "evaluate_early",
                                                                       "bundle",
                                                                       "refresh_interval_seconds",
                                                                       "fetch_timeout_seconds",
                                                                       "kds_min_interval_ms",
                                                                       "pcs_min_interval_ms"};
    for (const auto& [key, value] : *t) {
      if (!kCollateralKeys.contains(key.str())) {
        return Invalid("unknown config key 'collateral." + std::string(key.str()) + "' in " + path);
      }
    }
    auto& oc = config.online_collateral;
    CONFIG_RETURN_IF_ERROR(Read(*t, "pcs_url", oc.pcs_url));
    CONFIG_RETURN_IF_ERROR(Read(*t, "kds_url", oc.kds_url));
    CONFIG_RETURN_IF_ERROR(Read(*t, "ca_file", oc.ca_file));
    CONFIG_RETURN_IF_ERROR(Read(*t, "tcb_update", oc.tcb_update));
    CONFIG_RETURN_IF_ERROR(Read(*t, "evaluate_early", oc.evaluate_early));
    CONFIG_RETURN_IF_ERROR(Read(*t, "bundle", oc.bundle));
    int64_t interval = oc.refresh_interval_seconds;
    CONFIG_RETURN_IF_ERROR(Read(*t, "refresh_interval_seconds", interval));
    if (interval < 1 || interval > 86400) {
      return Invalid("collateral.refresh_interval_seconds must be between 1 and 86400");
    }
    oc.refresh_interval_seconds = static_cast<unsigned>(interval);
    int64_t timeout = oc.fetch_timeout_seconds;
    CONFIG_RETURN_IF_ERROR(Read(*t, "fetch_timeout_seconds", timeout));
    if (timeout < 1 || timeout > 600) {
      return Invalid("collateral.fetch_timeout_seconds must be between 1 and 600");
    }
    oc.fetch_timeout_seconds = static_cast<unsigned>(timeout);
    constexpr int64_t kUnset = std::numeric_limits<int64_t>::min();
    int64_t kds = kUnset;
    for (auto [name, field] : {std::pair{"kds_min_interval_ms", &kds},
                               std::pair{"pcs_min_interval_ms", &oc.pcs_min_interval_ms}}) {
      CONFIG_RETURN_IF_ERROR(Read(*t, name, *field));
      if (*field != kUnset && (*field < 0 || *field > 3'600'000)) {
        return Invalid(std::string("collateral.") + name + " must be between 0 and 3600000");
      }
    }
    if (kds != kUnset) oc.kds_min_interval_ms = kds;
  }
  CONFIG_RETURN_IF_ERROR(Read(table, "store", config.store));
  int64_t refresh = config.policy_refresh_ms;
  CONFIG_RETURN_IF_ERROR(Read(table, "policy_refresh_ms", refresh));
  if (refresh < 0 || refresh > 3600 * 1000) {
    return Invalid("policy_refresh_ms must be between 0 and 3600000");
  }
  config.policy_refresh_ms = static_cast<unsigned>(refresh);
  int64_t staleness = config.policy_max_staleness_seconds;
  CONFIG_RETURN_IF_ERROR(Read(table, "policy_max_staleness_seconds", staleness));
  if (staleness < 0 || staleness > 7 * 24 * 3600) {
    return Invalid("policy_max_staleness_seconds must be between 0 and 604800");
  }
  config.policy_max_staleness_seconds = static_cast<unsigned>(staleness);
  CONFIG_RETURN_IF_ERROR(Read(table, "token_key_kek_file", config.token_key_kek_file));
  int64_t retention = config.token_key_retention_seconds;
  CONFIG_RETURN_IF_ERROR(Read(table, "token_key_retention_seconds", retention));
  if (retention < 0 || retention > 366LL * 24 * 3600) {
    return Invalid("token_key_retention_seconds must be between 0 and 31622400");
  }
  config.token_key_retention_seconds = retention;
  int64_t key_refresh = config.token_key_refresh_seconds;
  CONFIG_RETURN_IF_ERROR(Read(table, "token_key_refresh_seconds", key_refresh));
  if (key_refresh < 1 || key_refresh > 3600) {
    return Invalid("token_key_refresh_seconds must be between 1 and 3600");
  }
  config.token_key_refresh_seconds = static_cast<unsigned>(key_refresh);
  int64_t provider_refresh = config.provider_refresh_seconds;
  CONFIG_RETURN_IF_ERROR(Read(table, "provider_refresh_seconds", provider_refresh));
  if (provider_refresh < 1 || provider_refresh > 3600) {
    return Invalid("provider_refresh_seconds must be between 1 and 3600");
  }
  config.provider_refresh_seconds = static_cast<unsigned>(provider_refresh);
  return Status::Ok();
}

StatusOr<ListenAddress> ParseListenAddress(const std::string& listen) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon + 1 == listen.size()) {
    return Err(Invalid("listen address '" + listen + "' must be HOST:PORT"));
  }
  ListenAddress out;
  out.host = listen.substr(0, colon);
  if (out.host.size() >= 2 && out.host.front() == '[' && out.host.back() == ']') {
    out.host = out.host.substr(1, out.host.size() - 2);
  }
  if (out.host.empty()) out.host = "0.0.0.0";
  unsigned long port = 0;
  for (char c : listen.substr(colon + 1)) {
    if (c < '0' || c > '9') return Err(Invalid("listen port in '" + listen + "' is not a number"));
    port = port * 10 + static_cast<unsigned long>(c - '0');
    if (port > 65535) return Err(Invalid("listen port in '" + listen + "' is out of range"));
  }
  out.port = static_cast<uint16_t>(port);
  return out;
}

Status FinalizeConfig(ServerConfig& config) {
  auto addr = ParseListenAddress(config.listen);
  if (!addr.has_value()) return addr.error();
  // A production configuration (any non-loopback listener) never trusts test roots.
  if (!config.test_trust_anchors.empty() && addr->host != "127.0.0.1" && addr->host != "::1" &&
      addr->host != "localhost") {
    return Invalid("test_trust_anchors is a test-only setting: refused unless attestd listens on "
                   "a loopback address (listen = '" + config.listen + "')");
  }
  if (!config.insecure_http && (config.tls_cert.empty() || config.tls_key.empty())) {
    return Invalid("TLS needs --tls-cert and --tls-key (or --insecure-http for loopback tests)");
  }
  if (config.base_url.empty()) {
    config.base_url = std::string(config.insecure_http ? "http://" : "https://") + config.listen;
  }
  while (!config.base_url.empty() && config.base_url.back() == '/') config.base_url.pop_back();
  if (!config.base_url.starts_with("https://") && !config.base_url.starts_with("http://")) {
    return Invalid("base_url '" + config.base_url + "' must start with https:// or http://");
  }
  if (config.data_dir.empty()) return Invalid("data_dir must not be empty");
  const auto& oc = config.online_collateral;
  if (oc.tcb_update != "standard" && oc.tcb_update != "early") {
    return Invalid("tcb_update must be 'standard' or 'early'");
  }
  if (oc.evaluate_early && oc.tcb_update != "standard") {
    return Invalid("evaluate_early needs tcb_update = 'standard'");
  }
  for (const std::string* url : {&oc.pcs_url, &oc.kds_url}) {
    if (!url->empty() && !url->starts_with("https://") && !url->starts_with("http://")) {
      return Invalid("collateral source URL '" + *url + "' must start with https://");
    }
  }
  return Status::Ok();
}

}  // namespace attest::server
