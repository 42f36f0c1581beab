// AttestationClient's policy-administration operations (maa-rest-api.md §5).
#include <nlohmann/json.hpp>

#include "base/encoding.h"
#include "base/reasons.h"
#include "client/attestation_client.h"
#include "client/jwt.h"
#include "client/policy_document.h"

namespace attest::client {
namespace {

constexpr std::string_view kManagementApiVersion = "2020-10-01";  // the JS SDK's constant

Status InvalidResponse(std::string message) {
  return Status::InvalidArgument(reason::kInvalidResponse, std::move(message));
}

StatusOr<std::string> CheckType(std::string_view type) {
  if (type.empty() || type.size() > 32) {
    return Err(Status::InvalidArgument(reason::kAttestationTypeUnknown, "empty or too long type"));
  }
  for (char c : type) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) {
      return Err(Status::InvalidArgument(reason::kAttestationTypeUnknown,
                                         "the attestation type must be letters only"));
    }
  }
  return std::string(type);
}

std::string StringClaim(const nlohmann::json& claims, const char* name) {
  auto it = claims.find(name);
  return it != claims.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

StatusOr<std::pair<std::string, nlohmann::json>> AttestationClient::Manage(
    std::string method, std::string path, std::string body, std::string content_type) {
  HttpRequest request;
  request.method = std::move(method);
  request.target = path + "?api-version=" +
                   (options_.api_version.empty() ? std::string(kManagementApiVersion)
                                                 : options_.api_version);
  request.body = std::move(body);
  request.content_type = std::move(content_type);
  if (!options_.bearer_token.empty()) request.authorization = "Bearer " + options_.bearer_token;
  ATTEST_ASSIGN_OR_RETURN(HttpResponse response, Call(std::move(request)));
  ATTEST_ASSIGN_OR_RETURN(std::string token, ParseTokenEnvelope(response.body));
  ATTEST_ASSIGN_OR_RETURN(nlohmann::json claims, ValidateToken(token));
  return std::make_pair(std::move(token), std::move(claims));
}

StatusOr<StoredPolicy> AttestationClient::GetPolicy(std::string_view type) {
  ATTEST_ASSIGN_OR_RETURN(std::string t, CheckType(type));
  ATTEST_ASSIGN_OR_RETURN(auto result, Manage("GET", "/policies/" + t, "", ""));
  StoredPolicy out;
  out.claims = std::move(result.second);
  out.document = StringClaim(out.claims, "x-ms-policy");
  // maa-rest-api.md §5.1: the JS client's "invalid getPolicy response" check.
  if (out.document.empty()) return Err(InvalidResponse("the result has no x-ms-policy"));
  ATTEST_ASSIGN_OR_RETURN(Jwt jws, ParseJwt(out.document));
  auto text = jws.claims.find("AttestationPolicy");
  if (text == jws.claims.end() || !text->is_string()) {
    return Err(InvalidResponse("x-ms-policy has no AttestationPolicy"));
  }
  auto decoded = Base64UrlDecode(text->get<std::string>());
  if (!decoded.has_value()) return Err(InvalidResponse("AttestationPolicy is not base64url"));
  out.text.assign(decoded->begin(), decoded->end());
  return out;
}

StatusOr<PolicyChangeResult> AttestationClient::SetPolicy(std::string_view type,
                                                          std::string_view document) {
  ATTEST_ASSIGN_OR_RETURN(std::string t, CheckType(type));
  ATTEST_ASSIGN_OR_RETURN(auto result,
                          Manage("PUT", "/policies/" + t, std::string(document), "text/plain"));
  PolicyChangeResult out;
  out.token = std::move(result.first);
  out.claims = std::move(result.second);
  out.policy_result = StringClaim(out.claims, "x-ms-policy-result");
  out.token_hash = StringClaim(out.claims, "x-ms-policy-token-hash");
  if (out.claims.contains("x-ms-policy-signer")) out.signer = out.claims["x-ms-policy-signer"];
  if (out.policy_result != "Updated") {
    return Err(InvalidResponse("x-ms-policy-result is '" + out.policy_result + "', not Updated"));
  }
  // Seed README "PolicyTokenHash": the hash of what we sent must be what the service saw.
  const std::string expected = ExpectedPolicyTokenHash(document);
  if (out.token_hash != expected) {
    return Err(Status::InvalidArgument(reason::kPolicyTokenHashMismatch,
                                       "x-ms-policy-token-hash '" + out.token_hash.substr(0, 64) +
                                           "' differs from the hash of the policy document sent (" +
                                           expected + ")"));
  }
  return out;
}

StatusOr<PolicyChangeResult> AttestationClient::ResetPolicy(std::string_view type,
                                                            std::string_view document) {
  ATTEST_ASSIGN_OR_RETURN(std::string t, CheckType(type));
  ATTEST_ASSIGN_OR_RETURN(auto result, Manage("POST", "/policies/" + t + ":reset",
                                              std::string(document), "text/plain"));
  PolicyChangeResult out;
  out.token = std::move(result.first);
  out.claims = std::move(result.second);
  out.policy_result = StringClaim(out.claims, "x-ms-policy-result");
  if (out.policy_result != "Removed") {
    return Err(InvalidResponse("x-ms-policy-result is '" + out.policy_result + "', not Removed"));
  }
  return out;
}

StatusOr<nlohmann::json> AttestationClient::GetPolicyManagementCertificates() {
  ATTEST_ASSIGN_OR_RETURN(auto result, Manage("GET", "/certificates", "", ""));
  const nlohmann::json& claims = result.second;
  auto set = claims.find("x-ms-policy-certificates");
  if (set == claims.end() || !set->is_object() || !set->contains("keys") ||
      !(*set)["keys"].is_array()) {
    return Err(InvalidResponse("the result has no x-ms-policy-certificates.keys"));
  }
  // Callers read members of each key (attestctl signers list): a key that is not a JSON
  // object would make those reads throw, so it is refused here.
  for (const nlohmann::json& key : (*set)["keys"]) {
    if (!key.is_object()) {
      return Err(InvalidResponse("an x-ms-policy-certificates key is not a JSON object"));
    }
  }
  return (*set)["keys"];
}

StatusOr<CertificateChangeResult> AttestationClient::ChangeCertificate(std::string_view path,
                                                                       std::string_view document) {
  // maa-rest-api.md §5.4: the body is the JWS as a JSON string literal.
  ATTEST_ASSIGN_OR_RETURN(auto result, Manage("POST", std::string(path),
                                              nlohmann::json(std::string(document)).dump(),
                                              "application/json"));
  CertificateChangeResult out;
  out.claims = std::move(result.second);
  out.thumbprint = StringClaim(out.claims, "x-ms-certificate-thumbprint");
  out.result = StringClaim(out.claims, "x-ms-policycertificates-result");
  if (out.thumbprint.empty() || out.result.empty()) {
    return Err(InvalidResponse("the result lacks the thumbprint or the result claim"));
  }
  return out;
}

StatusOr<CertificateChangeResult> AttestationClient::AddPolicyManagementCertificate(
    std::string_view document) {
  return ChangeCertificate("/certificates:add", document);
}

StatusOr<CertificateChangeResult> AttestationClient::RemovePolicyManagementCertificate(
    std::string_view document) {
  return ChangeCertificate("/certificates:remove", document);
}

}  // namespace attest::client
