#include "client/endpoint_url.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "base/reasons.h"
#include "base/strings.h"

namespace attest::client {
namespace {

Status BadUrl(std::string message) {
  return Status::InvalidArgument(reason::kInvalidEndpoint, std::move(message));
}

bool IsHostChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
}

}  // namespace

bool IsLoopbackHost(std::string_view host) {
  std::string h = AsciiToLower(host);
  return h == "localhost" || h == "::1" || h.starts_with("127.");
}

std::string EndpointUrl::HostHeader() const {
  // Appends piecewise: GCC 12's -Wrestrict misfires on `"[" + host + "]"` at -O3.
  std::string h;
  const bool bracket = host.find(':') != std::string::npos;
  if (bracket) h.push_back('[');
  h.append(host);
  if (bracket) h.push_back(']');
  if ((tls && port != 443) || (!tls && port != 80)) {
    h.push_back(':');
    h.append(std::to_string(port));
  }
  return h;
}

std::string EndpointUrl::Target(std::string_view path) const {
  return path_prefix + std::string(path);
}

bool EndpointUrl::IsLoopback() const { return IsLoopbackHost(host); }

StatusOr<EndpointUrl> ParseEndpointUrl(std::string_view url) {
  EndpointUrl out;
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return Err(BadUrl("endpoint must start with https:// (or http:// for loopback)"));
  }
  std::string scheme = AsciiToLower(url.substr(0, scheme_end));
  if (scheme == "https") {
    out.tls = true;
    out.port = 443;
  } else if (scheme == "http") {
    out.tls = false;
    out.port = 80;
  } else {
    return Err(BadUrl("unsupported URL scheme '" + scheme + "'"));
  }
  std::string_view rest = url.substr(scheme_end + 3);
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return Err(BadUrl("endpoint must not carry a query or fragment"));
  }
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) {
    return Err(BadUrl("endpoint must not carry user information"));
  }

  std::string_view port_text;
  if (authority.starts_with("[")) {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return Err(BadUrl("unterminated IPv6 literal"));
    }
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') {
        return Err(BadUrl("unexpected text after IPv6 literal"));
      }
      port_text = after.substr(1);
      if (port_text.empty()) {
        return Err(BadUrl("empty port"));
      }
    }
    if (out.host.empty() || !std::ranges::all_of(out.host, [](char c) {
          return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
        })) {
      return Err(BadUrl("invalid IPv6 literal"));
    }
  } else {
    size_t colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) {
        return Err(BadUrl("empty port"));
      }
    }
    if (out.host.empty() || !std::ranges::all_of(out.host, IsHostChar)) {
      return Err(BadUrl("invalid host in endpoint"));
    }
    out.host = AsciiToLower(out.host);
  }
  if (!port_text.empty()) {
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc() || ptr != port_text.data() + port_text.size() || value == 0 ||
        value > 65535) {
      return Err(BadUrl("invalid port '" + std::string(port_text) + "'"));
    }
    out.port = static_cast<uint16_t>(value);
  }
  while (path.ends_with('/')) {
    path.remove_suffix(1);
  }
  if (path.find_first_of(" \t\r\n") != std::string_view::npos) {
    return Err(BadUrl("invalid characters in endpoint path"));
  }
  out.path_prefix = std::string(path);
  if (!out.tls && !out.IsLoopback()) {
    return Err(BadUrl("plain http is allowed only for loopback endpoints; use https"));
  }
  // The issuer string: what the caller wrote, minus trailing slashes (maa-rest-api.md §1.1).
  std::string_view base = url;
  while (base.ends_with('/')) {
    base.remove_suffix(1);
  }
  out.base = std::string(base);
  return out;
}

}  // namespace attest::client
