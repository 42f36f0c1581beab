// HttpTransport: one HTTP/1.1 request/response exchange with an attestation provider over
// TLS (OpenSSL via Boost.Beast/Asio) or, for loopback tests, plain TCP.
//
// Every call opens a connection, verifies the server certificate (system trust store or a
// private CA file; host name or IP checked), sends one request, reads one response whose body
// is capped, and closes. Timeouts bound the connect and the whole exchange. No exception
// escapes. Thread-compatible: one transport per thread, or external locking.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "client/endpoint_url.h"

namespace attest::client {

struct TransportOptions {
  std::string ca_file;  // PEM bundle to trust instead of the system store; "" = system store
  // PEM bundle trusted in addition to ca_file / the system store (e.g. a PCCS's private CA).
  std::string extra_ca_file;
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds request_timeout{30'000};  // whole exchange, connect included
  size_t max_response_bytes = 1 << 20;
};

struct HttpRequest {
  std::string method = "GET";  // "GET", "POST" or "PUT"
  std::string target;          // origin-form path and query, e.g. "/certs"
  std::string body;
  std::string content_type;    // sent when non-empty
  std::string accept = "application/json";
  std::string authorization;   // Authorization header value, sent when non-empty
};

struct HttpResponse {
  unsigned status = 0;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // in order; names lower case
};

class HttpTransport {
 public:
  // Fails (INVALID_CA_FILE, TLS_SETUP_FAILED) when the TLS context cannot be built.
  static StatusOr<std::unique_ptr<HttpTransport>> Create(const EndpointUrl& endpoint,
                                                         const TransportOptions& options);
  ~HttpTransport();
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  // Any HTTP status is a successful exchange. Network/TLS failures and timeouts are
  // kUnavailable (CONNECTION_FAILED, TLS_HANDSHAKE_FAILED, TIMEOUT, HTTP_IO_ERROR); an
  // oversized response is kResourceExhausted (RESPONSE_TOO_LARGE).
  StatusOr<HttpResponse> Send(const HttpRequest& request);

 private:
  struct Impl;
  explicit HttpTransport(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace attest::client
