// PolicyService: policy and policy-certificate management of one provider
// (spec/maa-rest-api.md §5, maa-tokens.md §6-§7, maa-service-behaviour.md §1-§2), as
// orchestration over the store, the policy engine and the token issuer.
//
// The caller (api/) has already authenticated the bearer and checked its read/write role;
// this class applies the provider's mode: AAD accepts unsigned and signed documents (a
// signed one must verify with its own certificate) and refuses signer changes; Isolated
// requires every change to be signed by a registered policy-management certificate and
// keeps at least one. A refused or failed call never writes to the store; an accepted one
// is one store transaction. Every answer is a PolicyResult token signed by the service key.
//
// Borrowed collaborators must outlive it. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "base/time.h"
#include "evidence/evidence.h"
#include "service/bearer_authenticator.h"
#include "store/store.h"
#include "token/token_issuer.h"

namespace attest::service {

struct ManagementJws;

class PolicyService {
 public:
  PolicyService(store::Store& store, std::string provider_id, const token::TokenIssuer& issuer,
                const Clock& clock)
      : store_(store), provider_id_(std::move(provider_id)), issuer_(issuer), clock_(clock) {}

  // The token answering each operation (`{"token": ...}` is the api's business).
  // Errors: kUnavailable (store), kPermissionDenied PROVIDER_NOT_INITIALISED /
  // OPERATION_NOT_SUPPORTED / POLICY_SIGNATURE_REQUIRED / SIGNER_NOT_TRUSTED /
  // JWS_SIGNATURE_INVALID, kInvalidArgument JWS_MALFORMED / POLICY_DOCUMENT_INVALID /
  // CERTIFICATE_DOCUMENT_INVALID and the policy engine's compile errors,
  // kFailedPrecondition LAST_SIGNER.
  StatusOr<std::string> GetPolicy(evidence::AttestationType type) const;
  StatusOr<std::string> SetPolicy(evidence::AttestationType type, std::string_view body,
                                  const Caller& caller) const;
  StatusOr<std::string> ResetPolicy(evidence::AttestationType type, std::string_view body,
                                    const Caller& caller) const;
  StatusOr<std::string> GetCertificates() const;
  StatusOr<std::string> AddCertificate(std::string_view body, const Caller& caller) const;
  StatusOr<std::string> RemoveCertificate(std::string_view body, const Caller& caller) const;

 private:
  StatusOr<store::Provider> LoadProvider() const;
  // Checks the document's signature against the provider's mode; returns the audit identity.
  StatusOr<std::string> AuthorizeDocument(const store::Provider& provider,
                                          const ManagementJws& jws,
                                          const Caller& caller) const;
  StatusOr<std::string> ChangeCertificate(std::string_view body, const Caller& caller,
                                          bool add) const;

  store::Store& store_;
  std::string provider_id_;
  const token::TokenIssuer& issuer_;
  const Clock& clock_;
};

// base64url(SHA-256(bytes)) — x-ms-policy-token-hash of a request body (maa-tokens.md §6.2).
std::string PolicyTokenHash(std::string_view body);

}  // namespace attest::service
