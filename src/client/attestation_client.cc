#include "client/attestation_client.h"

#include "base/encoding.h"
#include "base/reasons.h"
#include "client/error_envelope.h"
#include "client/jwt.h"
#include "client/token_validator.h"

namespace attest::client {
namespace {

Status BadResponse(std::string message) {
  return Status(StatusCode::kInternal, reason::kInvalidResponse, std::move(message));
}

nlohmann::ordered_json BoundDataJson(const BoundData& bound) {
  nlohmann::ordered_json out;
  out["data"] = Base64UrlEncode(bound.data);
  out["dataType"] = bound.is_json ? "JSON" : "Binary";
  return out;
}

StatusOr<nlohmann::json> ParseJsonObject(std::string_view body, const char* what) {
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) {
    return Err(BadResponse(std::string(what) + " is not a JSON object"));
  }
  return doc;
}

}  // namespace

StatusOr<AttestationType> ParseAttestationType(std::string_view name) {
  ATTEST_ASSIGN_OR_RETURN(AttestationType type, ::attest::ParseAttestationType(name));
  if (Vocabulary(type).evidence_member.empty()) {
    return Err(Status::InvalidArgument(
        reason::kAttestationTypeUnsupported,
        std::string(AttestationTypeName(type)) + " is not attested with one request"));
  }
  return type;
}

std::string BuildAttestRequestBody(AttestationType type, ByteSpan evidence,
                                   const AttestOptions& options) {
  // Member order as the SDKs send it (maa-rest-api.md §4.2): evidence, runtimeData,
  // initTimeData, nonce, draftPolicyForAttestation.
  nlohmann::ordered_json body;
  body[std::string(Vocabulary(type).evidence_member)] = Base64UrlEncode(evidence);
  if (options.runtime_data.has_value()) {
    body["runtimeData"] = BoundDataJson(*options.runtime_data);
  }
  if (options.init_time_data.has_value()) {
    body["initTimeData"] = BoundDataJson(*options.init_time_data);
  }
  if (options.nonce.has_value()) {
    body["nonce"] = *options.nonce;
  }
  if (options.draft_policy.has_value()) {
    body["draftPolicyForAttestation"] = *options.draft_policy;
  }
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

StatusOr<std::string> ParseTokenEnvelope(std::string_view body) {
  ATTEST_ASSIGN_OR_RETURN(nlohmann::json doc, ParseJsonObject(body, "attestation response"));
  auto token = doc.find("token");
  if (token == doc.end() || !token->is_string() || token->get<std::string>().empty()) {
    return Err(BadResponse("attestation response has no \"token\" string"));
  }
  return token->get<std::string>();
}

AttestationClient::AttestationClient(AttestationClientOptions options, EndpointUrl endpoint,
                                     std::unique_ptr<HttpTransport> transport)
    : options_(std::move(options)),
      endpoint_(std::move(endpoint)),
      expected_issuer_(options_.expected_issuer.empty() ? endpoint_.base
                                                        : options_.expected_issuer),
      transport_(std::move(transport)) {}

StatusOr<std::unique_ptr<AttestationClient>> AttestationClient::Create(
    AttestationClientOptions options) {
  ATTEST_ASSIGN_OR_RETURN(EndpointUrl endpoint, ParseEndpointUrl(options.endpoint));
  TransportOptions transport_options;
  transport_options.ca_file = options.ca_file;
  transport_options.connect_timeout = options.connect_timeout;
  transport_options.request_timeout = options.request_timeout;
  transport_options.max_response_bytes = options.max_response_bytes;
  ATTEST_ASSIGN_OR_RETURN(auto transport, HttpTransport::Create(endpoint, transport_options));
  return std::unique_ptr<AttestationClient>(
      new AttestationClient(std::move(options), std::move(endpoint), std::move(transport)));
}

StatusOr<HttpResponse> AttestationClient::Call(HttpRequest request) {
  ATTEST_ASSIGN_OR_RETURN(HttpResponse response, transport_->Send(request));
  // maa-rest-api.md §1.5: 200 on success (201/202/204 tolerated as the C++ SDK does).
  if (response.status < 200 || response.status > 299) {
    return Err(StatusFromHttpError(response.status, response.body));
  }
  return response;
}

StatusOr<AttestationResult> AttestationClient::Attest(AttestationType type, ByteSpan evidence,
                                                      const AttestOptions& options) {
  std::string api_version = options_.api_version.empty()
                                ? std::string(Vocabulary(type).client_api_version)
                                : options_.api_version;
  HttpRequest request;
  request.method = "POST";
  request.target =
      "/attest/" + std::string(AttestationTypeName(type)) + "?api-version=" + api_version;
  request.content_type = "application/json";
  request.body = BuildAttestRequestBody(type, evidence, options);
  ATTEST_ASSIGN_OR_RETURN(HttpResponse response, Call(std::move(request)));

  AttestationResult result;
  ATTEST_ASSIGN_OR_RETURN(result.token, ParseTokenEnvelope(response.body));
  if (options.validate_token && !options.draft_policy.has_value()) {
    ATTEST_ASSIGN_OR_RETURN(result.claims, ValidateToken(result.token));
    result.validated = true;
  } else {
    ATTEST_ASSIGN_OR_RETURN(Jwt jwt, ParseJwt(result.token));
    result.claims = std::move(jwt.claims);
  }
  return result;
}

StatusOr<std::vector<AttestationSigner>> AttestationClient::GetAttestationSigners() {
  HttpRequest request;
  request.target = "/certs";
  request.accept = "application/jwk+json, application/json";
  ATTEST_ASSIGN_OR_RETURN(HttpResponse response, Call(std::move(request)));
  ATTEST_ASSIGN_OR_RETURN(std::vector<AttestationSigner> signers, ParseJwks(response.body));
  signers_ = signers;
  return signers;
}

StatusOr<nlohmann::json> AttestationClient::GetOpenIdMetadata() {
  HttpRequest request;
  request.target = "/.well-known/openid-configuration";
  ATTEST_ASSIGN_OR_RETURN(HttpResponse response, Call(std::move(request)));
  return ParseJsonObject(response.body, "OpenID metadata");
}

StatusOr<nlohmann::json> AttestationClient::ValidateToken(std::string_view token) {
  TokenValidationOptions validation;
  validation.expected_issuer = expected_issuer_;
  validation.clock = options_.clock;
  validation.clock_skew_seconds = options_.clock_skew_seconds;
  // Parse first so a malformed token fails without a network call.
  ATTEST_ASSIGN_OR_RETURN(Jwt jwt, ParseJwt(token));
  if (!signers_.has_value() ||
      (!jwt.kid().empty() && FindSigner(*signers_, jwt.kid()) == nullptr)) {
    // First use, or the token names a key we have not seen (the provider may have rotated).
    auto fetched = GetAttestationSigners();
    if (!fetched.has_value()) {
      return Err(std::move(fetched).error());
    }
  }
  return ValidateAttestationToken(token, *signers_, validation);
}

}  // namespace attest::client
