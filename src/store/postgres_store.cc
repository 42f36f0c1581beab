// PostgreSQL backend of Store.
//
// Serialisation of concurrent writers (several replicas, several connections each): every
// write that depends on a provider's state first locks the provider's row (SELECT ... FOR
// UPDATE), so policy appends of one provider commit one after another in the order of their
// history sequence, and the "last signer" check cannot race a concurrent removal. Isolation
// level stays READ COMMITTED: with the row lock no write can be lost, and no call has to be
// retried for a serialisation failure.
//
// Caller-supplied text (policy text and JWS, caller identities) is stored as bytea: a TEXT
// column would refuse NUL bytes and invalid UTF-8, turning a caller's odd input into a store
// error.
#include "store/postgres_store.h"

#include <utility>

#include "store/postgres_connection.h"
#include "store/schema_migrations.h"

namespace attest::store {
namespace {

using pg::Connection;
using pg::Params;
using pg::Result;

#define PG_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::attest::Status pg_status_ = (expr);    \
    if (!pg_status_.ok()) return pg_status_; \
  } while (false)

#define PG_ASSIGN_OR_RETURN_STATUS(lhs, expr)                  \
  auto ATTEST_CONCAT(pg_or_, __LINE__) = (expr);               \
  if (!ATTEST_CONCAT(pg_or_, __LINE__).has_value()) {          \
    return std::move(ATTEST_CONCAT(pg_or_, __LINE__)).error(); \
  }                                                            \
  lhs = std::move(ATTEST_CONCAT(pg_or_, __LINE__)).value()

std::string AsString(const Bytes& b) { return std::string(b.begin(), b.end()); }
Bytes AsBlob(std::string_view s) { return Bytes(s.begin(), s.end()); }

constexpr const char* kPolicyColumns =
    "SELECT seq, attestation_type, action, policy_text, policy_jws, signer_cert, token_hash, "
    "set_by, set_at FROM policies";

PolicyRecord ReadPolicy(const Result& r, int row) {
  PolicyRecord p;
  p.sequence = r.Int(row, 0);
  p.attestation_type = r.Text(row, 1);
  p.reset = r.Text(row, 2) == "reset";
  p.policy_text = AsString(r.Blob(row, 3));
  p.policy_jws = AsString(r.Blob(row, 4));
  p.signer_cert_der = r.Blob(row, 5);
  p.token_hash = r.Text(row, 6);
  p.set_by = AsString(r.Blob(row, 7));
  p.set_at = r.Int(row, 8);
  return p;
}

Status ProviderNotFound(std::string_view id) {
  return Status::NotFound("PROVIDER_NOT_FOUND",
                          "provider '" + std::string(id) + "' is not initialised");
}

// Locks the provider's row for the rest of the transaction.
Status LockProvider(Connection& c, std::string_view provider_id) {
  PG_ASSIGN_OR_RETURN_STATUS(Result r, c.Exec("SELECT 1 FROM providers WHERE id = $1 FOR UPDATE",
                                              Params().Text(provider_id)));
  if (r.Rows() == 0) return ProviderNotFound(provider_id);
  return Status::Ok();
}

StatusOr<std::vector<SignerRecord>> ReadSigners(Connection& c, std::string_view provider_id) {
  ATTEST_ASSIGN_OR_RETURN(
      Result r, c.Exec("SELECT thumbprint, cert_der, added_by, added_at FROM policy_signers "
                       "WHERE provider_id = $1 ORDER BY ord",
                       Params().Text(provider_id)));
  std::vector<SignerRecord> out;
  for (int i = 0; i < r.Rows(); ++i) {
    out.push_back({r.Text(i, 0), r.Blob(i, 1), AsString(r.Blob(i, 2)), r.Int(i, 3)});
  }
  return out;
}

StatusOr<bool> InsertSigner(Connection& c, std::string_view provider_id,
                            const SignerRecord& signer) {
  ATTEST_ASSIGN_OR_RETURN(
      Result r, c.Exec("INSERT INTO policy_signers(provider_id, thumbprint, cert_der, added_by, "
                       "added_at) VALUES ($1,$2,$3,$4,$5) ON CONFLICT DO NOTHING",
                       Params()
                           .Text(provider_id)
                           .Text(signer.thumbprint)
                           .Blob(signer.cert_der)
                           .Blob(AsBlob(signer.added_by))
                           .Int(signer.added_at)));
  return r.Affected() > 0;
}

class PostgresStore final : public Store {
 public:
  explicit PostgresStore(std::unique_ptr<pg::Pool> pool) : pool_(std::move(pool)) {}

