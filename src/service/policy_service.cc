#include "service/policy_service.h"

#include "base/encoding.h"
#include "base/reasons.h"
#include "base/strings.h"
#include "crypto/digest.h"
#include "crypto/jwk.h"
#include "policy/policy.h"
#include "service/management_jws.h"
#include "service/policy_evaluator.h"
#include "token/jws.h"

namespace attest::service {
namespace {

using store::ProviderMode;

Status DocumentInvalid(std::string message) {
  return Status::InvalidArgument(reason::kPolicyDocumentInvalid, std::move(message));
}

// The unsigned StoredAttestationPolicy JWS for `text` (maa-service-behaviour.md §2.3).
std::string UnsignedPolicyJws(std::string_view text) {
  return token::UnsecuredCompactJws({{"AttestationPolicy", Base64UrlEncode(AsBytes(text))}});
}

// The policy text inside a StoredAttestationPolicy payload (maa-tokens.md §6.1).
StatusOr<std::string> PolicyTextOf(const ManagementJws& jws) {
  if (!jws.payload.has_value()) return Err(DocumentInvalid("the policy document has no payload"));
  auto it = jws.payload->find("AttestationPolicy");
  if (it == jws.payload->end() || !it->is_string()) {
    return Err(DocumentInvalid(
        "the policy document must be a StoredAttestationPolicy: {\"AttestationPolicy\": "
        "\"<base64url policy text>\"}"));
  }
  auto text = Base64UrlDecode(it->get<std::string>());
  if (!text.has_value()) return Err(DocumentInvalid("AttestationPolicy is not base64url"));
  return std::string(text->begin(), text->end());
}

}  // namespace

std::string PolicyTokenHash(std::string_view body) {
  return Base64UrlEncode(crypto::Sha256(AsBytes(body)));
}

StatusOr<store::Provider> PolicyService::LoadProvider() const {
  ATTEST_ASSIGN_OR_RETURN(std::optional<store::Provider> provider,
                          store_.GetProvider(provider_id_));
  if (!provider.has_value()) {
    return Err(Status::PermissionDenied(
        reason::kProviderNotInitialised,
        "policy management is unavailable: the provider was not initialised "
        "(run attestd init --mode aad|isolated)"));
  }
  return std::move(*provider);
}

StatusOr<std::string> PolicyService::AuthorizeDocument(const store::Provider& provider,
                                                       const ManagementJws& jws,
                                                       const Caller& caller) const {
  std::string who = caller.identity.empty() ? "unknown" : caller.identity;
  if (provider.mode == ProviderMode::kIsolated) {
    // maa-service-behaviour.md §2.1 step 3: Isolated requires a trusted signature.
    if (!jws.is_signed) {
      return Err(Status::PermissionDenied(
          reason::kPolicySignatureRequired,
          "this provider is in Isolated mode: the document must be signed by a registered "
          "policy-management certificate"));
    }
    ATTEST_ASSIGN_OR_RETURN(std::vector<store::SignerRecord> signers,
                            store_.ListSigners(provider_id_));
    std::vector<crypto::Certificate> trusted;
    for (const store::SignerRecord& s : signers) {
      auto cert = crypto::Certificate::FromDer(s.cert_der);
      if (cert.has_value()) trusted.push_back(std::move(*cert));
    }
    ATTEST_RETURN_IF_ERROR(CheckSignerTrusted(jws, trusted, clock_.Now()));
  }
  if (jws.is_signed) who += " signer:" + CertificateThumbprint(jws.x5c.front());
  return who;
}

StatusOr<std::string> PolicyService::GetPolicy(evidence::AttestationType type) const {
  ATTEST_ASSIGN_OR_RETURN(store::Provider provider, LoadProvider());
  (void)provider;
  const std::string type_name(evidence::AttestationTypeName(type));
  ATTEST_ASSIGN_OR_RETURN(std::optional<store::PolicyRecord> current,
                          store_.CurrentPolicy(provider_id_, type_name));
  std::string jws;
  if (current.has_value()) {
    jws = current->policy_jws;
  } else {
    std::optional<std::string_view> text = DefaultPolicyEvaluator::DefaultPolicyText(type);
    if (!text.has_value()) {
      return Err(Status::NotFound(reason::kPolicyNotFound,
                                  "attestation type " + type_name + " has no policy"));
    }
    jws = UnsignedPolicyJws(*text);
  }
  // maa-rest-api.md §5.1: x-ms-policy is required.
  return issuer_.IssueManagementToken({{"x-ms-policy", jws}});
}

StatusOr<std::string> PolicyService::SetPolicy(evidence::AttestationType type,
                                               std::string_view body,
                                               const Caller& caller) const {
  ATTEST_ASSIGN_OR_RETURN(store::Provider provider, LoadProvider());
  const std::string type_name(evidence::AttestationTypeName(type));
  std::string_view trimmed = TrimWhitespace(body);
  ManagementJws jws;
  std::string text;
  if (EqualsIgnoreCase(trimmed.substr(0, 7), "version")) {
    // maa-rest-api.md §5.2: raw policy text from older tooling, only where signing is not
    // required; stored as the equivalent unsigned document.
    if (provider.mode == ProviderMode::kIsolated) {
      return Err(Status::PermissionDenied(
          reason::kPolicySignatureRequired,
          "this provider is in Isolated mode: the policy must be a JWS signed by a registered "
          "policy-management certificate"));
    }
    text = std::string(trimmed);
    jws.compact = UnsignedPolicyJws(text);
  } else {
    ATTEST_ASSIGN_OR_RETURN(jws, ParseManagementJws(trimmed));
    ATTEST_ASSIGN_OR_RETURN(text, PolicyTextOf(jws));
  }
  ATTEST_ASSIGN_OR_RETURN(std::string who, AuthorizeDocument(provider, jws, caller));
  // Compiled when set (issue 4): syntax and type errors answer 400 with line:column, as does
  // a rule issuing a claim the verifier or the service owns for the type (issue 8).
  ATTEST_ASSIGN_OR_RETURN(
      policy::CompiledPolicy compiled,
      policy::CompilePolicy(text, TokenReservedClaims(type, claims::ClaimSet())));
  (void)compiled;

  store::PolicyRecord record;
  record.attestation_type = type_name;
  record.policy_text = text;
  record.policy_jws = jws.compact;
  if (jws.is_signed) record.signer_cert_der = jws.x5c.front().der();
  record.token_hash = PolicyTokenHash(body);
  record.set_by = who;
  record.set_at = clock_.Now();
  ATTEST_RETURN_IF_ERROR(store_.AppendPolicy(provider_id_, record));

  // maa-tokens.md §6.2: Updated + token hash (+ signer when signed); no x-ms-policy.
  nlohmann::json claims = {{"x-ms-policy-result", "Updated"},
                           {"x-ms-policy-token-hash", record.token_hash}};
  if (jws.is_signed) claims["x-ms-policy-signer"] = SignerJwk(jws.x5c.front());
  return issuer_.IssueManagementToken(std::move(claims));
}

StatusOr<std::string> PolicyService::ResetPolicy(evidence::AttestationType type,
                                                 std::string_view body,
                                                 const Caller& caller) const {
  ATTEST_ASSIGN_OR_RETURN(store::Provider provider, LoadProvider());
  // maa-rest-api.md §5.3: a JWS with an empty payload; signing rules as for set.
  ATTEST_ASSIGN_OR_RETURN(ManagementJws jws, ParseManagementJws(body));
  ATTEST_ASSIGN_OR_RETURN(std::string who, AuthorizeDocument(provider, jws, caller));
  store::PolicyRecord record;
  record.attestation_type = std::string(evidence::AttestationTypeName(type));
  record.reset = true;
  record.policy_jws = jws.compact;
  if (jws.is_signed) record.signer_cert_der = jws.x5c.front().der();
  record.set_by = who;
  record.set_at = clock_.Now();
  ATTEST_RETURN_IF_ERROR(store_.AppendPolicy(provider_id_, record));
  return issuer_.IssueManagementToken({{"x-ms-policy-result", "Removed"}});
}

StatusOr<std::string> PolicyService::GetCertificates() const {
  ATTEST_ASSIGN_OR_RETURN(store::Provider provider, LoadProvider());
  nlohmann::json keys = nlohmann::json::array();
  // maa-rest-api.md §5.4: AAD providers always answer an empty set.
  if (provider.mode == ProviderMode::kIsolated) {
    ATTEST_ASSIGN_OR_RETURN(std::vector<store::SignerRecord> signers,
                            store_.ListSigners(provider_id_));
    for (const store::SignerRecord& s : signers) {
      auto cert = crypto::Certificate::FromDer(s.cert_der);
      if (cert.has_value()) keys.push_back(SignerJwk(*cert));
    }
  }
  return issuer_.IssueManagementToken({{"x-ms-policy-certificates", {{"keys", keys}}}});
}

StatusOr<std::string> PolicyService::AddCertificate(std::string_view body,
                                                    const Caller& caller) const {
  return ChangeCertificate(body, caller, /*add=*/true);
}

StatusOr<std::string> PolicyService::RemoveCertificate(std::string_view body,
                                                       const Caller& caller) const {
  return ChangeCertificate(body, caller, /*add=*/false);
}

StatusOr<std::string> PolicyService::ChangeCertificate(std::string_view body,
                                                       const Caller& caller, bool add) const {
  ATTEST_ASSIGN_OR_RETURN(store::Provider provider, LoadProvider());
  if (provider.mode != ProviderMode::kIsolated) {
    return Err(Status::PermissionDenied(
        reason::kOperationNotSupported,
        "policy-management certificates can only be changed on an Isolated-mode provider"));
  }
  // maa-rest-api.md §5.4: a JSON string literal holding the JWS; a bare JWS is accepted too.
  std::string_view trimmed = TrimWhitespace(body);
  std::string compact(trimmed);
  if (!trimmed.empty() && trimmed.front() == '"') {
    nlohmann::json literal = nlohmann::json::parse(trimmed, nullptr, false);
    if (!literal.is_string()) {
      return Err(Status::InvalidArgument(reason::kJwsMalformed,
                                         "the body must be a JSON string holding a JWS"));
    }
    compact = literal.get<std::string>();
  }
  ATTEST_ASSIGN_OR_RETURN(ManagementJws jws, ParseManagementJws(compact));
  ATTEST_ASSIGN_OR_RETURN(std::string who, AuthorizeDocument(provider, jws, caller));

  const nlohmann::json* member = nullptr;
  if (jws.payload.has_value()) {
    for (const char* name : {"policyCertificate", "maa-policyCertificate", "x-ms-policyCertificate"}) {
      auto it = jws.payload->find(name);
      if (it != jws.payload->end()) {
        member = &*it;
        break;
      }
    }
  }
  if (member == nullptr || !member->is_object() || member->find("x5c") == member->end()) {
    return Err(Status::InvalidArgument(
        reason::kCertificateDocumentInvalid,
        "Could not find \"policyCertificate\" claim with an x5c certificate in the token"));
  }
  ATTEST_ASSIGN_OR_RETURN(std::vector<crypto::Certificate> certs,
                          crypto::CertificatesFromX5c(*member->find("x5c"), kMaxX5cCertificates,
                                                      reason::kCertificateDocumentInvalid));
  const crypto::Certificate* cert = &certs.front();
  const std::string thumbprint = CertificateThumbprint(*cert);
  if (add) {
    store::SignerRecord record{thumbprint, cert->der(), who, clock_.Now()};
    ATTEST_ASSIGN_OR_RETURN(bool added, store_.AddSigner(provider_id_, record));
    (void)added;  // idempotent (maa-service-behaviour.md §2.4)
  } else {
    ATTEST_ASSIGN_OR_RETURN(bool removed, store_.RemoveSigner(provider_id_, thumbprint));
    (void)removed;
  }
  return issuer_.IssueManagementToken({{"x-ms-certificate-thumbprint", thumbprint},
                                       {"x-ms-policycertificates-result",
                                        add ? "IsPresent" : "IsAbsent"}});
}

}  // namespace attest::service
