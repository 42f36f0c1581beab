#include "api/error_mapping.h"

#include <nlohmann/json.hpp>

namespace attest::api {

namespace {

// Unusable collateral is the fault of whoever supplied it (verifier.h): the caller's is a bad
// request, the server's (held offline, cached or fetched) makes the server unable to decide
// now. Keyed by provenance; anything not sent by the caller is the server's.
struct CollateralFault {
  Provenance provenance;
  HttpError error;
};
constexpr CollateralFault kCollateralFaults[] = {
    {Provenance::kSentByCaller, {400, "InvalidParameter"}},
    {Provenance::kHeldByServer, {503, "ServiceUnavailable"}},
    {Provenance::kFetchedByServer, {503, "ServiceUnavailable"}},
    {Provenance::kUnspecified, {503, "ServiceUnavailable"}},
};

HttpError MapCollateralFault(Provenance provenance) {
  for (const CollateralFault& f : kCollateralFaults) {
    if (f.provenance == provenance) return f.error;
  }
  return {503, "ServiceUnavailable"};
}

}  // namespace

HttpError MapStatus(const Status& status) {
  switch (status.code()) {
    case StatusCode::kInvalidCollateral:
      return MapCollateralFault(status.provenance());
    case StatusCode::kInvalidArgument:
    case StatusCode::kInvalidEvidence:
      // spec/maa-rest-api.md §7: policy denials and policy syntax errors have their own
      // codes; every other bad request/evidence is InvalidParameter.
      if (status.reason() == "POLICY_DENIED") return {400, "PolicyEvaluationError"};
      if (status.reason() == "POLICY_PARSING_ERROR" || status.reason() == "POLICY_SYNTAX_ERROR" ||
          status.reason() == "POLICY_TYPE_ERROR" || status.reason() == "POLICY_TOO_LARGE") {
        return {400, "PolicyParsingError"};
      }
      if (status.reason() == "POLICY_EVALUATION_ERROR" ||
          status.reason() == "POLICY_LIMIT_EXCEEDED") {
        return {400, "PolicyEvaluationError"};
      }
      // maa-rest-api.md §7: malformed management JWS / missing policyCertificate.
      if (status.reason() == "JWS_MALFORMED" || status.reason() == "JWS_UNSUPPORTED_ALG" ||
          status.reason() == "POLICY_DOCUMENT_INVALID" ||
          status.reason() == "CERTIFICATE_DOCUMENT_INVALID") {
        return {400, "InvalidOperation"};
      }
      return {400, "InvalidParameter"};
    case StatusCode::kFailedPrecondition:
      return {400, "InvalidOperation"};
    case StatusCode::kUnauthenticated:
      return {401, "Unauthorized"};
    case StatusCode::kPermissionDenied:
      // Refused policy documents (unsigned where signing is required, untrusted signer, bad
      // signature): MAA's code for these is InvalidOperation (maa-rest-api.md §7).
      if (status.reason() == "POLICY_SIGNATURE_REQUIRED" ||
          status.reason() == "SIGNER_NOT_TRUSTED" || status.reason() == "JWS_SIGNATURE_INVALID") {
        return {403, "InvalidOperation"};
      }
      return {403, "OperationNotSupported"};
    case StatusCode::kNotFound:
      return {404, "NotFound"};
    case StatusCode::kResourceExhausted:
      if (status.reason() == "REQUEST_BODY_TOO_LARGE") return {413, "RequestEntityTooLarge"};
      return {429, "TooManyRequests"};
    case StatusCode::kUnavailable:
      return {503, "ServiceUnavailable"};
    case StatusCode::kOk:
    case StatusCode::kInternal:
      break;
  }
  return {500, "InternalError"};
}

HttpResponse ErrorResponse(const Status& status) {
  HttpError mapped = MapStatus(status);
  nlohmann::json body = {{"error",
                          {{"code", mapped.code},
                           {"message", status.message()},
                           {"reason", status.reason().empty() ? "INTERNAL_ERROR" : status.reason()}}}};
  HttpResponse out;
  out.status = mapped.status;
  out.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  out.error_reason = status.reason();
  if (mapped.status == 429 || mapped.status == 503) out.headers.emplace_back("Retry-After", "1");
  // 2025-06-01 TypeSpec: optional x-ms-error-code header.
  out.headers.emplace_back("x-ms-error-code", std::string(mapped.code));
  return out;
}

}  // namespace attest::api