  Status Migrate() {
    // A hot standby (region B of docs/failover.md) is read-only: it is served as it is when
    // its schema is current, so that region's replicas are ready before a failover; one
    // that lags behind waits (kUnavailable, retried by OpenConfiguredStore) for the primary's
    // migration to replay.
    bool standby = false;
    ATTEST_RETURN_IF_ERROR(Read([&standby](Connection& c) -> Status {
      PG_ASSIGN_OR_RETURN_STATUS(Result r, c.Exec("SELECT pg_is_in_recovery()::int4::int8"));
      standby = r.Int(0, 0) != 0;
      return Status::Ok();
    }));
    if (standby) {
      return Read([](Connection& c) -> Status {
        PG_ASSIGN_OR_RETURN_STATUS(
            Result has_table,
            c.Exec("SELECT (to_regclass('schema_migrations') IS NOT NULL)::int4::int8"));
        int64_t current = 0;
        if (has_table.Int(0, 0) != 0) {
          PG_ASSIGN_OR_RETURN_STATUS(
              Result r, c.Exec("SELECT COALESCE(MAX(version), 0)::int8 FROM schema_migrations"));
          current = r.Int(0, 0);
        }
        const std::span<const Migration> migrations = PostgresMigrations();
        PG_RETURN_IF_ERROR(CheckSchemaVersion(current, migrations));
        if (current < LatestVersion(migrations)) {
          return pg::Unavailable("the database is a standby at schema version " +
                                 std::to_string(current) + "; this attestd needs version " +
                                 std::to_string(LatestVersion(migrations)) +
                                 " (start a replica on the primary first)");
        }
        return Status::Ok();
      });
    }
    return Transaction([](Connection& c) -> Status {
      // Replicas starting together: the first applies the migrations, the others wait here
      // and then find nothing left to do.
      PG_RETURN_IF_ERROR(c.Command("SELECT pg_advisory_xact_lock(7271606512)"));
      PG_RETURN_IF_ERROR(
          c.Command("CREATE TABLE IF NOT EXISTS schema_migrations(version BIGINT PRIMARY KEY, "
                    "description TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"));
      PG_ASSIGN_OR_RETURN_STATUS(
          Result r, c.Exec("SELECT COALESCE(MAX(version), 0)::int8 FROM schema_migrations"));
      const int64_t current = r.Int(0, 0);
      const std::span<const Migration> migrations = PostgresMigrations();
      PG_RETURN_IF_ERROR(CheckSchemaVersion(current, migrations));
      for (const Migration& m : migrations) {
        if (m.version <= current) continue;
        PG_RETURN_IF_ERROR(c.Command(m.sql));
        PG_ASSIGN_OR_RETURN_STATUS(Result ins,
                                   c.Exec("INSERT INTO schema_migrations(version, description) "
                                          "VALUES ($1, $2)",
                                          Params().Int(m.version).Text(m.description)));
        (void)ins;
      }
      return Status::Ok();
    });
  }

  Status CreateProvider(const Provider& provider,
                        const std::vector<SignerRecord>& initial_signers) override {
    return Transaction([&](Connection& c) -> Status {
      PG_ASSIGN_OR_RETURN_STATUS(Result r,
                                 c.Exec("INSERT INTO providers(id, base_url, mode, created_at) "
                                        "VALUES ($1,$2,$3,$4) ON CONFLICT (id) DO NOTHING",
                                        Params()
                                            .Text(provider.id)
                                            .Text(provider.base_url)
                                            .Text(ProviderModeName(provider.mode))
                                            .Int(provider.created_at)));
      if (r.Affected() == 0) {
        return Status::FailedPrecondition("PROVIDER_EXISTS",
                                          "provider '" + provider.id + "' is already initialised");
      }
      for (const SignerRecord& signer : initial_signers) {
        auto added = InsertSigner(c, provider.id, signer);
        if (!added.has_value()) return added.error();
      }
      return Status::Ok();
    });
  }

