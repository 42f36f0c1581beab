// /attest/{type} for multi-round protocol types (evidence/protocol.h): today /attest/Tpm,
// MAA's TPM protocol (spec/maa-rest-api.md §4.6, maa-real-clients.md §4).
//
//   request body  {"data":"<base64url (or padded base64) of the UTF-8 JSON protocol message>"}
//   response body {"data":"<the reply, or {"payload":{"report":"<JWT>"}}, same alphabet>"}
//
// A bearer token is required as for management calls, with the configured TPM role
// (BearerAuthOptions::tpm_attest_role). Errors are CloudError bodies (error_mapping.h).
#include <nlohmann/json.hpp>

#include "api/error_mapping.h"
#include "api/router.h"
#include "base/encoding.h"

namespace attest::api {
namespace {

Status BadBody(std::string message) {
  return Status::InvalidArgument("TPM_PROTOCOL_MESSAGE_MALFORMED", std::move(message));
}

}  // namespace

HttpResponse ApiRouter::AttestProtocol(const HttpRequest& request,
                                       const evidence::AttestationTypeDescriptor& type) {
  // Method and api-version are checked by Attest() (router.cc).
  const std::string type_name(type.rest_name());
  // spec/maa-rest-api.md §4.6: TPM attestation requires a bearer token.
  if (management_.authenticator == nullptr) {
    return ErrorResponse(Status::Unauthenticated(
        "BEARER_NOT_CONFIGURED",
        "/attest/Tpm needs bearer-token validation: configure aad_issuer and aad_jwks"));
  }
  auto header = request.headers.find("authorization");
  auto caller = management_.authenticator->Authenticate(
      header == request.headers.end() ? std::string_view() : header->second);
  if (!caller.has_value()) return ErrorResponse(caller.error());
  if (!caller->can_attest_tpm) {
    return ErrorResponse(Status::Unauthenticated(
        "INSUFFICIENT_ROLE", "the bearer token lacks the role needed for TPM attestation"));
  }
  nlohmann::json body = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object()) return ErrorResponse(BadBody("the body is not a JSON object"));
  auto data = body.find("data");
  if (data == body.end() || !data->is_string()) {
    return ErrorResponse(BadBody("the body has no \"data\" string"));
  }
  // maa-real-clients.md §4: the JS client sends base64url, the 2025-06-01 example padded
  // standard base64; accept both and answer in the request's alphabet.
  const std::string& text = data->get_ref<const std::string&>();
  bool standard = text.find_first_of("+/=") != std::string::npos;
  auto message = standard ? Base64Decode(text) : Base64UrlDecode(text);
  if (!message.has_value()) return ErrorResponse(BadBody("\"data\" is not base64url or base64"));
  auto outcome = attestation_.AdvanceProtocol(type.type, *message);
  if (!outcome.has_value()) {
    metrics_.RecordVerification(type_name, outcome.error().reason());
    return ErrorResponse(outcome.error());
  }
  std::string reply;
  if (outcome->token.has_value()) {
    metrics_.RecordVerification(type_name, "success");
    nlohmann::json wrapped;
    wrapped["payload"]["report"] = *outcome->token;
    reply = wrapped.dump();
  } else {
    reply = std::string(AsChars(*outcome->reply));
  }
  HttpResponse r;
  nlohmann::json out;
  out["data"] = standard ? Base64Encode(AsBytes(reply)) : Base64UrlEncode(AsBytes(reply));
  r.body = out.dump();
  return r;
}

}  // namespace attest::api
