// ServerConfig: attestd's settings, from a TOML file (--config) with command-line
// overrides. Plain value; thread-compatible.
//
// TOML keys (all optional, top level):
//   listen = "127.0.0.1:8443"          base_url = "https://attest.example:8443"
//   data_dir = "var/attestd"           log_level = "info"   # trace|debug|info|warn|error
//   tls_cert = "cert.pem"              tls_key = "key.pem"
//   insecure_http = false              # plain HTTP: loopback tests only
//   collateral_dir = "..."             # Intel collateral in a vectors/<tee>/<case>/ layout
//   collateral_time = "2025-07-19T10:01:17Z"   # judge collateral at this time (tests only)
//   allow_missing_pck_crl = false
//   workers = 0                        # 0 = one per core
//   max_body_bytes = 1048576
//   request_deadline_seconds = 30      # queued + running; then 503 REQUEST_DEADLINE_EXCEEDED
//   max_connections_per_source = 0     # 0 = max(16, connection cap / 8)
// Online collateral (docs/collateral.md), table [collateral]:
//   pcs_url = "https://api.trustedservices.intel.com"   # Intel PCS v4 or any PCCS
//   kds_url = "https://kdsintf.amd.com"                  # AMD KDS
//   ca_file = "pccs-ca.pem"            # CAs trusted for these sources besides the system store
//   tcb_update = "standard"            # standard | early: the TCB info set verdicts use
//   evaluate_early = false             # with standard: also judge quotes by the early set
//   bundle = "collateral.tar"          # a bundle to import at start (air-gapped sites)
//   refresh_interval_seconds = 300     # how often the refresher looks for items due
//   fetch_timeout_seconds = 20         # one vendor request, connect to last byte; then 503
//   kds_min_interval_ms = 10000        # at most one request per interval to the KDS host
//                                      # (default 10000 against kdsintf.amd.com, else 0)
//   pcs_min_interval_ms = 0            # same for the PCS/PCCS host (0 = no pacing)
// The online sources are used when pcs_url/kds_url is set or no collateral_dir is configured.
// Bearer-token validation of policy-management calls (both modes; maa-service-behaviour.md
// §1.1). Without aad_issuer + aad_jwks every management call is refused with 401.
//   aad_issuer = "https://login.example/tenant/v2.0"   # exact `iss`
//   aad_jwks = "/etc/attestd/idp-jwks.json"            # JWK Set file, or an https:// URL
//   aad_audience = "https://attest.azure.net"           # "" = `aud` not checked
//   aad_roles_claim = "roles"                           # array or space-separated string
//   aad_reader_role = "AttestationPolicy.Read"          # GET /policies, GET /certificates
//   aad_writer_role = "AttestationPolicy.Write"         # every change (and reads)
//   aad_tpm_role = ""                                   # /attest/Tpm; "" = any valid bearer
// TPM attestation (/attest/Tpm, evidence/tpm/):
//   tpm_context_key = "<data_dir>/tpm-context.key"  # service_context AEAD key (created 0600);
//                                                   # replicas sharing it accept each other's.
//                                                   # Unset with a KEK: derived from the KEK
//                                                   # per provider (every replica agrees)
//   tpm_ak_roots = "ak-roots.pem"                   # EK/AK CA roots (DER or PEM bundle)
//   tpm_trusted_aks = "aks.pem"                     # registered AK public keys (PEM SPKI)
//   tpm_trust_ak_as_presented = false               # trust any AK (aikValidated stays false)
// Store (DESIGN.md "storage"; docs/fleet.md):
//   store = "postgres://attestd@db:5432/attestd"   # "" = SQLite file in data_dir (default)
//   policy_refresh_ms = 1000           # bound for a policy set elsewhere to be in force here
//   policy_max_staleness_seconds = 300 # store outage: held policies serve this long, then 503
// Token-signing keys in the store (shared by replicas, rotated with `attestctl keys rotate`)
// when a key-encryption key is configured (else one key file per data_dir, no rotation):
//   token_key_kek_file = "/etc/attestd/kek"  # 64 hex digits, mode 0600; or env ATTESTD_KEK
//   token_key_retention_seconds = 28800      # a replaced key stays in /certs this long
//   token_key_refresh_seconds = 10           # keys rotated elsewhere are picked up within this
// Several attestation providers (`attestd provider create`; docs/fleet.md):
//   provider_refresh_seconds = 10            # providers created/deleted elsewhere: served within
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "base/status.h"

namespace attest::server {

struct ServerConfig {
  std::string listen = "127.0.0.1:8443";
  std::string base_url;  // default: scheme://listen
  std::string data_dir = "var/attestd";
  std::string tls_cert;
  std::string tls_key;
  bool insecure_http = false;
  std::string collateral_dir;
  std::optional<std::string> collateral_time;
  bool allow_missing_pck_crl = false;
  std::string log_level = "info";
  unsigned workers = 0;
  size_t max_body_bytes = 1024 * 1024;
  unsigned request_deadline_seconds = 30;
  size_t max_connections_per_source = 0;
  std::string aad_issuer;
  std::string aad_jwks;
  std::string aad_audience;
  std::string aad_roles_claim = "roles";
  std::string aad_reader_role = "AttestationPolicy.Read";
  std::string aad_writer_role = "AttestationPolicy.Write";
  std::string aad_tpm_role;
  std::string tpm_context_key;  // "" = <data_dir>/tpm-context.key
  std::string tpm_ak_roots;
  std::string tpm_trusted_aks;
  bool tpm_trust_ak_as_presented = false;
  // Test only: extra vendor roots (JSON {"amd_arks":[{"product","spki_sha256"}]}, as
  // `attestctl azure-cvm simulate` writes them). Refused unless `listen` is a loopback address.
  std::string test_trust_anchors;
  struct Collateral {
    std::string pcs_url;
    std::string kds_url;
    std::string ca_file;
    std::string tcb_update = "standard";
    bool evaluate_early = false;
    std::string bundle;
    unsigned refresh_interval_seconds = 300;
    unsigned fetch_timeout_seconds = 20;
    // Unset: collateral::DefaultKdsMinIntervalMs(kds_url) (10 s against AMD's KDS, else 0).
    std::optional<int64_t> kds_min_interval_ms;
    int64_t pcs_min_interval_ms = 0;
  } online_collateral;
  std::string store;  // libpq URL; empty = SQLite in data_dir
  unsigned policy_refresh_ms = 1000;
  unsigned policy_max_staleness_seconds = 300;
  std::string token_key_kek_file;
  int64_t token_key_retention_seconds = 28800;  // attestation token lifetime (8 h)
  unsigned token_key_refresh_seconds = 10;
  unsigned provider_refresh_seconds = 10;
};

// Reads `path` into `config` (keys present in the file replace the defaults). Unknown keys
// and wrong types are errors (CONFIG_INVALID), so that typos do not pass silently.
Status LoadConfigFile(const std::string& path, ServerConfig& config);

struct ListenAddress {
  std::string host;
  uint16_t port = 0;
};
// "HOST:PORT" or "[V6]:PORT".
StatusOr<ListenAddress> ParseListenAddress(const std::string& listen);

// Fills defaults that depend on other settings (base_url) and checks consistency: TLS
// files unless insecure_http, a usable base URL (no trailing slash kept).
Status FinalizeConfig(ServerConfig& config);

}  // namespace attest::server