  StatusOr<std::optional<Provider>> GetProvider(std::string_view provider_id) override {
    std::optional<Provider> out;
    ATTEST_RETURN_IF_ERROR(Read([&](Connection& c) -> Status {
      PG_ASSIGN_OR_RETURN_STATUS(
          Result r, c.Exec("SELECT id, base_url, mode, created_at FROM providers WHERE id = $1",
                           Params().Text(provider_id)));
      out.reset();
      if (r.Rows() == 0) return Status::Ok();
      auto mode = ParseProviderMode(r.Text(0, 2));
      if (!mode.has_value()) return pg::Unavailable("corrupt provider mode");
      out = Provider{r.Text(0, 0), r.Text(0, 1), *mode, r.Int(0, 3)};
      return Status::Ok();
    }));
    return out;
  }

  StatusOr<std::vector<Provider>> ListProviders() override {
    std::vector<Provider> out;
    ATTEST_RETURN_IF_ERROR(Read([&](Connection& c) -> Status {
      PG_ASSIGN_OR_RETURN_STATUS(
          Result r, c.Exec("SELECT id, base_url, mode, created_at FROM providers ORDER BY id"));
      out.clear();
      for (int i = 0; i < r.Rows(); ++i) {
        auto mode = ParseProviderMode(r.Text(i, 2));
        if (!mode.has_value()) {
          return pg::Unavailable("corrupt provider mode");
        }
        out.push_back({r.Text(i, 0), r.Text(i, 1), *mode, r.Int(i, 3)});
      }
      return Status::Ok();
    }));
    return out;
  }

  Status DeleteProvider(std::string_view provider_id) override {
    return Transaction([&](Connection& c) -> Status {
      // The row lock orders the delete after any write of the provider in flight.
      PG_RETURN_IF_ERROR(LockProvider(c, provider_id));
      for (const char* sql : {"DELETE FROM policies WHERE provider_id = $1",
                              "DELETE FROM policy_signers WHERE provider_id = $1",
                              "DELETE FROM signing_keys WHERE provider_id = $1",
                              "DELETE FROM token_keys WHERE provider_id = $1",
                              "DELETE FROM providers WHERE id = $1"}) {
        PG_ASSIGN_OR_RETURN_STATUS(Result r, c.Exec(sql, Params().Text(provider_id)));
        (void)r;
      }
      return Status::Ok();
    });
  }

  Status AppendPolicy(std::string_view provider_id, const PolicyRecord& p) override {
    return Transaction([&](Connection& c) -> Status {
      PG_RETURN_IF_ERROR(LockProvider(c, provider_id));
      PG_ASSIGN_OR_RETURN_STATUS(
          Result r, c.Exec("INSERT INTO policies(provider_id, attestation_type, action, "
                           "policy_text, policy_jws, signer_cert, token_hash, set_by, set_at) "
                           "VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
                           Params()
                               .Text(provider_id)
                               .Text(p.attestation_type)
                               .Text(p.reset ? "reset" : "set")
                               .Blob(AsBlob(p.policy_text))
                               .Blob(AsBlob(p.policy_jws))
                               .BlobOrNull(p.signer_cert_der)
                               .Text(p.token_hash)
                               .Blob(AsBlob(p.set_by))
                               .Int(p.set_at)));
      (void)r;
      return Status::Ok();
    });
  }

  StatusOr<std::optional<PolicyRecord>> CurrentPolicy(std::string_view provider_id,
                                                      std::string_view type) override {
    std::optional<PolicyRecord> out;
    ATTEST_RETURN_IF_ERROR(Read([&](Connection& c) -> Status {
      PG_ASSIGN_OR_RETURN_STATUS(
          Result r,
          c.Exec(std::string(kPolicyColumns) + " WHERE provider_id = $1 AND attestation_type = $2 "
                                               "ORDER BY seq DESC LIMIT 1",
                 Params().Text(provider_id).Text(type)));
      out.reset();
      if (r.Rows() == 0) return Status::Ok();
      PolicyRecord p = ReadPolicy(r, 0);
      if (!p.reset) out = std::move(p);
      return Status::Ok();
    }));
    return out;
  }

