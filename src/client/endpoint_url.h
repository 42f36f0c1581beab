// EndpointUrl: the base URL of an attestation provider (e.g. "https://attest.example:8443").
//
// MAA clients append operation paths directly to the base URI (maa-rest-api.md §1.1), and
// the same string, without a trailing slash, is the token issuer. Plain http is accepted
// only for loopback hosts (tests). Immutable value; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace attest::client {

struct EndpointUrl {
  bool tls = true;           // https
  std::string host;          // without IPv6 brackets
  uint16_t port = 443;
  std::string path_prefix;   // "" or "/x/y" (never a trailing slash)
  std::string base;          // normalised "scheme://authority[/prefix]", no trailing slash

  // "host:port" as sent in the Host header (IPv6 in brackets; default ports omitted).
  std::string HostHeader() const;
  // path_prefix + path (path starts with '/').
  std::string Target(std::string_view path) const;
  bool IsLoopback() const;
};

// Parses "http[s]://host[:port][/prefix][/]". Rejects user-info, queries, fragments, empty
// hosts, bad ports and http for non-loopback hosts. Reason: INVALID_ENDPOINT.
StatusOr<EndpointUrl> ParseEndpointUrl(std::string_view url);

// True for "localhost", 127.0.0.0/8 and ::1.
bool IsLoopbackHost(std::string_view host);

}  // namespace attest::client
