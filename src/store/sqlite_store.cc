// SQLite backend of Store (DESIGN.md "storage": embedded default).
//
// Durability: WAL journal with synchronous=FULL, so a committed transaction survives a
// process kill or power loss and an uncommitted one leaves no trace. One connection guarded
// by a mutex; every write runs inside BEGIN IMMEDIATE ... COMMIT.
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mutex>
#include <utility>

#include "base/reasons.h"
#include "store/schema_migrations.h"
#include "store/store.h"

namespace attest::store {
namespace {

constexpr int kBusyTimeoutMs = 5000;

// ATTEST_RETURN_IF_ERROR for functions returning Status.
#define STORE_RETURN_IF_ERROR(expr)                \
  do {                                             \
    ::attest::Status store_status_ = (expr);       \
    if (!store_status_.ok()) return store_status_; \
  } while (false)

Status Unavailable(sqlite3* db, std::string_view what) {
  std::string message = "store: " + std::string(what);
  if (db != nullptr) message += ": " + std::string(sqlite3_errmsg(db));
  return Status::Unavailable(reason::kStoreUnavailable, std::move(message));
}

// An owned prepared statement with typed bind/column helpers.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) stmt_ = nullptr;
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool ok() const { return stmt_ != nullptr; }
  Statement& Bind(int i, std::string_view s) {
    if (ok()) sqlite3_bind_text(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& Bind(int i, int64_t v) {
    if (ok()) sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Statement& BindBlob(int i, const Bytes& b) {
    if (!ok()) return *this;
    if (b.empty()) {
      sqlite3_bind_null(stmt_, i);
    } else {
      sqlite3_bind_blob(stmt_, i, b.data(), static_cast<int>(b.size()), SQLITE_TRANSIENT);
    }
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step() { return ok() ? sqlite3_step(stmt_) : SQLITE_ERROR; }
  std::string Text(int col) const {
    const unsigned char* p = sqlite3_column_text(stmt_, col);
    return p == nullptr ? std::string()
                        : std::string(reinterpret_cast<const char*>(p),
                                      static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
  }
  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  Bytes Blob(int col) const {
    const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, col));
    if (p == nullptr) return {};
    return Bytes(p, p + sqlite3_column_bytes(stmt_, col));
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(sqlite3* db) : db_(db) {}
  ~SqliteStore() override { sqlite3_close_v2(db_); }

  Status Init() {
    std::lock_guard lock(mu_);
    STORE_RETURN_IF_ERROR(Exec("PRAGMA journal_mode=WAL"));
    STORE_RETURN_IF_ERROR(Exec("PRAGMA synchronous=FULL"));
    STORE_RETURN_IF_ERROR(Exec("PRAGMA foreign_keys=ON"));
    STORE_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
    Status s = [&]() -> Status {
      STORE_RETURN_IF_ERROR(
          Exec("CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL)"));
      Statement q(db_, "SELECT COALESCE(MAX(version), 0) FROM schema_version");
      if (q.Step() != SQLITE_ROW) return Unavailable(db_, "reading the schema version");
      const int64_t current = q.Int(0);
      const std::span<const Migration> migrations = SqliteMigrations();
      STORE_RETURN_IF_ERROR(CheckSchemaVersion(current, migrations));
      for (const Migration& m : migrations) {
        if (m.version > current) STORE_RETURN_IF_ERROR(Exec(std::string(m.sql).c_str()));
      }
      if (current == LatestVersion(migrations)) return Status::Ok();
      STORE_RETURN_IF_ERROR(Exec("DELETE FROM schema_version"));
      Statement ins(db_, "INSERT INTO schema_version(version) VALUES (?1)");
      ins.Bind(1, LatestVersion(migrations));
      if (ins.Step() != SQLITE_DONE) return Unavailable(db_, "writing the schema version");
      return Status::Ok();
    }();
    return Finish(std::move(s));
  }

  Status CreateProvider(const Provider& provider,
                        const std::vector<SignerRecord>& initial_signers) override {
    std::lock_guard lock(mu_);
    STORE_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
    Status s = [&]() -> Status {
      Statement exists(db_, "SELECT 1 FROM providers WHERE id = ?1");
      exists.Bind(1, provider.id);
      int rc = exists.Step();
      if (rc == SQLITE_ROW) {
        return Status::FailedPrecondition(reason::kProviderExists,
                                          "provider '" + provider.id + "' is already initialised");
      }
      if (rc != SQLITE_DONE) return Unavailable(db_, "reading providers");
      Statement ins(db_,
                    "INSERT INTO providers(id, base_url, mode, created_at) VALUES (?1,?2,?3,?4)");
      ins.Bind(1, provider.id).Bind(2, provider.base_url).Bind(3, ProviderModeName(provider.mode));
      ins.Bind(4, provider.created_at);
      if (ins.Step() != SQLITE_DONE) return Unavailable(db_, "inserting the provider");
      for (const SignerRecord& signer : initial_signers) {
        auto added = InsertSigner(provider.id, signer);
        if (!added.has_value()) return added.error();
      }
      return Status::Ok();
    }();
    return Finish(std::move(s));
  }

  StatusOr<std::optional<Provider>> GetProvider(std::string_view provider_id) override {
    std::lock_guard lock(mu_);
    Statement q(db_, "SELECT id, base_url, mode, created_at FROM providers WHERE id = ?1");
    q.Bind(1, provider_id);
    int rc = q.Step();
    if (rc == SQLITE_DONE) return std::optional<Provider>();
    if (rc != SQLITE_ROW) return Err(Unavailable(db_, "reading the provider"));
    Provider p;
    p.id = q.Text(0);
    p.base_url = q.Text(1);
    auto mode = ParseProviderMode(q.Text(2));
    if (!mode.has_value()) return Err(Unavailable(nullptr, "corrupt provider mode"));
    p.mode = *mode;
    p.created_at = q.Int(3);
    return std::optional<Provider>(std::move(p));
  }

  StatusOr<std::vector<Provider>> ListProviders() override {
    std::lock_guard lock(mu_);
    Statement q(db_, "SELECT id, base_url, mode, created_at FROM providers ORDER BY id");
    std::vector<Provider> out;
    int rc;
    while ((rc = q.Step()) == SQLITE_ROW) {
      auto mode = ParseProviderMode(q.Text(2));
      if (!mode.has_value()) return Err(Unavailable(nullptr, "corrupt provider mode"));
      out.push_back({q.Text(0), q.Text(1), *mode, q.Int(3)});
    }
    if (rc != SQLITE_DONE) return Err(Unavailable(db_, "reading providers"));
    return out;
  }

  Status DeleteProvider(std::string_view provider_id) override {
    std::lock_guard lock(mu_);
    STORE_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
    Status s = [&]() -> Status {
      STORE_RETURN_IF_ERROR(ProviderExists(provider_id));
      for (const char* sql : {"DELETE FROM policies WHERE provider_id = ?1",
                              "DELETE FROM policy_signers WHERE provider_id = ?1",
                              "DELETE FROM signing_keys WHERE provider_id = ?1",
                              "DELETE FROM token_keys WHERE provider_id = ?1",
                              "DELETE FROM providers WHERE id = ?1"}) {
        Statement del(db_, sql);
        del.Bind(1, provider_id);
        if (del.Step() != SQLITE_DONE) {
          return Unavailable(db_, "deleting the provider");
        }
      }
      return Status::Ok();
    }();
    return Finish(std::move(s));
  }

  Status AppendPolicy(std::string_view provider_id, const PolicyRecord& r) override {
    std::lock_guard lock(mu_);
    STORE_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
    if (Status known = ProviderExists(provider_id); !known.ok()) return Finish(std::move(known));
    Statement ins(db_,
                  "INSERT INTO policies(provider_id, attestation_type, action, policy_text, "
                  "policy_jws, signer_cert, token_hash, set_by, set_at) "
                  "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)");
    ins.Bind(1, provider_id).Bind(2, r.attestation_type).Bind(3, r.reset ? "reset" : "set");
    ins.Bind(4, r.policy_text).Bind(5, r.policy_jws).BindBlob(6, r.signer_cert_der);
    ins.Bind(7, r.token_hash).Bind(8, r.set_by).Bind(9, r.set_at);
    Status s = ins.Step() == SQLITE_DONE ? Status::Ok() : Unavailable(db_, "appending a policy");
    return Finish(std::move(s));
  }

  StatusOr<std::optional<PolicyRecord>> CurrentPolicy(std::string_view provider_id,
                                                      std::string_view type) override {
    std::lock_guard lock(mu_);
    Statement q(db_, std::string(kPolicyColumns +
                                 std::string(" WHERE provider_id = ?1 AND attestation_type = ?2 "
                                             "ORDER BY seq DESC LIMIT 1"))
                         .c_str());
    q.Bind(1, provider_id).Bind(2, type);
    int rc = q.Step();
    if (rc == SQLITE_DONE) return std::optional<PolicyRecord>();
    if (rc != SQLITE_ROW) return Err(Unavailable(db_, "reading the current policy"));
    PolicyRecord r = ReadPolicy(q);
    if (r.reset) return std::optional<PolicyRecord>();
    return std::optional<PolicyRecord>(std::move(r));
  }

  StatusOr<std::vector<PolicyRecord>> PolicyHistory(std::string_view provider_id,
                                                    std::string_view type) override {
    std::lock_guard lock(mu_);
    Statement q(db_, std::string(kPolicyColumns +
                                 std::string(" WHERE provider_id = ?1 AND attestation_type = ?2 "
                                             "ORDER BY seq ASC"))
                         .c_str());
    q.Bind(1, provider_id).Bind(2, type);
    std::vector<PolicyRecord> out;
    int rc;
    while ((rc = q.Step()) == SQLITE_ROW) out.push_back(ReadPolicy(q));
    if (rc != SQLITE_DONE) return Err(Unavailable(db_, "reading the policy history"));
    return out;
  }

  StatusOr<std::vector<SignerRecord>> ListSigners(std::string_view provider_id) override {
    std::lock_guard lock(mu_);
    return ListSignersLocked(provider_id);
  }

  StatusOr<bool> AddSigner(std::string_view provider_id, const SignerRecord& signer) override {
    std::lock_guard lock(mu_);
    ATTEST_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
    if (Status known = ProviderExists(provider_id); !known.ok()) {
      return Err(Finish(std::move(known)));
    }
    auto added = InsertSigner(provider_id, signer);
    Status s = added.has_value() ? Status::Ok() : added.error();
    ATTEST_RETURN_IF_ERROR(Finish(std::move(s)));
    return *added;
  }

  StatusOr<bool> RemoveSigner(std::string_view provider_id, std::string_view thumbprint) override {
    std::lock_guard lock(mu_);
    ATTEST_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
    bool removed = false;
    Status s = [&]() -> Status {
      STORE_RETURN_IF_ERROR(ProviderExists(provider_id));
      auto signers = ListSignersLocked(provider_id);
      if (!signers.has_value()) return signers.error();
      bool present = false;
      for (const SignerRecord& r : *signers) present = present || r.thumbprint == thumbprint;
      if (!present) return Status::Ok();
      if (signers->size() <= 1) {
        return Status::FailedPrecondition(
            reason::kLastSigner, "the last policy-management certificate cannot be removed");
      }
      Statement del(db_, "DELETE FROM policy_signers WHERE provider_id = ?1 AND thumbprint = ?2");
      del.Bind(1, provider_id).Bind(2, thumbprint);
      if (del.Step() != SQLITE_DONE) return Unavailable(db_, "removing a signer");
      removed = true;
      return Status::Ok();
    }();
    ATTEST_RETURN_IF_ERROR(Finish(std::move(s)));
    return removed;
  }

  Status PutKey(std::string_view provider_id, const KeyRecord& key) override {
    std::lock_guard lock(mu_);
    STORE_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
    Statement ins(db_,
                  "INSERT OR IGNORE INTO signing_keys(provider_id, kid, created_at) "
                  "VALUES (?1,?2,?3)");
    ins.Bind(1, provider_id).Bind(2, key.kid).Bind(3, key.created_at);
    Status s = ins.Step() == SQLITE_DONE ? Status::Ok() : Unavailable(db_, "recording a key");
    return Finish(std::move(s));
  }

  StatusOr<std::vector<KeyRecord>> ListKeys(std::string_view provider_id) override {
    std::lock_guard lock(mu_);
    Statement q(db_,
                "SELECT kid, created_at FROM signing_keys WHERE provider_id = ?1 "
                "ORDER BY created_at, kid");
    q.Bind(1, provider_id);
    std::vector<KeyRecord> out;
    int rc;
    while ((rc = q.Step()) == SQLITE_ROW) out.push_back({q.Text(0), q.Int(1)});
    if (rc != SQLITE_DONE) return Err(Unavailable(db_, "reading keys"));
    return out;
  }

  StatusOr<bool> AddTokenKey(std::string_view provider_id, const TokenKeyRecord& key,
                             bool only_if_none) override {
    std::lock_guard lock(mu_);
    ATTEST_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
    bool added = false;
    Status s = [&]() -> Status {
      Statement q(db_, "SELECT kid FROM token_keys WHERE provider_id = ?1");
      q.Bind(1, provider_id);
      int rc;
      bool any = false;
      while ((rc = q.Step()) == SQLITE_ROW) {
        any = true;
        if (q.Text(0) == key.kid) {
          return Status::FailedPrecondition("KEY_EXISTS", "token key " + key.kid + " exists");
        }
      }
      if (rc != SQLITE_DONE) return Unavailable(db_, "reading token keys");
      if (any && only_if_none) return Status::Ok();
      Statement ins(db_,
                    "INSERT INTO token_keys(provider_id, kid, cert_der, sealed_private_key, "
                    "created_at, activate_at) VALUES (?1,?2,?3,?4,?5,?6)");
      ins.Bind(1, provider_id).Bind(2, key.kid).BindBlob(3, key.cert_der);
      ins.BindBlob(4, key.sealed_private_key).Bind(5, key.created_at).Bind(6, key.activate_at);
      if (ins.Step() != SQLITE_DONE) return Unavailable(db_, "adding a token key");
      added = true;
      return Status::Ok();
    }();
    ATTEST_RETURN_IF_ERROR(Finish(std::move(s)));
    return added;
  }

  StatusOr<std::vector<TokenKeyRecord>> ListTokenKeys(std::string_view provider_id) override {
    std::lock_guard lock(mu_);
    Statement q(db_,
                "SELECT kid, cert_der, sealed_private_key, created_at, activate_at FROM "
                "token_keys WHERE provider_id = ?1 ORDER BY activate_at, created_at, kid");
    q.Bind(1, provider_id);
    std::vector<TokenKeyRecord> out;
    int rc;
    while ((rc = q.Step()) == SQLITE_ROW) {
      out.push_back({q.Text(0), q.Blob(1), q.Blob(2), q.Int(3), q.Int(4)});
    }
    if (rc != SQLITE_DONE) return Err(Unavailable(db_, "reading token keys"));
    return out;
  }

 private:
  static constexpr const char* kPolicyColumns =
      "SELECT seq, attestation_type, action, policy_text, policy_jws, signer_cert, token_hash, "
      "set_by, set_at FROM policies";

  static PolicyRecord ReadPolicy(const Statement& q) {
    PolicyRecord r;
    r.sequence = q.Int(0);
    r.attestation_type = q.Text(1);
    r.reset = q.Text(2) == "reset";
    r.policy_text = q.Text(3);
    r.policy_jws = q.Text(4);
    r.signer_cert_der = q.Blob(5);
    r.token_hash = q.Text(6);
    r.set_by = q.Text(7);
    r.set_at = q.Int(8);
    return r;
  }

  StatusOr<std::vector<SignerRecord>> ListSignersLocked(std::string_view provider_id) {
    Statement q(db_,
                "SELECT thumbprint, cert_der, added_by, added_at FROM policy_signers "
                "WHERE provider_id = ?1 ORDER BY ord");
    q.Bind(1, provider_id);
    std::vector<SignerRecord> out;
    int rc;
    while ((rc = q.Step()) == SQLITE_ROW) {
      out.push_back({q.Text(0), q.Blob(1), q.Text(2), q.Int(3)});
    }
    if (rc != SQLITE_DONE) return Err(Unavailable(db_, "reading signers"));
    return out;
  }

  // Inside a transaction: kNotFound PROVIDER_NOT_FOUND unless the provider exists.
  Status ProviderExists(std::string_view provider_id) {
    Statement q(db_, "SELECT 1 FROM providers WHERE id = ?1");
    q.Bind(1, provider_id);
    int rc = q.Step();
    if (rc == SQLITE_ROW) return Status::Ok();
    if (rc != SQLITE_DONE) return Unavailable(db_, "reading providers");
    return Status::NotFound("PROVIDER_NOT_FOUND",
                            "provider '" + std::string(provider_id) + "' is not initialised");
  }

  // Inside a transaction.
  StatusOr<bool> InsertSigner(std::string_view provider_id, const SignerRecord& signer) {
    Statement ins(db_,
                  "INSERT OR IGNORE INTO policy_signers(provider_id, thumbprint, cert_der, "
                  "added_by, added_at, ord) VALUES (?1,?2,?3,?4,?5,"
                  "(SELECT COALESCE(MAX(ord), 0) + 1 FROM policy_signers))");
    ins.Bind(1, provider_id).Bind(2, signer.thumbprint).BindBlob(3, signer.cert_der);
    ins.Bind(4, signer.added_by).Bind(5, signer.added_at);
    if (ins.Step() != SQLITE_DONE) return Err(Unavailable(db_, "adding a signer"));
    return sqlite3_changes(db_) > 0;
  }

  Status Exec(const char* sql) {
    char* error = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
      std::string message = error != nullptr ? error : "unknown error";
      sqlite3_free(error);
      return Status::Unavailable(reason::kStoreUnavailable, "store: " + message);
    }
    return Status::Ok();
  }

  // Commits when `s` is ok, otherwise rolls back and returns `s`.
  Status Finish(Status s) {
    if (s.ok()) {
      Status commit = Exec("COMMIT");
      if (commit.ok()) return commit;
      s = std::move(commit);
    }
    (void)Exec("ROLLBACK");
    return s;
  }

  std::mutex mu_;
  sqlite3* db_;
};

}  // namespace

std::string_view ProviderModeName(ProviderMode mode) {
  return mode == ProviderMode::kIsolated ? "isolated" : "aad";
}

StatusOr<ProviderMode> ParseProviderMode(std::string_view name) {
  if (name == "aad") return ProviderMode::kAad;
  if (name == "isolated") return ProviderMode::kIsolated;
  return Err(Status::InvalidArgument(reason::kInvalidMode, "mode must be 'aad' or 'isolated'"));
}

StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const std::string& data_dir) {
  const std::string path = data_dir + "/" + std::string(kSqliteFileName);
  // Create the file 0600 ourselves; SQLite gives its -wal/-shm files the same mode.
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Err(Status::Unavailable(reason::kStoreUnavailable, "store: cannot open " + path));
  }
  ::fchmod(fd, 0600);
  ::close(fd);
  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status s = Unavailable(db, "cannot open " + path);
    sqlite3_close_v2(db);
    return Err(std::move(s));
  }
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  auto store = std::make_unique<SqliteStore>(db);
  ATTEST_RETURN_IF_ERROR(store->Init());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace attest::store