  StatusOr<std::vector<PolicyRecord>> PolicyHistory(std::string_view provider_id,
                                                    std::string_view type) override {
    std::vector<PolicyRecord> out;
    ATTEST_RETURN_IF_ERROR(Read([&](Connection& c) -> Status {
      PG_ASSIGN_OR_RETURN_STATUS(
          Result r,
          c.Exec(std::string(kPolicyColumns) + " WHERE provider_id = $1 AND attestation_type = $2 "
                                               "ORDER BY seq ASC",
                 Params().Text(provider_id).Text(type)));
      out.clear();
      for (int i = 0; i < r.Rows(); ++i) out.push_back(ReadPolicy(r, i));
      return Status::Ok();
    }));
    return out;
  }

  StatusOr<std::vector<SignerRecord>> ListSigners(std::string_view provider_id) override {
    std::vector<SignerRecord> out;
    ATTEST_RETURN_IF_ERROR(Read([&](Connection& c) -> Status {
      PG_ASSIGN_OR_RETURN_STATUS(out, ReadSigners(c, provider_id));
      return Status::Ok();
    }));
    return out;
  }

  StatusOr<bool> AddSigner(std::string_view provider_id, const SignerRecord& signer) override {
    bool added = false;
    ATTEST_RETURN_IF_ERROR(Transaction([&](Connection& c) -> Status {
      PG_RETURN_IF_ERROR(LockProvider(c, provider_id));
      PG_ASSIGN_OR_RETURN_STATUS(added, InsertSigner(c, provider_id, signer));
      return Status::Ok();
    }));
    return added;
  }

  StatusOr<bool> RemoveSigner(std::string_view provider_id, std::string_view thumbprint) override {
    bool removed = false;
    ATTEST_RETURN_IF_ERROR(Transaction([&](Connection& c) -> Status {
      removed = false;
      PG_RETURN_IF_ERROR(LockProvider(c, provider_id));
      PG_ASSIGN_OR_RETURN_STATUS(std::vector<SignerRecord> signers, ReadSigners(c, provider_id));
      bool present = false;
      for (const SignerRecord& r : signers) present = present || r.thumbprint == thumbprint;
      if (!present) return Status::Ok();
      if (signers.size() <= 1) {
        return Status::FailedPrecondition(
            "LAST_SIGNER", "the last policy-management certificate cannot be removed");
      }
      PG_ASSIGN_OR_RETURN_STATUS(
          Result r, c.Exec("DELETE FROM policy_signers WHERE provider_id = $1 AND thumbprint = $2",
                           Params().Text(provider_id).Text(thumbprint)));
      removed = r.Affected() > 0;
      return Status::Ok();
    }));
    return removed;
  }

  Status PutKey(std::string_view provider_id, const KeyRecord& key) override {
    return Transaction([&](Connection& c) -> Status {
      PG_ASSIGN_OR_RETURN_STATUS(
          Result r, c.Exec("INSERT INTO signing_keys(provider_id, kid, created_at) "
                           "VALUES ($1,$2,$3) ON CONFLICT DO NOTHING",
                           Params().Text(provider_id).Text(key.kid).Int(key.created_at)));
      (void)r;
      return Status::Ok();
    });
  }

  StatusOr<std::vector<KeyRecord>> ListKeys(std::string_view provider_id) override {
    std::vector<KeyRecord> out;
    ATTEST_RETURN_IF_ERROR(Read([&](Connection& c) -> Status {
      PG_ASSIGN_OR_RETURN_STATUS(
          Result r, c.Exec("SELECT kid, created_at FROM signing_keys WHERE provider_id = $1 "
                           "ORDER BY created_at, kid",
                           Params().Text(provider_id)));
      out.clear();
      for (int i = 0; i < r.Rows(); ++i) out.push_back({r.Text(i, 0), r.Int(i, 1)});
      return Status::Ok();
    }));
    return out;
  }

