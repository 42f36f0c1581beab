// Versioned schema migrations of the store backends (issue 12: "schema migrations are
// versioned and run at start").
//
// Each backend has one ordered list; version N's SQL takes a database from N-1 to N. Opening
// a store applies, in one transaction, every migration newer than the database's recorded
// version. A migration is never edited once released: a change is a new version.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "base/status.h"

namespace attest::store {

struct Migration {
  int64_t version;
  std::string_view description;
  std::string_view sql;
};

std::span<const Migration> SqliteMigrations();
std::span<const Migration> PostgresMigrations();

// The newest version in `migrations`.
int64_t LatestVersion(std::span<const Migration> migrations);

// kFailedPrecondition STORE_SCHEMA_TOO_NEW when the database was migrated by a newer attestd
// (writing to it could break the newer replicas sharing it).
Status CheckSchemaVersion(int64_t database_version, std::span<const Migration> migrations);

}  // namespace attest::store
