// Store selection (issue 12: `store = "postgres://..."` / `--store URL`; SQLite stays the
// embedded default).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "base/status.h"
#include "store/store.h"

namespace attest::store {

// `store_url` empty: SQLite in `data_dir`. "postgres://" / "postgresql://": PostgreSQL.
// Anything else: kInvalidArgument CONFIG_INVALID. A PostgreSQL server that cannot be reached
// is retried every 2 s for up to `wait_seconds` (replicas may start before their database);
// `on_retry` receives each failure. The URL is never put into an error message (it may carry
// a password).
StatusOr<std::unique_ptr<Store>> OpenConfiguredStore(
    const std::string& store_url, const std::string& data_dir, int wait_seconds = 0,
    const std::function<void(const Status&)>& on_retry = nullptr);

}  // namespace attest::store
