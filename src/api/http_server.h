// HttpServer: HTTP/1.1 over TLS (or plain TCP when explicitly configured) on Boost.Beast +
// Asio. The I/O threads only accept, do TLS and move bytes; requests run on a separate
// bounded WorkPool (at most `workers` at once, `max_queued_requests` waiting, each with a
// deadline after which it is answered 503), except the cheap ones the inline predicate
// names (/health, /ready, /metrics), which the I/O threads answer at once so they answer
// however busy the workers are. Keep-alive; request header/body limits (413 delivered
// before the connection closes); strict RFC 9112 framing (http_strictness.h); a short TLS
// handshake timeout, a connection cap sized from RLIMIT_NOFILE and a per-source cap;
// accept backs off when descriptors run out; graceful shutdown on SIGINT/SIGTERM (stop
// accepting, finish in-flight requests, close idle connections).
//
// Beast lives only in http_server.cc. Create() binds the socket; Run() blocks until
// shutdown. Stop() may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "api/http_types.h"
#include "base/status.h"

namespace attest::api {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8443;  // 0 = an ephemeral port (see HttpServer::port())
  bool tls = true;
  std::string tls_cert_file;  // PEM chain, leaf first
  std::string tls_key_file;   // PEM private key
  unsigned workers = 0;       // request workers; 0 = std::thread::hardware_concurrency()
  unsigned io_threads = 0;    // accept/TLS/I/O threads; 0 = std::thread::hardware_concurrency()
  size_t max_queued_requests = 256;  // beyond the running ones; more are answered 503 at once
  std::chrono::milliseconds request_deadline{30000};  // queued + running; then 503
  size_t max_body_bytes = 1024 * 1024;
  size_t max_header_bytes = 16 * 1024;
  // Upper bound; Open() lowers it to fit RLIMIT_NOFILE (after raising the soft limit to the
  // hard one where allowed), keeping descriptors in reserve for files, the store and logs.
  size_t max_connections = 4096;
  // Connections one source address may hold; 0 = max(16, effective max_connections / 8).
  size_t max_connections_per_source = 0;
  std::chrono::seconds handshake_timeout{5};  // TLS handshake of a new connection
  std::chrono::seconds read_timeout{30};      // per request (headers + body)
  std::chrono::seconds write_timeout{30};
  std::chrono::seconds idle_timeout{60};   // keep-alive wait for the next request
  std::chrono::seconds drain_timeout{10};  // shutdown: longest wait for in-flight requests
};

class HttpServer {
 public:
  // The handler must be thread-safe and must not throw (a throw is answered with 500).
  using Handler = std::function<HttpResponse(const HttpRequest&)>;
  // True for requests cheap enough to answer on an I/O thread (health, readiness, metrics).
  using InlinePredicate = std::function<bool(const HttpRequest&)>;
  // Fires once shutdown starts (e.g. to mark the service not ready).
  using ShutdownHook = std::function<void()>;

  static StatusOr<std::unique_ptr<HttpServer>> Create(HttpServerOptions options, Handler handler,
                                                      InlinePredicate run_inline = nullptr);
  ~HttpServer();

  uint16_t port() const;
  // The connection caps in force after Open() (see HttpServerOptions).
  size_t max_connections() const;
  size_t max_connections_per_source() const;
  // Failed accept() calls so far (e.g. EMFILE); each is followed by a back-off, never a spin.
  uint64_t accept_failures() const;
  // Serves until SIGINT/SIGTERM or Stop(), then drains and returns.
  Status Run(ShutdownHook on_shutdown = nullptr);
  void Stop();

  class Impl;  // defined in http_server.cc (keeps Beast out of this header)

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace attest::api
