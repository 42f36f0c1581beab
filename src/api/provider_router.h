// ProviderRouter: several attestation providers in one deployment (issue 12 item 3; MAA's
// "instances", DESIGN.md "providers"). Each provider has its own ApiRouter (issuer, keys,
// policies, signers); a request goes to the provider whose base URL names its `Host` header
// (and, when the base URL has a path, whose path prefix starts the request's path; the
// prefix is removed before the provider's router sees the target).
//
// - /health, /ready and /metrics are the process's, whatever the Host: load balancers probe
//   them by address.
// - With only the default provider configured, every request goes to it whatever its Host
//   (a single-provider deployment behaves as before providers existed).
// - Otherwise a request no provider's base URL names is 404 UNKNOWN_PROVIDER: never another
//   provider's answer.
//
// Thread-safe: SetProviders() may swap the table while requests are handled; a request keeps
// the provider it resolved alive until it is answered.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/http_types.h"
#include "api/router.h"

namespace attest::api {

struct ProviderRoute {
  std::string id;
  std::string host;         // lower case, without IPv6 brackets
  uint16_t port = 443;      // the base URL's port (its scheme's default when it names none)
  bool tls = true;          // the base URL's scheme (decides the default port of a Host)
  std::string path_prefix;  // "" or "/a/b", no trailing slash
  std::shared_ptr<ApiRouter> router;
};

// The parts of a Host header: host in lower case without IPv6 brackets, and the port when
// one is given. nullopt for an empty or malformed value.
struct HostHeader {
  std::string host;
  std::optional<uint16_t> port;
};
std::optional<HostHeader> ParseHostHeader(std::string_view value);

class ProviderRouter {
 public:
  // `process` answers /health, /ready and /metrics (the default provider's router, whose
  // ready flag is the process's). It must outlive this router; null only in tests of Resolve.
  explicit ProviderRouter(ApiRouter* process) : process_(process) {}

  // Replaces the table. `single` routes every request to the one route given, whatever its
  // Host (the deployment serves only the default provider).
  void SetProviders(std::vector<ProviderRoute> routes, bool single);

  HttpResponse Handle(const HttpRequest& request);
  static bool RunsInline(const HttpRequest& request) { return ApiRouter::RunsInline(request); }

  // The route serving `host_header` and `path`, or nullptr (exposed for tests).
  std::shared_ptr<const ProviderRoute> Resolve(std::string_view host_header,
                                               std::string_view path) const;

 private:
  ApiRouter* process_;
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<const ProviderRoute>> routes_;
  bool single_ = true;
};

}  // namespace attest::api
