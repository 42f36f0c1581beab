// PostgresTestCluster: a throw-away PostgreSQL cluster for tests (issue 12: "the test starts
// its own cluster with initdb and pg_ctl on a free port in a temp directory").
//
// The server binaries come from $ATTESTD_PG_BIN or the newest /usr/lib/postgresql/*/bin.
// PostgreSQL refuses to run as root, so under root the cluster belongs to `nobody` and
// initdb/pg_ctl run through setpriv. Test-only; not thread-safe.
#pragma once

#include <libpq-fe.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace attest::store::testing {

class PostgresTestCluster {
 public:
  // nullopt (with `why`) when PostgreSQL is not installed or the cluster cannot start.
  static std::unique_ptr<PostgresTestCluster> Start(std::string* why) {
    std::string bin = FindBinDir();
    if (bin.empty()) {
      *why = "PostgreSQL server binaries not found (install postgresql or set ATTESTD_PG_BIN)";
      return nullptr;
    }
    auto cluster = std::unique_ptr<PostgresTestCluster>(new PostgresTestCluster(bin));
    if (!cluster->Init(why) || !cluster->Up(why)) return nullptr;
    return cluster;
  }

  ~PostgresTestCluster() {
    Stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  int port() const { return port_; }
  std::string Url(const std::string& db) const {
    return "postgresql://attestd@127.0.0.1:" + std::to_string(port_) + "/" + db;
  }

  // Creates an empty database and returns its URL.
  std::optional<std::string> CreateDatabase(const std::string& name) {
    PGconn* c = PQconnectdb(Url("postgres").c_str());
    bool ok = PQstatus(c) == CONNECTION_OK;
    if (ok) {
      PGresult* r = PQexec(c, ("CREATE DATABASE \"" + name + "\"").c_str());
      ok = PQresultStatus(r) == PGRES_COMMAND_OK;
      PQclear(r);
    }
    PQfinish(c);
    if (!ok) return std::nullopt;
    return Url(name);
  }

  // Kills the server as a crash would (no shutdown checkpoint, clients cut off).
  void Kill() { Run(Bin("pg_ctl") + " -D " + Data() + " -m immediate -w stop"); }
  void Stop() { Run(Bin("pg_ctl") + " -D " + Data() + " -m fast -w stop"); }
  bool Restart() {
    std::string why;
    return Up(&why);
  }

 private:
  explicit PostgresTestCluster(std::string bin) : bin_(std::move(bin)) {}

  static std::string FindBinDir() {
    if (const char* env = std::getenv("ATTESTD_PG_BIN"); env != nullptr && *env != '\0') {
      return env;
    }
    std::string best;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
      std::string candidate = (e.path() / "bin").string();
      if (!std::filesystem::exists(candidate + "/initdb")) continue;
      // Version folders are numbers: longer is newer, then lexicographic.
      std::string v = e.path().filename().string();
      std::string b = best.empty() ? "" : std::filesystem::path(best).parent_path().filename();
      if (best.empty() || v.size() > b.size() || (v.size() == b.size() && v > b)) best = candidate;
    }
    return best;
  }

  static int FreePort() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    int port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      port = ntohs(addr.sin_port);
    }
    ::close(fd);
    return port;
  }

  std::string Bin(const std::string& tool) const {
    std::string prefix =
        ::geteuid() == 0 ? "setpriv --reuid=nobody --regid=nogroup --clear-groups " : "";
    return prefix + bin_ + "/" + tool;
  }
  std::string Data() const { return dir_ + "/data"; }
  int Run(const std::string& cmd) const {
    return std::system((cmd + " >>" + dir_ + "/tools.log 2>&1").c_str());
  }

  bool Init(std::string* why) {
    char tmpl[] = "/tmp/attestd-pg-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) {
      *why = "mkdtemp failed";
      return false;
    }
    dir_ = tmpl;
    if (::geteuid() == 0 && ::chown(dir_.c_str(), 65534, 65534) != 0) {
      *why = "cannot hand " + dir_ + " to nobody";
      return false;
    }
    if (Run(Bin("initdb") + " -D " + Data() + " -A trust -U attestd -E UTF8 --no-sync") != 0) {
      *why = "initdb failed (see " + dir_ + "/tools.log)";
      return false;
    }
    return true;
  }

  bool Up(std::string* why) {
    for (int attempt = 0; attempt < 5; ++attempt) {
      if (port_ == 0) port_ = FreePort();
      // fsync=off: a killed server (not a killed machine) keeps everything the OS was given.
      std::string opts = "-p " + std::to_string(port_) + " -k " + dir_ +
                         " -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200";
      if (Run(Bin("pg_ctl") + " -D " + Data() + " -l " + dir_ + "/server.log -w -t 30 -o '" + opts +
              "' start") == 0) {
        started_once_ = true;
        return true;
      }
      if (started_once_) break;  // the port was ours; do not move the server elsewhere
      port_ = 0;
    }
    *why = "pg_ctl start failed (see " + dir_ + "/server.log)";
    return false;
  }

  std::string bin_;
  std::string dir_;
  int port_ = 0;
  bool started_once_ = false;
};

}  // namespace attest::store::testing
