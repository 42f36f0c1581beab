// ApiRouter: MAA's data-plane routes (spec/maa-rest-api.md §2) over transport-neutral
// requests, plus /health, /ready and /metrics. Decodes the request, checks api-version,
// calls AttestationService, encodes {"token": ...} or the error envelope (via
// error_mapping), records metrics and writes one structured log line per request.
//
// Borrowed collaborators must outlive it. Handle() is thread-safe and never throws.
#pragma once

#include <atomic>
#include <string>
#include <string_view>

#include "api/http_types.h"
#include "api/metrics.h"
#include "evidence/registry.h"
#include "service/attestation_service.h"
#include "service/bearer_authenticator.h"
#include "service/policy_service.h"
#include "token/key_ring.h"
#include "token/signing_key.h"

namespace attest::api {

// spec/maa-rest-api.md §1.2.
inline constexpr std::string_view kSupportedApiVersions[] = {"2020-10-01", "2022-08-01",
                                                             "2022-09-01-preview", "2025-06-01"};

// Policy management (spec/maa-rest-api.md §5). Without a PolicyService the management
// routes answer 403; without an authenticator they answer 401 (no caller can be trusted).
struct ManagementRoutes {
  const service::PolicyService* policies = nullptr;
  const service::BearerAuthenticator* authenticator = nullptr;
};

class ApiRouter {
 public:
  ApiRouter(std::string base_url, const service::AttestationService& attestation,
            const token::SigningKey& key, Metrics& metrics, ManagementRoutes management = {});

  HttpResponse Handle(const HttpRequest& request);
  // True for the routes cheap enough to answer on an I/O thread whatever the load (health,
  // readiness, metrics and the precomputed discovery documents); see HttpServer.
  static bool RunsInline(const HttpRequest& request);

  // /ready answers 503 while false (before start-up completes and during shutdown).
  void SetReady(bool ready) { ready_.store(ready); }
  // Keys rotate (issue 12): /certs lists the ring's published keys of the moment instead of
  // the constructor's key. `ring` must outlive the router; set before serving.
  void SetKeyRing(const token::KeyRing* ring) { key_ring_ = ring; }

 private:
  HttpResponse Dispatch(const HttpRequest& request, std::string_view path,
                        std::string_view query, std::string& route);
  HttpResponse Attest(const HttpRequest& request, std::string_view type_segment,
                      std::string_view query, std::string& route);

  // /attest/{type} of a multi-round protocol type (tpm_route.cc).
  HttpResponse AttestProtocol(const HttpRequest& request,
                              const evidence::AttestationTypeDescriptor& type);

  HttpResponse Policies(const HttpRequest& request, std::string_view rest,
                        std::string_view query, std::string& route);
  HttpResponse Certificates(const HttpRequest& request, std::string_view rest,
                            std::string_view query, std::string& route);
  // The caller behind the request's bearer token, with the role the operation needs.
  StatusOr<service::Caller> Authorize(const HttpRequest& request, bool write) const;

  std::string base_url_;
  ManagementRoutes management_;
  const service::AttestationService& attestation_;
  Metrics& metrics_;
  std::string certs_body_;
  const token::KeyRing* key_ring_ = nullptr;
  std::string openid_body_;
  std::atomic<bool> ready_{false};
};

}  // namespace attest::api
