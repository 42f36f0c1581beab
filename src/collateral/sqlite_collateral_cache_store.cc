#include "collateral/sqlite_collateral_cache_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

namespace attest::collateral {
namespace {

// Items larger than this are not collateral (PCK CRLs of large CAs are a few 100 KiB).
constexpr int kMaxItemBytes = 8 * 1024 * 1024;
constexpr int kBusyTimeoutMs = 5000;

Status Unavailable(sqlite3* db, std::string_view what) {
  std::string message = "collateral cache store: " + std::string(what);
  if (db != nullptr) {
    message += ": " + std::string(sqlite3_errmsg(db));
  }
  return Status::Unavailable("STORE_UNAVAILABLE", std::move(message));
}

struct Stmt {
  Stmt(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK) {
      s = nullptr;
    }
  }
  ~Stmt() { sqlite3_finalize(s); }
  sqlite3_stmt* s = nullptr;
};

std::string Text(sqlite3_stmt* s, int col) {
  const unsigned char* p = sqlite3_column_text(s, col);
  return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(s, col)) : "";
}

}  // namespace

StatusOr<std::unique_ptr<SqliteCollateralCacheStore>> SqliteCollateralCacheStore::Open(
    const std::string& path) {
  // The file holds attestd's store too: create it owner-only, as the store does.
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Err(
        Status::Unavailable("STORE_UNAVAILABLE", "collateral cache store: cannot open " + path));
  }
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
  const char* kSchema =
      "CREATE TABLE IF NOT EXISTS collateral_cache ("
      " key TEXT PRIMARY KEY, url TEXT NOT NULL, body BLOB NOT NULL,"
      " headers TEXT NOT NULL, fetched_at INTEGER NOT NULL)";
  if (sqlite3_exec(db, kSchema, nullptr, nullptr, nullptr) != SQLITE_OK) {
    Status s = Unavailable(db, "cannot create the collateral_cache table");
    sqlite3_close_v2(db);
    return Err(std::move(s));
  }
  return std::unique_ptr<SqliteCollateralCacheStore>(new SqliteCollateralCacheStore(db));
}

SqliteCollateralCacheStore::~SqliteCollateralCacheStore() { sqlite3_close_v2(db_); }

Status SqliteCollateralCacheStore::Put(const StoredCollateralItem& item) {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt st(db_,
          "INSERT OR REPLACE INTO collateral_cache (key, url, body, headers, fetched_at) "
          "VALUES (?, ?, ?, ?, ?)");
  if (st.s == nullptr) {
    return Unavailable(db_, "prepare");
  }
  const std::string headers = HeadersToJson(item.headers);
  sqlite3_bind_text(st.s, 1, item.key.data(), static_cast<int>(item.key.size()), SQLITE_TRANSIENT);
  sqlite3_bind_text(st.s, 2, item.url.data(), static_cast<int>(item.url.size()), SQLITE_TRANSIENT);
  sqlite3_bind_blob(st.s, 3, item.body.data(), static_cast<int>(item.body.size()),
                    SQLITE_TRANSIENT);
  sqlite3_bind_text(st.s, 4, headers.data(), static_cast<int>(headers.size()), SQLITE_TRANSIENT);
  sqlite3_bind_int64(st.s, 5, item.fetched_at);
  if (sqlite3_step(st.s) != SQLITE_DONE) {
    return Unavailable(db_, "cannot store " + item.key);
  }
  return Status::Ok();
}

StatusOr<std::vector<StoredCollateralItem>> SqliteCollateralCacheStore::LoadAll() {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt st(db_, "SELECT key, url, body, headers, fetched_at FROM collateral_cache ORDER BY key");
  if (st.s == nullptr) {
    return Err(Unavailable(db_, "prepare"));
  }
  std::vector<StoredCollateralItem> out;
  int rc;
  while ((rc = sqlite3_step(st.s)) == SQLITE_ROW) {
    StoredCollateralItem item;
    item.key = Text(st.s, 0);
    item.url = Text(st.s, 1);
    const int n = sqlite3_column_bytes(st.s, 2);
    if (n < 0 || n > kMaxItemBytes) {
      continue;  // not collateral: skipped
    }
    const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(st.s, 2));
    if (p != nullptr) {
      item.body.assign(p, p + n);
    }
    auto headers = HeadersFromJson(Text(st.s, 3));
    if (!headers) {
      continue;  // a damaged row is skipped; the item will be fetched again
    }
    item.headers = std::move(*headers);
    item.fetched_at = sqlite3_column_int64(st.s, 4);
    out.push_back(std::move(item));
  }
  if (rc != SQLITE_DONE) {
    return Err(Unavailable(db_, "cannot read the collateral cache"));
  }
  return out;
}

Status SqliteCollateralCacheStore::Remove(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt st(db_, "DELETE FROM collateral_cache WHERE key = ?");
  if (st.s == nullptr) {
    return Unavailable(db_, "prepare");
  }
  sqlite3_bind_text(st.s, 1, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
  if (sqlite3_step(st.s) != SQLITE_DONE) {
    return Unavailable(db_, "cannot remove " + key);
  }
  return Status::Ok();
}

}  // namespace attest::collateral
