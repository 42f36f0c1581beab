#include "store/postgres_connection.h"

#include <endian.h>

#include <cstring>
#include <utility>

namespace attest::store::pg {
namespace {

// Type OIDs of pg_type (fixed by PostgreSQL: src/include/catalog/pg_type.dat).
constexpr uint32_t kByteaOid = 17;
constexpr uint32_t kInt8Oid = 20;
constexpr uint32_t kTextOid = 25;

std::string ConnectionError(PGconn* conn) {
  if (conn == nullptr) return "out of memory";
  std::string m = PQerrorMessage(conn);
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

}  // namespace

Status Unavailable(std::string what) {
  return Status::Unavailable("STORE_UNAVAILABLE", "store: " + std::move(what));
}

Params& Params::Text(std::string_view s) {
  types_.push_back(kTextOid);
  values_.emplace_back(s);
  null_.push_back(false);
  return *this;
}

Params& Params::Blob(const Bytes& b) {
  types_.push_back(kByteaOid);
  values_.emplace_back(b.begin(), b.end());
  null_.push_back(false);
  return *this;
}

Params& Params::BlobOrNull(const Bytes& b) {
  Blob(b);
  null_.back() = b.empty();
  return *this;
}

Params& Params::Int(int64_t v) {
  types_.push_back(kInt8Oid);
  uint64_t be = htobe64(static_cast<uint64_t>(v));
  std::string raw(sizeof be, '\0');
  std::memcpy(raw.data(), &be, sizeof be);
  values_.push_back(std::move(raw));
  null_.push_back(false);
  return *this;
}

int64_t Result::Affected() const {
  const char* n = PQcmdTuples(r_.get());
  int64_t v = 0;
  for (; n != nullptr && *n >= '0' && *n <= '9'; ++n) v = v * 10 + (*n - '0');
  return v;
}

std::string Result::Text(int row, int col) const {
  return std::string(PQgetvalue(r_.get(), row, col),
                     static_cast<size_t>(PQgetlength(r_.get(), row, col)));
}

Bytes Result::Blob(int row, int col) const {
  if (IsNull(row, col)) return {};
  const auto* p = reinterpret_cast<const uint8_t*>(PQgetvalue(r_.get(), row, col));
  return Bytes(p, p + PQgetlength(r_.get(), row, col));
}

int64_t Result::Int(int row, int col) const {
  // Binary int8: 8 bytes, network order. A column of another width reads as 0 rather than
  // past its end.
  if (PQgetlength(r_.get(), row, col) != 8) return 0;
  uint64_t be = 0;
  std::memcpy(&be, PQgetvalue(r_.get(), row, col), sizeof be);
  return static_cast<int64_t>(be64toh(be));
}

bool Connection::Reset() {
  if (conn_ == nullptr) return false;
  PQreset(conn_);
  return Healthy();
}

StatusOr<Result> Connection::Exec(std::string_view sql, const Params& params,
                                  std::string* sqlstate) {
  const size_t n = params.values_.size();
  std::vector<const char*> values(n);
  std::vector<int> lengths(n);
  std::vector<int> formats(n, 1);
  for (size_t i = 0; i < n; ++i) {
    values[i] = params.null_[i] ? nullptr : params.values_[i].data();
    lengths[i] = static_cast<int>(params.values_[i].size());
  }
  std::string query(sql);
  PGresult* raw = PQexecParams(conn_, query.c_str(), static_cast<int>(n),
                               reinterpret_cast<const Oid*>(params.types_.data()), values.data(),
                               lengths.data(), formats.data(), /*resultFormat=*/1);
  Result result(raw);
  ExecStatusType st = raw == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(raw);
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return result;
  if (sqlstate != nullptr) {
    const char* state = raw == nullptr ? nullptr : PQresultErrorField(raw, PG_DIAG_SQLSTATE);
    *sqlstate = state == nullptr ? "" : state;
  }
  return Err(Unavailable(ConnectionError(conn_)));
}

Status Connection::Command(std::string_view sql) {
  // The simple-query protocol: a migration is several statements, which the extended
  // protocol of PQexecParams refuses.
  std::string query(sql);
  Result result(PQexec(conn_, query.c_str()));
  PGresult* raw = result.raw();
  ExecStatusType st = raw == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(raw);
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return Status::Ok();
  return Unavailable(ConnectionError(conn_));
}

Lease::~Lease() {
  if (pool_ != nullptr) pool_->Release(conn_);
}

StatusOr<std::unique_ptr<Pool>> Pool::Open(const std::string& url, const PoolOptions& options) {
  const std::string timeout = std::to_string(options.connect_timeout_seconds);
  const std::string server_options =
      "-c statement_timeout=" + std::to_string(options.statement_timeout_ms) +
      " -c client_min_messages=warning";
  // Earlier keywords are defaults the URL may override (expand_dbname). Keepalives and a TCP
  // user timeout make a dead server or a cut network fail a call within seconds instead of
  // leaving it blocked on a socket.
  const char* keys[] = {"connect_timeout",  "application_name",
                        "options",          "keepalives",
                        "keepalives_idle",  "keepalives_interval",
                        "keepalives_count", "tcp_user_timeout",
                        "dbname",           nullptr};
  const char* vals[] = {
      timeout.c_str(), "attestd", server_options.c_str(), "1", "5", "2", "3", "10000",
      url.c_str(),     nullptr};
  std::unique_ptr<Pool> pool(new Pool());
  for (int i = 0; i < std::max(1, options.connections); ++i) {
    PGconn* conn = PQconnectdbParams(keys, vals, /*expand_dbname=*/1);
    auto c = std::make_unique<Connection>(conn);
    if (i == 0 && !c->Healthy()) {
      return Err(Unavailable("cannot connect to PostgreSQL: " + ConnectionError(conn)));
    }
    pool->free_.push_back(c.get());
    pool->all_.push_back(std::move(c));
  }
  return pool;
}

StatusOr<Lease> Pool::Acquire() {
  Connection* conn = nullptr;
  {
    std::unique_lock lock(mu_);
    free_cv_.wait(lock, [this] { return !free_.empty(); });
    conn = free_.back();
    free_.pop_back();
  }
  Lease lease(this, conn);
  if (!conn->Healthy() && !conn->Reset()) {
    return Err(Unavailable("PostgreSQL is unreachable"));
  }
  return lease;
}

void Pool::Release(Connection* conn) {
  {
    std::lock_guard lock(mu_);
    free_.push_back(conn);
  }
  free_cv_.notify_one();
}

}  // namespace attest::store::pg
