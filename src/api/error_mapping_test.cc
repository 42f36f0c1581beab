#include "api/error_mapping.h"

#include <gtest/gtest.h>

namespace attest::api {
namespace {

Status Expired() {
  return Status::InvalidCollateral("TCB_INFO_EXPIRED", "TCB info: nextUpdate is past")
      .WithCategory("COLLATERAL_EXPIRED");
}

TEST(ErrorMappingTest, CollateralTheCallerSentIsABadRequest) {
  HttpError e = MapStatus(Expired().WithProvenance(Provenance::kSentByCaller));
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.code, "InvalidParameter");
}

TEST(ErrorMappingTest, CollateralTheServerHoldsOrFetchedIsRetryable503) {
  for (Provenance p : {Provenance::kHeldByServer, Provenance::kFetchedByServer}) {
    HttpError e = MapStatus(Expired().WithProvenance(p));
    EXPECT_EQ(e.status, 503);
    EXPECT_EQ(e.code, "ServiceUnavailable");
  }
}

TEST(ErrorMappingTest, CollateralOfUnrecordedProvenanceIsTheServers) {
  EXPECT_EQ(MapStatus(Expired()).status, 503);
}

TEST(ErrorMappingTest, ServerCollateralResponseKeepsTheReasonAndSaysRetry) {
  HttpResponse r = ErrorResponse(Expired().WithProvenance(Provenance::kHeldByServer));
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("\"reason\":\"TCB_INFO_EXPIRED\""), std::string::npos) << r.body;
  bool retry_after = false;
  for (const auto& [k, v] : r.headers) retry_after = retry_after || k == "Retry-After";
  EXPECT_TRUE(retry_after);
}

TEST(ErrorMappingTest, ProvenanceDoesNotTurnBadEvidenceIntoA503) {
  Status s = Status::InvalidEvidence("PCK_REVOKED", "revoked").WithProvenance(
      Provenance::kHeldByServer);
  EXPECT_EQ(MapStatus(s).status, 400);
}

struct Case {
  Status status;
  int http;
  std::string_view code;
};

// The whole table, as MAA's clients see it (spec/maa-rest-api.md §7): the wire strings are
// spelled out here, not taken from reasons.h, so a renamed constant fails this test.
TEST(ErrorMappingTest, ReasonsAndCodesMapToMaaCodes) {
  const Case cases[] = {
      {Status::InvalidArgument("POLICY_DENIED", "m"), 400, "PolicyEvaluationError"},
      {Status::InvalidEvidence("POLICY_DENIED", "m"), 400, "PolicyEvaluationError"},
      {Status::InvalidArgument("POLICY_PARSING_ERROR", "m"), 400, "PolicyParsingError"},
      {Status::InvalidArgument("POLICY_SYNTAX_ERROR", "m"), 400, "PolicyParsingError"},
      {Status::InvalidArgument("POLICY_TYPE_ERROR", "m"), 400, "PolicyParsingError"},
      {Status::InvalidArgument("POLICY_TOO_LARGE", "m"), 400, "PolicyParsingError"},
      {Status::InvalidArgument("POLICY_EVALUATION_ERROR", "m"), 400, "PolicyEvaluationError"},
      {Status::InvalidArgument("POLICY_LIMIT_EXCEEDED", "m"), 400, "PolicyEvaluationError"},
      {Status::InvalidArgument("JWS_MALFORMED", "m"), 400, "InvalidOperation"},
      {Status::InvalidArgument("JWS_UNSUPPORTED_ALG", "m"), 400, "InvalidOperation"},
      {Status::InvalidArgument("POLICY_DOCUMENT_INVALID", "m"), 400, "InvalidOperation"},
      {Status::InvalidArgument("CERTIFICATE_DOCUMENT_INVALID", "m"), 400, "InvalidOperation"},
      {Status::InvalidArgument("INVALID_REQUEST_BODY", "m"), 400, "InvalidParameter"},
      {Status::InvalidEvidence("INVALID_QUOTE_SIGNATURE", "m"), 400, "InvalidParameter"},
      {Status::InvalidArgument("ATTESTATION_TYPE_UNSUPPORTED", "m"), 400, "InvalidParameter"},
      {Status::NotFound("ATTESTATION_TYPE_UNKNOWN", "m"), 404, "NotFound"},
      {Status::FailedPrecondition("PROVIDER_EXISTS", "m"), 400, "InvalidOperation"},
      {Status::Unauthenticated("BEARER_INVALID", "m"), 401, "Unauthorized"},
      {Status::PermissionDenied("POLICY_SIGNATURE_REQUIRED", "m"), 403, "InvalidOperation"},
      {Status::PermissionDenied("SIGNER_NOT_TRUSTED", "m"), 403, "InvalidOperation"},
      {Status::PermissionDenied("JWS_SIGNATURE_INVALID", "m"), 403, "InvalidOperation"},
      {Status::PermissionDenied("PROVIDER_NOT_INITIALISED", "m"), 403, "OperationNotSupported"},
      {Status::ResourceExhausted("REQUEST_BODY_TOO_LARGE", "m"), 413, "RequestEntityTooLarge"},
      {Status::ResourceExhausted("SERVER_BUSY", "m"), 429, "TooManyRequests"},
      {Status::Unavailable("COLLATERAL_MISSING", "m"), 503, "ServiceUnavailable"},
      {Status::Internal("m"), 500, "InternalError"},
  };
  for (const Case& c : cases) {
    HttpError e = MapStatus(c.status);
    EXPECT_EQ(e.status, c.http) << c.status.ToString();
    EXPECT_EQ(e.code, c.code) << c.status.ToString();
  }
}

// A reason's own MAA code holds only under the Status codes it is declared for: the same
// reason under another code keeps that code's answer.
TEST(ErrorMappingTest, ReasonExceptionsApplyOnlyToTheirStatusCodes) {
  HttpError denied = MapStatus(Status::Unauthenticated("POLICY_DENIED", "m"));
  EXPECT_EQ(denied.status, 401);
  EXPECT_EQ(denied.code, "Unauthorized");
  HttpError too_large = MapStatus(Status::InvalidArgument("REQUEST_BODY_TOO_LARGE", "m"));
  EXPECT_EQ(too_large.status, 400);
  EXPECT_EQ(too_large.code, "InvalidParameter");
  HttpError jws = MapStatus(Status::PermissionDenied("JWS_MALFORMED", "m"));
  EXPECT_EQ(jws.status, 403);
  EXPECT_EQ(jws.code, "OperationNotSupported");
}

}  // namespace
}  // namespace attest::api
