// PgPool: a fixed pool of libpq connections with parameterised queries in binary format.
// Internal to the PostgreSQL store.
//
// Every parameter and result travels in binary format: text and bytea as raw bytes, int8 as
// 8 big-endian bytes, so no value is ever spliced into SQL or escaped by hand.
// Thread-safe: Acquire() hands a connection to one caller until the lease is dropped.
#pragma once

#include <libpq-fe.h>

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"

namespace attest::store::pg {

// Query parameters, bound by position ($1, $2, ...).
class Params {
 public:
  Params& Text(std::string_view s);
  Params& Blob(const Bytes& b);        // bytea
  Params& BlobOrNull(const Bytes& b);  // bytea; an empty value is bound as SQL NULL
  Params& Int(int64_t v);

 private:
  friend class Connection;
  std::vector<uint32_t> types_;  // Oid
  std::vector<std::string> values_;
  std::vector<bool> null_;
};

// One result set; columns by position, in binary format.
class Result {
 public:
  explicit Result(PGresult* r) : r_(r, &PQclear) {}
  int Rows() const { return PQntuples(r_.get()); }
  // Rows a command changed (INSERT/DELETE/UPDATE).
  int64_t Affected() const;
  bool IsNull(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
  std::string Text(int row, int col) const;
  Bytes Blob(int row, int col) const;
  int64_t Int(int row, int col) const;  // int8 columns only
  PGresult* raw() const { return r_.get(); }

 private:
  std::unique_ptr<PGresult, void (*)(PGresult*)> r_;
};

// SQLSTATE classes the store acts on.
inline constexpr std::string_view kUniqueViolation = "23505";

class Connection {
 public:
  explicit Connection(PGconn* conn) : conn_(conn) {}
  ~Connection() { PQfinish(conn_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool Healthy() const { return conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK; }
  // Re-establishes a broken connection (blocking, bounded by connect_timeout).
  bool Reset();

  // Runs one statement. Failures are kUnavailable STORE_UNAVAILABLE with libpq's message
  // (which never contains the password); `sqlstate`, when given, receives the SQLSTATE.
  StatusOr<Result> Exec(std::string_view sql, const Params& params = Params(),
                        std::string* sqlstate = nullptr);
  // Statements without parameters whose results are not needed (BEGIN, COMMIT, a migration).
  Status Command(std::string_view sql);

 private:
  PGconn* conn_;
};

class Pool;

// A connection lent by the pool; returned when destroyed.
class Lease {
 public:
  Lease(Pool* pool, Connection* conn) : pool_(pool), conn_(conn) {}
  ~Lease();
  Lease(Lease&& other) noexcept : pool_(other.pool_), conn_(other.conn_) { other.pool_ = nullptr; }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  Lease& operator=(Lease&&) = delete;
  Connection* operator->() const { return conn_; }
  Connection& operator*() const { return *conn_; }

 private:
  Pool* pool_;
  Connection* conn_;
};

struct PoolOptions {
  int connections = 4;
  int connect_timeout_seconds = 5;
  int statement_timeout_ms = 10000;
};

class Pool {
 public:
  // Opens every connection; fails kUnavailable when the first one cannot be opened.
  static StatusOr<std::unique_ptr<Pool>> Open(const std::string& url, const PoolOptions& options);

  // Waits for a free connection and re-establishes it if it broke.
  StatusOr<Lease> Acquire();

 private:
  friend class Lease;
  Pool() = default;
  void Release(Connection* conn);

  std::mutex mu_;
  std::condition_variable free_cv_;
  std::vector<std::unique_ptr<Connection>> all_;
  std::vector<Connection*> free_;
};

Status Unavailable(std::string what);

}  // namespace attest::store::pg
