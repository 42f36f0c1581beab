// SqliteCollateralCacheStore: the collateral cache persisted in attestd's SQLite file
// (<data_dir>/attestd.db, table collateral_cache), next to but independent of store/store.h.
// Thread-safe (one serialised connection).
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "collateral/collateral_cache_store.h"

struct sqlite3;

namespace attest::collateral {

class SqliteCollateralCacheStore final : public CollateralCacheStore {
 public:
  // Opens (creating the table if needed) the database file at `path`.
  static StatusOr<std::unique_ptr<SqliteCollateralCacheStore>> Open(const std::string& path);
  ~SqliteCollateralCacheStore() override;

  Status Put(const StoredCollateralItem& item) override;
  StatusOr<std::vector<StoredCollateralItem>> LoadAll() override;
  Status Remove(const std::string& key) override;

 private:
  explicit SqliteCollateralCacheStore(sqlite3* db) : db_(db) {}
  std::mutex mu_;
  sqlite3* db_;
};

}  // namespace attest::collateral
