#include "api/router.h"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <optional>
#include <span>
#include <vector>

#include "api/error_mapping.h"
#include "api/wire_models.h"
#include "base/encoding.h"
#include "base/reasons.h"
#include "base/strings.h"
#include "token/jwks.h"

namespace attest::api {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = AsciiLower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
      i += 2;
    } else {
      out += s[i] == '+' ? ' ' : s[i];
    }
  }
  return out;
}

// The value of query parameter `name` (case-insensitive name), or nullopt.
std::optional<std::string> QueryParam(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    size_t eq = pair.find('=');
    if (EqualsIgnoreCase(PercentDecode(pair.substr(0, eq)), name)) {
      return eq == std::string_view::npos ? std::string() : PercentDecode(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

// spec/maa-rest-api.md §1.2: required on /attest/*; unknown values are 400 InvalidParameter.
// `accepted` is the route's list: the type's (its vocabulary, maa-real-clients.md §1) on
// /attest/{type}, kSupportedApiVersions on management routes.
Status CheckApiVersion(std::string_view query,
                       std::span<const std::string_view> accepted = kSupportedApiVersions) {
  std::optional<std::string> version = QueryParam(query, "api-version");
  if (!version.has_value() || version->empty()) {
    return Status::InvalidArgument(reason::kMissingApiVersion,
                                   "the api-version query parameter is required");
  }
  std::string listed;
  for (size_t i = 0; i < accepted.size(); ++i) {
    if (*version == accepted[i]) return Status::Ok();
    listed += i == 0 ? "" : (i + 1 == accepted.size() ? " or " : ", ");
    listed += accepted[i];
  }
  return Status::InvalidArgument(
      reason::kUnsupportedApiVersion,
      "api-version '" + version->substr(0, 64) + "' is not supported; use " + listed);
}

HttpResponse JsonResponse(std::string body) {
  HttpResponse r;
  r.body = std::move(body);
  return r;
}

HttpResponse MethodNotAllowed(std::string_view allowed) {
  HttpResponse r = ErrorResponse(Status::InvalidArgument(
      reason::kMethodNotAllowed, "this route only accepts " + std::string(allowed)));
  r.status = 405;
  r.headers.emplace_back("Allow", std::string(allowed));
  return r;
}

std::string NewRequestId() {
  uint8_t id[16];
  if (RAND_bytes(id, sizeof id) != 1) return "unknown";
  return HexEncode(id);
}

}  // namespace

ApiRouter::ApiRouter(std::string base_url, const service::AttestationService& attestation,
                     const token::SigningKey& key, Metrics& metrics, ManagementRoutes management)
    : base_url_(std::move(base_url)),
      management_(management),
      attestation_(attestation),
      metrics_(metrics) {
  certs_body_ = token::JwkSet({&key}).dump();
  // claims_supported: the common claims, then each served type's, first mention wins.
  std::vector<std::string_view> type_claims;
  for (const evidence::AttestationTypeDescriptor& d : evidence::Descriptors()) {
    for (std::string_view claim : d.claims_supported) {
      if (std::find(type_claims.begin(), type_claims.end(), claim) == type_claims.end()) {
        type_claims.push_back(claim);
      }
    }
  }
  openid_body_ = token::OpenIdMetadata(base_url_, type_claims).dump();
}

bool ApiRouter::RunsInline(const HttpRequest& request) {
  if (request.method != "GET") return false;
  std::string_view path(request.target);
  path = path.substr(0, path.find('?'));
  return path == "/health" || path == "/ready" || path == "/metrics" || path == "/certs" ||
         path == "/.well-known/openid-configuration";
}

HttpResponse ApiRouter::Handle(const HttpRequest& request) {
  const auto start = std::chrono::steady_clock::now();
  std::string request_id = NewRequestId();
  std::string route = "other";
  std::string_view target = request.target;
  size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  std::string_view query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);

  HttpResponse response;
  try {
    response = Dispatch(request, path, query, route);
  } catch (const std::exception& e) {
    // Nothing we call should throw; if a third-party call does, answer 500, never crash.
    response = ErrorResponse(Status::Internal(std::string("unexpected exception: ") + e.what()));
  } catch (...) {
    response = ErrorResponse(Status::Internal("unexpected exception"));
  }
  response.headers.emplace_back("x-ms-request-id", request_id);

  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  metrics_.RecordRequest(route, response.status, seconds);
  spdlog::info("request id={} method={} route={} status={} latency_ms={:.3f} bytes_in={} reason={}",
               request_id, request.method.substr(0, 16), route, response.status, seconds * 1000.0,
               request.body.size(), response.error_reason.empty() ? "-" : response.error_reason);
  return response;
}

HttpResponse ApiRouter::Dispatch(const HttpRequest& request, std::string_view path,
                                 std::string_view query, std::string& route) {
  const bool get = request.method == "GET";
  if (path == "/certs") {
    route = "/certs";  // §3.2: api-version optional, any value accepted
    if (!get) return MethodNotAllowed("GET");
    if (key_ring_ != nullptr) {
      const auto published = key_ring_->PublishedNow();
      std::vector<const token::SigningKey*> keys;
      for (const auto& k : published) keys.push_back(k.get());
      return JsonResponse(token::JwkSet(keys).dump());
    }
    return JsonResponse(certs_body_);
  }
  if (path == "/.well-known/openid-configuration") {
    route = "/.well-known/openid-configuration";
    return get ? JsonResponse(openid_body_) : MethodNotAllowed("GET");
  }
  if (path == "/health") {
    route = "/health";
    return get ? JsonResponse(R"({"status":"alive"})") : MethodNotAllowed("GET");
  }
  if (path == "/ready") {
    route = "/ready";
    if (!get) return MethodNotAllowed("GET");
    if (!ready_.load()) {
      return ErrorResponse(Status::Unavailable(reason::kNotReady, "attestd is not ready"));
    }
    return JsonResponse(R"({"status":"ready"})");
  }
  if (path == "/metrics") {
    route = "/metrics";
    if (!get) return MethodNotAllowed("GET");
    HttpResponse r = JsonResponse(metrics_.RenderPrometheus());
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return r;
  }
  constexpr std::string_view kAttestPrefix = "/attest/";
  if (path.starts_with(kAttestPrefix)) {
    route = "/attest/unknown";
    return Attest(request, path.substr(kAttestPrefix.size()), query, route);
  }
  constexpr std::string_view kPoliciesPrefix = "/policies/";
  if (path.starts_with(kPoliciesPrefix)) {
    route = "/policies/unknown";
    return Policies(request, path.substr(kPoliciesPrefix.size()), query, route);
  }
  constexpr std::string_view kCertificates = "/certificates";
  if (path.starts_with(kCertificates)) {
    return Certificates(request, path.substr(kCertificates.size()), query, route);
  }
  return ErrorResponse(Status::NotFound(reason::kRouteNotFound, "no such route"));
}

StatusOr<service::Caller> ApiRouter::Authorize(const HttpRequest& request, bool write) const {
  // spec/maa-service-behaviour.md §1.1: every management call needs a bearer with the
  // operation's permission; missing or insufficient rights are 401 Unauthorized.
  if (management_.authenticator == nullptr) {
    return Err(Status::Unauthenticated(
        reason::kBearerNotConfigured,
        "policy management needs bearer-token validation: configure aad_issuer and aad_jwks"));
  }
  auto header = request.headers.find("authorization");
  ATTEST_ASSIGN_OR_RETURN(
      service::Caller caller,
      management_.authenticator->Authenticate(header == request.headers.end() ? std::string_view()
                                                                              : header->second));
  if (write ? !caller.can_write : !caller.can_read) {
    return Err(Status::Unauthenticated(reason::kInsufficientRole,
                                       std::string("the bearer token lacks the role needed to ") +
                                           (write ? "change" : "read") + " policies"));
  }
  return caller;
}

namespace {

HttpResponse TokenResponse(const StatusOr<std::string>& token) {
  if (!token.has_value()) return ErrorResponse(token.error());
  HttpResponse r;
  r.body = "{\"token\":\"" + *token + "\"}";
  return r;
}

HttpResponse NotInitialised() {
  return ErrorResponse(Status::PermissionDenied(reason::kProviderNotInitialised,
                                                "policy management is not enabled on this server"));
}

}  // namespace

HttpResponse ApiRouter::Policies(const HttpRequest& request, std::string_view rest,
                                 std::string_view query, std::string& route) {
  // "{type}" or "{type}:reset" (a client may percent-encode the colon).
  std::string decoded = PercentDecode(rest);
  std::string_view segment = decoded;
  bool reset = false;
  if (size_t colon = segment.find(':'); colon != std::string_view::npos) {
    if (segment.substr(colon) != ":reset") {
      return ErrorResponse(Status::NotFound(reason::kRouteNotFound, "no such route"));
    }
    reset = true;
    segment = segment.substr(0, colon);
  }
  auto descriptor = ParseRouteAttestationType(segment);
  if (!descriptor.has_value()) return ErrorResponse(descriptor.error());
  const evidence::AttestationType type = (*descriptor)->type;
  route = "/policies/" + std::string((*descriptor)->rest_name()) + (reset ? ":reset" : "");
  const bool get = request.method == "GET";
  if (reset ? request.method != "POST" : (!get && request.method != "PUT")) {
    return MethodNotAllowed(reset ? "POST" : "GET, PUT");
  }
  if (Status s = CheckApiVersion(query); !s.ok()) return ErrorResponse(s);
  auto caller = Authorize(request, /*write=*/!get);
  if (!caller.has_value()) return ErrorResponse(caller.error());
  if (management_.policies == nullptr) return NotInitialised();
  const service::PolicyService& policies = *management_.policies;
  if (get) return TokenResponse(policies.GetPolicy(type));
  if (reset) return TokenResponse(policies.ResetPolicy(type, request.body, *caller));
  return TokenResponse(policies.SetPolicy(type, request.body, *caller));
}

HttpResponse ApiRouter::Certificates(const HttpRequest& request, std::string_view rest,
                                     std::string_view query, std::string& route) {
  std::string decoded = PercentDecode(rest);
  enum class Op { kList, kAdd, kRemove } op;
  if (decoded.empty()) {
    op = Op::kList;
    route = "/certificates";
  } else if (decoded == ":add") {
    op = Op::kAdd;
    route = "/certificates:add";
  } else if (decoded == ":remove") {
    op = Op::kRemove;
    route = "/certificates:remove";
  } else {
    return ErrorResponse(Status::NotFound(reason::kRouteNotFound, "no such route"));
  }
  if (op == Op::kList ? request.method != "GET" : request.method != "POST") {
    return MethodNotAllowed(op == Op::kList ? "GET" : "POST");
  }
  if (Status s = CheckApiVersion(query); !s.ok()) return ErrorResponse(s);
  auto caller = Authorize(request, /*write=*/op != Op::kList);
  if (!caller.has_value()) return ErrorResponse(caller.error());
  if (management_.policies == nullptr) return NotInitialised();
  const service::PolicyService& policies = *management_.policies;
  switch (op) {
    case Op::kList:
      return TokenResponse(policies.GetCertificates());
    case Op::kAdd:
      return TokenResponse(policies.AddCertificate(request.body, *caller));
    case Op::kRemove:
      return TokenResponse(policies.RemoveCertificate(request.body, *caller));
  }
  return ErrorResponse(Status::Internal("unreachable"));
}

HttpResponse ApiRouter::Attest(const HttpRequest& request, std::string_view type_segment,
                               std::string_view query, std::string& route) {
  auto descriptor = ParseRouteAttestationType(type_segment);
  if (!descriptor.has_value()) return ErrorResponse(descriptor.error());
  const evidence::AttestationTypeDescriptor& type = **descriptor;
  const std::string type_name(type.rest_name());
  route = "/attest/" + type_name;
  // maa-real-clients.md §6: a type MAA defines but attestd does not verify is 400.
  if (!type.verifiable() && type.make_protocol == nullptr) {
    return ErrorResponse(evidence::UnsupportedType(type.type));
  }
  if (request.method != "POST") return MethodNotAllowed("POST");
  if (Status s = CheckApiVersion(query, type.vocabulary().api_versions); !s.ok()) {
    return ErrorResponse(s);
  }
  if (type.make_protocol != nullptr) return AttestProtocol(request, type);

  auto parsed = ParseAttestRequest(type.type, request.body);
  if (!parsed.has_value()) return ErrorResponse(parsed.error());
  auto token = attestation_.Attest(*parsed);
  if (!token.has_value()) {
    metrics_.RecordVerification(type_name, token.error().reason());
    return ErrorResponse(token.error());
  }
  if (type.seal_answer != nullptr) {
    auto sealed = type.seal_answer(*token);
    if (!sealed.has_value()) {
      metrics_.RecordVerification(type_name, sealed.error().reason());
      return ErrorResponse(sealed.error());
    }
    token = std::move(*sealed);
  }
  metrics_.RecordVerification(type_name, "success");
  // §1.6: {"token":"<compact JWS>"} (AzureGuest: the sealed answer, base64url); no escaping
  // needed.
  return JsonResponse("{\"token\":\"" + *token + "\"}");
}

}  // namespace attest::api