  StatusOr<bool> AddTokenKey(std::string_view provider_id, const TokenKeyRecord& key,
                             bool only_if_none) override {
    bool added = false;
    ATTEST_RETURN_IF_ERROR(Transaction([&](Connection& c) -> Status {
      added = false;
      // Serialises "the first key" decisions of replicas starting together (a provider row
      // need not exist: an uninitialised deployment still signs tokens).
      PG_ASSIGN_OR_RETURN_STATUS(
          Result locked, c.Exec("SELECT pg_advisory_xact_lock(hashtext($1)::int8)",
                                Params().Text("attestd-token-keys/" + std::string(provider_id))));
      (void)locked;
      PG_ASSIGN_OR_RETURN_STATUS(
          Result existing,
          c.Exec("SELECT kid FROM token_keys WHERE provider_id = $1", Params().Text(provider_id)));
      for (int i = 0; i < existing.Rows(); ++i) {
        if (existing.Text(i, 0) == key.kid) {
          return Status::FailedPrecondition("KEY_EXISTS", "token key " + key.kid + " exists");
        }
      }
      if (existing.Rows() > 0 && only_if_none) return Status::Ok();
      PG_ASSIGN_OR_RETURN_STATUS(Result r,
                                 c.Exec("INSERT INTO token_keys(provider_id, kid, cert_der, "
                                        "sealed_private_key, created_at, activate_at) "
                                        "VALUES ($1,$2,$3,$4,$5,$6)",
                                        Params()
                                            .Text(provider_id)
                                            .Text(key.kid)
                                            .Blob(key.cert_der)
                                            .Blob(key.sealed_private_key)
                                            .Int(key.created_at)
                                            .Int(key.activate_at)));
      added = r.Affected() > 0;
      return Status::Ok();
    }));
    return added;
  }

  StatusOr<std::vector<TokenKeyRecord>> ListTokenKeys(std::string_view provider_id) override {
    std::vector<TokenKeyRecord> out;
    ATTEST_RETURN_IF_ERROR(Read([&](Connection& c) -> Status {
      PG_ASSIGN_OR_RETURN_STATUS(
          Result r, c.Exec("SELECT kid, cert_der, sealed_private_key, created_at, activate_at "
                           "FROM token_keys WHERE provider_id = $1 "
                           "ORDER BY activate_at, created_at, kid",
                           Params().Text(provider_id)));
      out.clear();
      for (int i = 0; i < r.Rows(); ++i) {
        out.push_back({r.Text(i, 0), r.Blob(i, 1), r.Blob(i, 2), r.Int(i, 3), r.Int(i, 4)});
      }
      return Status::Ok();
    }));
    return out;
  }

 private:
  // Runs `body` on one connection, retrying once on a fresh connection when the first try
  // found it broken (a read has no effect, so repeating it is safe).
  template <typename Body>
  Status Read(Body&& body) {
    PG_ASSIGN_OR_RETURN_STATUS(pg::Lease c, pool_->Acquire());
    Status s = body(*c);
    if (s.ok() || c->Healthy() || !c->Reset()) return s;
    return body(*c);
  }

  // BEGIN; body; COMMIT (ROLLBACK when body fails). Retried on a fresh connection only when
  // BEGIN itself failed on a broken connection, before anything of the write was sent.
  template <typename Body>
  Status Transaction(Body&& body) {
    PG_ASSIGN_OR_RETURN_STATUS(pg::Lease c, pool_->Acquire());
    Status begin = c->Command("BEGIN");
    if (!begin.ok()) {
      if (c->Healthy() || !c->Reset()) return begin;
      PG_RETURN_IF_ERROR(c->Command("BEGIN"));
    }
    Status s = body(*c);
    if (s.ok()) {
      s = c->Command("COMMIT");
      if (s.ok()) return s;
    }
    if (c->Healthy()) (void)c->Command("ROLLBACK");
    return s;
  }

  std::unique_ptr<pg::Pool> pool_;
};

}  // namespace

bool IsPostgresUrl(std::string_view url) {
  return url.starts_with("postgres://") || url.starts_with("postgresql://");
}

StatusOr<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url,
                                                   const PostgresStoreOptions& options) {
  ATTEST_ASSIGN_OR_RETURN(
      std::unique_ptr<pg::Pool> pool,
      pg::Pool::Open(url, {.connections = options.connections,
                           .connect_timeout_seconds = options.connect_timeout_seconds,
                           .statement_timeout_ms = options.statement_timeout_ms}));
  auto store = std::make_unique<PostgresStore>(std::move(pool));
  ATTEST_RETURN_IF_ERROR(store->Migrate());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace attest::store
