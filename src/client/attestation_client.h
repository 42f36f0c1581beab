// AttestationClient: the operations of the MAA SDKs' AttestationClient against an attestd
// (or MAA) endpoint — attest SGX / Open Enclave / TDX evidence, get the token-signing
// certificates (/certs) and the OpenID metadata — plus relying-party token validation.
//
// Wire shapes follow maa-rest-api.md §3-4 exactly. Like the SDKs, an attestation token is
// validated against /certs by default, and the signer list is cached for the client's
// lifetime (refreshed once when a token names an unknown kid).
// Thread-compatible: use one client per thread or lock around it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/attestation_type.h"
#include "base/bytes.h"
#include "base/status.h"
#include "base/time.h"
#include "client/attestation_signer.h"
#include "client/endpoint_url.h"
#include "client/http_transport.h"

namespace attest::client {

// MAA's vocabulary (base/attestation_type.h): path names, evidence members, api-versions.
using ::attest::AttestationType;

// A type this client can attest in one request (one with an evidence member: SgxEnclave,
// OpenEnclave, TdxVm, SevSnpVm), by attestctl or MAA name, case-insensitive. Errors:
// ATTESTATION_TYPE_UNKNOWN, ATTESTATION_TYPE_UNSUPPORTED (e.g. Tpm, a multi-round protocol).
StatusOr<AttestationType> ParseAttestationType(std::string_view name);

// RuntimeData / InitTimeData (maa-rest-api.md §4.1).
struct BoundData {
  Bytes data;
  bool is_json = false;  // dataType "JSON" (claims in x-ms-runtime) instead of "Binary"
};

struct AttestOptions {
  std::optional<BoundData> runtime_data;
  std::optional<BoundData> init_time_data;
  std::optional<std::string> nonce;
  std::optional<std::string> draft_policy;  // result token is unsigned; implies no validation
  bool validate_token = true;
};

struct AttestationResult {
  std::string token;       // the compact JWT as returned by the service
  nlohmann::json claims;   // verified claims; the unverified payload when not validated
  bool validated = false;
};

struct AttestationClientOptions {
  std::string endpoint;       // e.g. "https://attest.example.com:8443"
  std::string ca_file;        // trust this CA bundle instead of the system store
  std::string api_version;    // "" = the type's client_api_version (2022-08-01; TDX 2025-06-01)
  std::string expected_issuer;  // "" = the endpoint without trailing slash
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds request_timeout{30'000};
  size_t max_response_bytes = 1 << 20;
  int64_t clock_skew_seconds = 60;
  const Clock* clock = &SystemClock::Get();
  // Management calls send "Authorization: Bearer <bearer_token>" when non-empty.
  std::string bearer_token;
};

// Result of PUT /policies/{t} and POST /policies/{t}:reset (maa-tokens.md §6.2).
struct PolicyChangeResult {
  std::string token;          // the validated PolicyResult token
  nlohmann::json claims;
  std::string policy_result;  // "Updated" | "Removed"
  std::string token_hash;     // x-ms-policy-token-hash ("" for a reset)
  std::optional<nlohmann::json> signer;  // x-ms-policy-signer
};

struct StoredPolicy {
  std::string document;  // x-ms-policy: the StoredAttestationPolicy JWS
  std::string text;      // its decoded AttestationPolicy
  nlohmann::json claims;
};

struct CertificateChangeResult {
  std::string thumbprint;  // x-ms-certificate-thumbprint
  std::string result;      // "IsPresent" | "IsAbsent"
  nlohmann::json claims;
};

// The exact JSON body of POST /attest/{type}: members absent when unset, evidence member
// as the vocabulary says ("quote": SGX, TDX; "report": OE, SNP), binary fields unpadded
// base64url.
std::string BuildAttestRequestBody(AttestationType type, ByteSpan evidence,
                                   const AttestOptions& options);

// Extracts "token" from a {"token":"<JWT>"} response (reason INVALID_RESPONSE).
StatusOr<std::string> ParseTokenEnvelope(std::string_view body);

class AttestationClient {
 public:
  static StatusOr<std::unique_ptr<AttestationClient>> Create(AttestationClientOptions options);

  StatusOr<AttestationResult> Attest(AttestationType type, ByteSpan evidence,
                                     const AttestOptions& options = {});
  StatusOr<AttestationResult> AttestSgxEnclave(ByteSpan quote, const AttestOptions& options = {}) {
    return Attest(AttestationType::kSgxEnclave, quote, options);
  }
  StatusOr<AttestationResult> AttestOpenEnclave(ByteSpan report,
                                                const AttestOptions& options = {}) {
    return Attest(AttestationType::kOpenEnclave, report, options);
  }
  StatusOr<AttestationResult> AttestTdxVm(ByteSpan quote, const AttestOptions& options = {}) {
    return Attest(AttestationType::kTdxVm, quote, options);
  }

  // GET /certs (always fetched, refreshing the cache).
  StatusOr<std::vector<AttestationSigner>> GetAttestationSigners();
  // GET /.well-known/openid-configuration, returned as parsed.
  StatusOr<nlohmann::json> GetOpenIdMetadata();
  // Validates a token issued by this endpoint; returns its claims.
  StatusOr<nlohmann::json> ValidateToken(std::string_view token);

  // Policy administration (maa-rest-api.md §5; AttestationAdministrationClient in the SDKs).
  // `type` is the REST name ("SgxEnclave", "OpenEnclave", "TdxVm", "SevSnpVm", "Tpm").
  // Every result token is validated against /certs like an attestation token.
  StatusOr<StoredPolicy> GetPolicy(std::string_view type);
  // `document` from BuildPolicyDocument. Like the SDK README's PolicyTokenHash check, fails
  // with POLICY_TOKEN_HASH_MISMATCH unless x-ms-policy-token-hash equals
  // ExpectedPolicyTokenHash(document): the service received exactly what was sent.
  StatusOr<PolicyChangeResult> SetPolicy(std::string_view type, std::string_view document);
  StatusOr<PolicyChangeResult> ResetPolicy(std::string_view type, std::string_view document);
  // x-ms-policy-certificates.keys (JWKs with x5c).
  StatusOr<nlohmann::json> GetPolicyManagementCertificates();
  // `document` from BuildCertificateDocument (sent as a JSON string literal).
  StatusOr<CertificateChangeResult> AddPolicyManagementCertificate(std::string_view document);
  StatusOr<CertificateChangeResult> RemovePolicyManagementCertificate(std::string_view document);

  const EndpointUrl& endpoint() const { return endpoint_; }
  const std::string& expected_issuer() const { return expected_issuer_; }

 private:
  AttestationClient(AttestationClientOptions options, EndpointUrl endpoint,
                    std::unique_ptr<HttpTransport> transport);
  StatusOr<HttpResponse> Call(HttpRequest request);
  // A management call: bearer, api-version, {"token"} envelope, validated claims.
  StatusOr<std::pair<std::string, nlohmann::json>> Manage(std::string method, std::string path,
                                                          std::string body,
                                                          std::string content_type);
  StatusOr<CertificateChangeResult> ChangeCertificate(std::string_view path,
                                                      std::string_view document);

  AttestationClientOptions options_;
  EndpointUrl endpoint_;
  std::string expected_issuer_;
  std::unique_ptr<HttpTransport> transport_;
  std::optional<std::vector<AttestationSigner>> signers_;  // cache of /certs
};

}  // namespace attest::client
