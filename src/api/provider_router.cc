#include "api/provider_router.h"

#include <charconv>
#include <utility>

#include "api/error_mapping.h"
#include "base/reasons.h"
#include "base/strings.h"

namespace attest::api {
namespace {

constexpr size_t kMaxHostHeader = 255 + 8;  // RFC 1035 name + ":" + port

bool IsProcessRoute(std::string_view path) {
  return path == "/health" || path == "/ready" || path == "/metrics";
}

// True when `prefix` is "" or a whole-segment prefix of `path` ("/a" matches "/a/x", not
// "/ab").
bool PathHasPrefix(std::string_view path, std::string_view prefix) {
  if (prefix.empty()) return true;
  if (!path.starts_with(prefix)) return false;
  return path.size() == prefix.size() || path[prefix.size()] == '/';
}

}  // namespace

std::optional<HostHeader> ParseHostHeader(std::string_view value) {
  // RFC 9110 §7.2: Host = uri-host [ ":" port ]; IPv6 literals in brackets.
  if (value.empty() || value.size() > kMaxHostHeader) return std::nullopt;
  HostHeader out;
  std::string_view port_text;
  if (value.front() == '[') {
    size_t close = value.find(']');
    if (close == std::string_view::npos || close == 1) return std::nullopt;
    out.host = std::string(value.substr(1, close - 1));
    std::string_view rest = value.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port_text = rest.substr(1);
      if (port_text.empty()) return std::nullopt;
    }
  } else {
    size_t colon = value.find(':');
    out.host = std::string(value.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = value.substr(colon + 1);
      if (port_text.empty()) return std::nullopt;
    }
  }
  if (out.host.empty()) return std::nullopt;
  for (char& c : out.host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-' || c == ':' || c == '_';
    if (!ok) return std::nullopt;
    c = AsciiLower(c);
  }
  if (!port_text.empty()) {
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
      return std::nullopt;
    }
    out.port = static_cast<uint16_t>(port);
  }
  return out;
}

void ProviderRouter::SetProviders(std::vector<ProviderRoute> routes, bool single) {
  std::vector<std::shared_ptr<const ProviderRoute>> table;
  table.reserve(routes.size());
  for (ProviderRoute& r : routes) table.push_back(std::make_shared<ProviderRoute>(std::move(r)));
  std::lock_guard lock(mu_);
  routes_ = std::move(table);
  single_ = single;
}

std::shared_ptr<const ProviderRoute> ProviderRouter::Resolve(std::string_view host_header,
                                                             std::string_view path) const {
  std::lock_guard lock(mu_);
  if (single_) return routes_.size() == 1 ? routes_.front() : nullptr;
  auto host = ParseHostHeader(host_header);
  if (!host.has_value()) return nullptr;
  std::shared_ptr<const ProviderRoute> best;
  for (const auto& r : routes_) {
    // A Host without a port names the scheme's default port (RFC 9110 §7.2).
    const uint16_t port = host->port.value_or(r->tls ? 443 : 80);
    if (r->host != host->host || r->port != port || !PathHasPrefix(path, r->path_prefix)) {
      continue;
    }
    if (best == nullptr || r->path_prefix.size() > best->path_prefix.size()) best = r;
  }
  return best;
}

HttpResponse ProviderRouter::Handle(const HttpRequest& request) {
  std::string_view target(request.target);
  std::string_view path = target.substr(0, target.find('?'));
  if (IsProcessRoute(path) && process_ != nullptr) return process_->Handle(request);
  auto host = request.headers.find("host");
  const std::string_view host_value =
      host == request.headers.end() ? std::string_view() : std::string_view(host->second);
  std::shared_ptr<const ProviderRoute> route = Resolve(host_value, path);
  if (route == nullptr) {
    HttpResponse r = ErrorResponse(Status::NotFound(
        reason::kUnknownProvider,
        host_value.empty()
            ? std::string("the request has no Host header; this deployment serves several "
                          "attestation providers, each at its own base URL")
            : "no attestation provider of this deployment has its base URL at host '" +
                  std::string(host_value.substr(0, 64)) + "' and path '" +
                  std::string(path.substr(0, 64)) + "'"));
    return r;
  }
  if (route->path_prefix.empty()) return route->router->Handle(request);
  HttpRequest inner = request;
  inner.target = std::string(target.substr(route->path_prefix.size()));
  if (inner.target.empty() || inner.target.front() != '/') inner.target.insert(0, "/");
  return route->router->Handle(inner);
}

}  // namespace attest::api
