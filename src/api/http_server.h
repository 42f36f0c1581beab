// HttpServer: HTTP/1.1 over TLS (or plain TCP when explicitly configured) on Boost.Beast +
// Asio. Keep-alive; a fixed pool of I/O threads sized to the cores runs the handler, so at
// most `workers` requests are handled at once; request header/body limits (413 on an
// oversized body); read/write/idle timeouts; graceful shutdown on SIGINT/SIGTERM (stop
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
  unsigned workers = 0;       // 0 = std::thread::hardware_concurrency()
  size_t max_body_bytes = 1024 * 1024;
  size_t max_header_bytes = 16 * 1024;
  size_t max_connections = 4096;
  std::chrono::seconds read_timeout{30};   // per request (headers + body) and TLS handshake
  std::chrono::seconds write_timeout{30};
  std::chrono::seconds idle_timeout{60};   // keep-alive wait for the next request
  std::chrono::seconds drain_timeout{10};  // shutdown: longest wait for in-flight requests
};

class HttpServer {
 public:
  // The handler must be thread-safe and must not throw (a throw is answered with 500).
  using Handler = std::function<HttpResponse(const HttpRequest&)>;
  // Fires once shutdown starts (e.g. to mark the service not ready).
  using ShutdownHook = std::function<void()>;

  static StatusOr<std::unique_ptr<HttpServer>> Create(HttpServerOptions options, Handler handler);
  ~HttpServer();

  uint16_t port() const;
  // Serves until SIGINT/SIGTERM or Stop(), then drains and returns.
  Status Run(ShutdownHook on_shutdown = nullptr);
  void Stop();

  class Impl;  // defined in http_server.cc (keeps Beast out of this header)

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace attest::api
