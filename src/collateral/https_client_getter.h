// HttpsClientGetter: the production HttpsGetter, on attestd's own HTTP/TLS client
// (client/http_transport.h). One connection per GET; the server certificate is checked against
// the system trust store plus an optional extra CA bundle (--collateral-ca, e.g. a PCCS's
// private CA). Thread-safe (each call builds its own transport).
#pragma once

#include <chrono>
#include <string>

#include "collateral/https_getter.h"

namespace attest::collateral {

class HttpsClientGetter final : public HttpsGetter {
 public:
  struct Options {
    std::string extra_ca_file;  // "" = system store only
    std::chrono::milliseconds timeout{20'000};
    size_t max_response_bytes = 8 * 1024 * 1024;  // PCK CRLs of large CAs reach a few 100 KiB
  };
  explicit HttpsClientGetter(Options options) : options_(std::move(options)) {}

  StatusOr<HttpsResponse> Get(const std::string& url) override;

 private:
  Options options_;
};

}  // namespace attest::collateral
