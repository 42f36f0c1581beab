// PostgreSQL backend of Store (DESIGN.md "storage"): the shared store of a fleet of attestd
// replicas (issue 12). Opened from a libpq URL ("postgres://user@host:port/db?...").
//
// Thread-safe: a small pool of connections, each used by one call at a time. A connection
// that broke (server restarted, network cut) is re-established on its next use, so recovery
// after an outage needs no manual step. Reads that find their connection broken are retried
// once on a fresh one; writes are not retried after their first statement reached the server
// (a lost COMMIT acknowledgement is ambiguous, and retrying it could double a history entry).
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "store/store.h"

namespace attest::store {

struct PostgresStoreOptions {
  int connections = 4;              // pool size
  int connect_timeout_seconds = 5;  // per connection attempt
  // A statement that has not answered within this many milliseconds is cancelled by the
  // server (statement_timeout) and the call fails kUnavailable.
  int statement_timeout_ms = 10000;
};

// True for "postgres://" and "postgresql://" URLs.
bool IsPostgresUrl(std::string_view url);

// Connects, then brings the schema to the current version (migrations run in one transaction
// under an advisory lock, so replicas starting together apply each migration once). Refuses
// (kFailedPrecondition STORE_SCHEMA_TOO_NEW) a database migrated by a newer attestd.
// Errors: kUnavailable STORE_UNAVAILABLE.
StatusOr<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url,
                                                   const PostgresStoreOptions& options = {});

}  // namespace attest::store
