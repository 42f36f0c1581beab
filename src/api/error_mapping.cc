#include "api/error_mapping.h"

#include <nlohmann/json.hpp>

#include "base/reasons.h"

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
    if (f.provenance == provenance) {
      return f.error;
    }
  }
  return {503, "ServiceUnavailable"};
}

constexpr unsigned Bit(StatusCode code) { return 1u << static_cast<unsigned>(code); }
constexpr unsigned kBadRequest =
    Bit(StatusCode::kInvalidArgument) | Bit(StatusCode::kInvalidEvidence);

// Reasons whose MAA code differs from their Status code's default (below). Keyed by reason and
// by the Status codes the exception applies to: the same reason under another code keeps that
// code's default.
struct ReasonMapping {
  std::string_view reason;
  unsigned codes;  // Bit() of each StatusCode
  HttpError error;
};
constexpr ReasonMapping kReasonMappings[] = {
    // spec/maa-rest-api.md §7: policy denials and policy syntax errors have their own codes.
    {reason::kPolicyDenied, kBadRequest, {400, "PolicyEvaluationError"}},
    {reason::kPolicyParsingError, kBadRequest, {400, "PolicyParsingError"}},
    {reason::kPolicySyntaxError, kBadRequest, {400, "PolicyParsingError"}},
    {reason::kPolicyTypeError, kBadRequest, {400, "PolicyParsingError"}},
    {reason::kPolicyTooLarge, kBadRequest, {400, "PolicyParsingError"}},
    {reason::kPolicyEvaluationError, kBadRequest, {400, "PolicyEvaluationError"}},
    {reason::kPolicyLimitExceeded, kBadRequest, {400, "PolicyEvaluationError"}},
    // maa-rest-api.md §7: malformed management JWS / missing policyCertificate.
    {reason::kJwsMalformed, kBadRequest, {400, "InvalidOperation"}},
    {reason::kJwsUnsupportedAlg, kBadRequest, {400, "InvalidOperation"}},
    {reason::kPolicyDocumentInvalid, kBadRequest, {400, "InvalidOperation"}},
    {reason::kCertificateDocumentInvalid, kBadRequest, {400, "InvalidOperation"}},
    // Refused policy documents (unsigned where signing is required, untrusted signer, bad
    // signature): MAA's code for these is InvalidOperation (maa-rest-api.md §7).
    {reason::kPolicySignatureRequired,
     Bit(StatusCode::kPermissionDenied),
     {403, "InvalidOperation"}},
    {reason::kSignerNotTrusted, Bit(StatusCode::kPermissionDenied), {403, "InvalidOperation"}},
    {reason::kJwsSignatureInvalid, Bit(StatusCode::kPermissionDenied), {403, "InvalidOperation"}},
    {reason::kRequestBodyTooLarge,
     Bit(StatusCode::kResourceExhausted),
     {413, "RequestEntityTooLarge"}},
};

// Every other failure: by Status code. kInvalidCollateral goes by provenance (above); kOk and
// kInternal are not here, so they are 500.
struct CodeMapping {
  StatusCode code;
  HttpError error;
};
constexpr CodeMapping kCodeMappings[] = {
    {StatusCode::kInvalidArgument, {400, "InvalidParameter"}},
    {StatusCode::kInvalidEvidence, {400, "InvalidParameter"}},
    {StatusCode::kFailedPrecondition, {400, "InvalidOperation"}},
    {StatusCode::kUnauthenticated, {401, "Unauthorized"}},
    {StatusCode::kPermissionDenied, {403, "OperationNotSupported"}},
    {StatusCode::kNotFound, {404, "NotFound"}},
    {StatusCode::kResourceExhausted, {429, "TooManyRequests"}},
    {StatusCode::kUnavailable, {503, "ServiceUnavailable"}},
};

}  // namespace

HttpError MapStatus(const Status& status) {
  if (status.code() == StatusCode::kInvalidCollateral) {
    return MapCollateralFault(status.provenance());
  }
  for (const ReasonMapping& m : kReasonMappings) {
    if ((m.codes & Bit(status.code())) != 0 && m.reason == status.reason()) {
      return m.error;
    }
  }
  for (const CodeMapping& m : kCodeMappings) {
    if (m.code == status.code()) {
      return m.error;
    }
  }
  return {500, "InternalError"};
}

HttpResponse ErrorResponse(const Status& status) {
  HttpError mapped = MapStatus(status);
  nlohmann::json body = {
      {"error",
       {{"code", mapped.code},
        {"message", status.message()},
        {"reason", status.reason().empty() ? reason::kInternalError : status.reason()}}}};
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
