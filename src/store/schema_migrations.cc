#include "store/schema_migrations.h"

#include <string>

namespace attest::store {
namespace {

// Version 1 is the schema attestd shipped before migrations were versioned; its statements
// are idempotent so that databases created then pass through it unchanged.
constexpr Migration kSqlite[] = {
    {1, "providers, policy history, policy signers, signing key ids", R"sql(
CREATE TABLE IF NOT EXISTS providers(
  id TEXT PRIMARY KEY,
  base_url TEXT NOT NULL,
  mode TEXT NOT NULL CHECK (mode IN ('aad', 'isolated')),
  created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS policies(
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  provider_id TEXT NOT NULL REFERENCES providers(id),
  attestation_type TEXT NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('set', 'reset')),
  policy_text TEXT NOT NULL,
  policy_jws TEXT NOT NULL,
  signer_cert BLOB,
  token_hash TEXT NOT NULL,
  set_by TEXT NOT NULL,
  set_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS policies_by_type ON policies(provider_id, attestation_type, seq);
CREATE TABLE IF NOT EXISTS policy_signers(
  provider_id TEXT NOT NULL REFERENCES providers(id),
  thumbprint TEXT NOT NULL,
  cert_der BLOB NOT NULL,
  added_by TEXT NOT NULL,
  added_at INTEGER NOT NULL,
  ord INTEGER NOT NULL,
  PRIMARY KEY (provider_id, thumbprint));
CREATE TABLE IF NOT EXISTS signing_keys(
  provider_id TEXT NOT NULL,
  kid TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (provider_id, kid));
)sql"},
    {2, "token-signing keys with sealed private keys and activation times", R"sql(
CREATE TABLE token_keys(
  provider_id TEXT NOT NULL,
  kid TEXT NOT NULL,
  cert_der BLOB NOT NULL,
  sealed_private_key BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  activate_at INTEGER NOT NULL,
  PRIMARY KEY (provider_id, kid));
)sql"},
};

// Caller-supplied text is bytea (see postgres_store.cc). Sequences are identity columns.
constexpr Migration kPostgres[] = {
    {1, "providers, policy history, policy signers, signing key ids", R"sql(
CREATE TABLE providers(
  id TEXT PRIMARY KEY,
  base_url TEXT NOT NULL,
  mode TEXT NOT NULL CHECK (mode IN ('aad', 'isolated')),
  created_at BIGINT NOT NULL);
CREATE TABLE policies(
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  provider_id TEXT NOT NULL REFERENCES providers(id),
  attestation_type TEXT NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('set', 'reset')),
  policy_text BYTEA NOT NULL,
  policy_jws BYTEA NOT NULL,
  signer_cert BYTEA,
  token_hash TEXT NOT NULL,
  set_by BYTEA NOT NULL,
  set_at BIGINT NOT NULL);
CREATE INDEX policies_by_type ON policies(provider_id, attestation_type, seq);
CREATE TABLE policy_signers(
  provider_id TEXT NOT NULL REFERENCES providers(id),
  thumbprint TEXT NOT NULL,
  cert_der BYTEA NOT NULL,
  added_by BYTEA NOT NULL,
  added_at BIGINT NOT NULL,
  ord BIGINT GENERATED ALWAYS AS IDENTITY,
  PRIMARY KEY (provider_id, thumbprint));
CREATE TABLE signing_keys(
  provider_id TEXT NOT NULL,
  kid TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (provider_id, kid));
)sql"},
    {2, "token-signing keys with sealed private keys and activation times", R"sql(
CREATE TABLE token_keys(
  provider_id TEXT NOT NULL,
  kid TEXT NOT NULL,
  cert_der BYTEA NOT NULL,
  sealed_private_key BYTEA NOT NULL,
  created_at BIGINT NOT NULL,
  activate_at BIGINT NOT NULL,
  PRIMARY KEY (provider_id, kid));
)sql"},
};

}  // namespace

std::span<const Migration> SqliteMigrations() { return kSqlite; }
std::span<const Migration> PostgresMigrations() { return kPostgres; }

int64_t LatestVersion(std::span<const Migration> migrations) {
  int64_t latest = 0;
  for (const Migration& m : migrations) latest = std::max(latest, m.version);
  return latest;
}

Status CheckSchemaVersion(int64_t database_version, std::span<const Migration> migrations) {
  const int64_t latest = LatestVersion(migrations);
  if (database_version > latest) {
    return Status::FailedPrecondition("STORE_SCHEMA_TOO_NEW", "the store's schema is version " +
                                                                  std::to_string(database_version) +
                                                                  "; this attestd knows up "
                                                                  "to version " +
                                                                  std::to_string(latest) +
                                                                  " (upgrade attestd)");
  }
  return Status::Ok();
}

}  // namespace attest::store
