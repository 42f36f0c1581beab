// Store: attestd's durable state, keyed by attestation provider (DESIGN.md "providers"):
// providers (base URL, mode), policies per attestation type with their full history,
// policy-management (signer) certificates and token-signing key metadata.
//
// Every write is one transaction: after a crash (kill -9 included) a reader sees either the
// state before the write or the state after it. Failures of the backing store are
// kUnavailable (reason STORE_UNAVAILABLE, HTTP 503), so callers may retry; rule violations
// are kFailedPrecondition / kNotFound. Implementations are thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"

namespace attest::store {

// spec/maa-service-behaviour.md §1: how policy management is authorised.
enum class ProviderMode { kAad, kIsolated };
std::string_view ProviderModeName(ProviderMode mode);  // "aad" | "isolated"
StatusOr<ProviderMode> ParseProviderMode(std::string_view name);

// The provider served when a deployment hosts only one.
inline constexpr std::string_view kDefaultProviderId = "default";

struct Provider {
  std::string id;
  std::string base_url;  // also the token issuer
  ProviderMode mode = ProviderMode::kAad;
  int64_t created_at = 0;  // Unix seconds
};

// One entry of a policy's history: a set (PUT) or a reset (POST :reset).
struct PolicyRecord {
  int64_t sequence = 0;          // assigned by the store, increasing
  std::string attestation_type;  // REST spelling, e.g. "SgxEnclave"
  bool reset = false;
  std::string policy_text;  // UTF-8 text as uploaded (empty for a reset)
  std::string policy_jws;   // the StoredAttestationPolicy JWS exactly as received
  Bytes signer_cert_der;    // empty when the JWS was unsigned
  std::string token_hash;   // x-ms-policy-token-hash of the request (empty for a reset)
  std::string set_by;       // caller identity (bearer subject, signer thumbprint)
  int64_t set_at = 0;       // Unix seconds
};

struct SignerRecord {
  std::string thumbprint;  // upper-case hex SHA-1 of cert_der (maa-tokens.md §7.2)
  Bytes cert_der;
  std::string added_by;
  int64_t added_at = 0;
};

struct KeyRecord {
  std::string kid;
  int64_t created_at = 0;
};

// A token-signing key held in the store so that every replica signs with, and publishes, the
// same keys (issue 12 item 4; spec/maa-service-behaviour.md §6 rotation). The private key is
// sealed with the deployment's key-encryption key before it reaches the store.
struct TokenKeyRecord {
  std::string kid;
  Bytes cert_der;            // self-signed certificate published in /certs
  Bytes sealed_private_key;  // AES-256-GCM under the KEK (service/key_encryption.h)
  int64_t created_at = 0;    // Unix seconds; the key is published from then on
  int64_t activate_at = 0;   // Unix seconds; it signs from then until the next key activates
};

class Store {
 public:
  virtual ~Store() = default;

  // Creates `provider` with its initial signer certificates in one transaction. Fails with
  // kFailedPrecondition PROVIDER_EXISTS when the id is taken.
  virtual Status CreateProvider(const Provider& provider,
                                const std::vector<SignerRecord>& initial_signers) = 0;
  virtual StatusOr<std::optional<Provider>> GetProvider(std::string_view provider_id) = 0;
  // Every provider, by id.
  virtual StatusOr<std::vector<Provider>> ListProviders() = 0;
  // Deletes the provider and every record keyed by it (policies with their history, signer
  // certificates, key ids, token keys) in one transaction. kNotFound PROVIDER_NOT_FOUND when
  // absent.
  virtual Status DeleteProvider(std::string_view provider_id) = 0;

  // Appends a set or reset record (record.sequence is ignored).
  virtual Status AppendPolicy(std::string_view provider_id, const PolicyRecord& record) = 0;
  // The policy in force: the latest record for the type unless it is a reset (then nullopt:
  // the type's default applies).
  virtual StatusOr<std::optional<PolicyRecord>> CurrentPolicy(std::string_view provider_id,
                                                              std::string_view type) = 0;
  // Every record for the type, oldest first.
  virtual StatusOr<std::vector<PolicyRecord>> PolicyHistory(std::string_view provider_id,
                                                            std::string_view type) = 0;

  // Ordered by time of addition.
  virtual StatusOr<std::vector<SignerRecord>> ListSigners(std::string_view provider_id) = 0;
  // True when added, false when a certificate with that thumbprint was already present.
  virtual StatusOr<bool> AddSigner(std::string_view provider_id, const SignerRecord& signer) = 0;
  // True when removed, false when absent. Refuses (kFailedPrecondition LAST_SIGNER) to
  // remove the provider's last certificate; the check and the delete are one transaction.
  virtual StatusOr<bool> RemoveSigner(std::string_view provider_id,
                                      std::string_view thumbprint) = 0;

  // Records a signing key (idempotent on kid).
  virtual Status PutKey(std::string_view provider_id, const KeyRecord& key) = 0;
  virtual StatusOr<std::vector<KeyRecord>> ListKeys(std::string_view provider_id) = 0;

  // Adds a token-signing key. With `only_if_none`, adds it only when the provider has no
  // token key yet (replicas starting together create one first key, not several); the
  // answer says whether it was added. kFailedPrecondition KEY_EXISTS when the kid is taken.
  virtual StatusOr<bool> AddTokenKey(std::string_view provider_id, const TokenKeyRecord& key,
                                     bool only_if_none) = 0;
  // Every token key of the provider, by activation time.
  virtual StatusOr<std::vector<TokenKeyRecord>> ListTokenKeys(std::string_view provider_id) = 0;
};

// The SQLite file inside the data directory.
inline constexpr std::string_view kSqliteFileName = "attestd.db";

// Opens (creating when absent, mode 0600) `<data_dir>/attestd.db` in WAL mode with
// synchronous=FULL and a busy timeout. Errors: kUnavailable STORE_UNAVAILABLE.
StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const std::string& data_dir);

}  // namespace attest::store
