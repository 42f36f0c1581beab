#include "api/wire_models.h"

#include <gtest/gtest.h>

#include "api/error_mapping.h"
#include "api/metrics.h"

namespace attest::api {
namespace {

using evidence::AttestationType;
using evidence::BoundData;

TEST(WireModelsTest, MatchesMemberNamesCaseInsensitivelyAndAcceptsNumericNonce) {
  auto req = ParseAttestRequest(
      AttestationType::kSgxEnclave,
      R"({"QUOTE":"AQID","RuntimeData":{"Data":"aGk","DATATYPE":"json"},)"
      R"("inittimeData":{"data":"AA=="},"nonce":1234567,"unknown":{"x":1}})");
  ASSERT_TRUE(req.has_value()) << req.error().ToString();
  EXPECT_EQ(req->evidence, (Bytes{1, 2, 3}));
  ASSERT_TRUE(req->runtime_data.has_value());
  EXPECT_EQ(req->runtime_data->kind, BoundData::Kind::kJson);
  EXPECT_EQ(req->runtime_data->data, (Bytes{'h', 'i'}));
  ASSERT_TRUE(req->init_time_data.has_value());
  EXPECT_EQ(req->init_time_data->kind, BoundData::Kind::kBinary);  // dataType absent
  EXPECT_EQ(req->nonce, "1234567");
  EXPECT_FALSE(req->draft_policy.has_value());
}

TEST(WireModelsTest, OpenEnclaveEvidenceIsReport) {
  EXPECT_TRUE(ParseAttestRequest(AttestationType::kOpenEnclave, R"({"report":"AQ"})").has_value());
  auto missing = ParseAttestRequest(AttestationType::kOpenEnclave, R"({"quote":"AQ"})");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().reason(), "MISSING_EVIDENCE");
}

TEST(WireModelsTest, RejectsBadRequestsWithNamedReasons) {
  struct Case {
    const char* body;
    const char* reason;
  } cases[] = {
      {"{", "INVALID_REQUEST_BODY"},
      {"[]", "INVALID_REQUEST_BODY"},
      {"", "INVALID_REQUEST_BODY"},
      {R"({"quote":"a*b"})", "INVALID_BASE64URL"},
      {R"({"quote":7})", "INVALID_BASE64URL"},
      {R"({"quote":""})", "MISSING_EVIDENCE"},
      {R"({"quote":"AQ","nonce":true})", "INVALID_NONCE"},
      {R"({"quote":"AQ","runtimeData":"AQ"})", "INVALID_RUNTIME_DATA"},
      {R"({"quote":"AQ","runtimeData":{"data":"AQ","dataType":"XML"}})", "INVALID_RUNTIME_DATA"},
      {R"({"quote":"AQ","initTimeData":{}})", "INVALID_INIT_TIME_DATA"},
      {R"({"quote":"AQ","draftPolicyForAttestation":1})", "INVALID_REQUEST_BODY"},
  };
  for (const Case& c : cases) {
    auto req = ParseAttestRequest(AttestationType::kSgxEnclave, c.body);
    ASSERT_FALSE(req.has_value()) << c.body;
    EXPECT_EQ(req.error().code(), StatusCode::kInvalidArgument) << c.body;
    EXPECT_EQ(req.error().reason(), c.reason) << c.body;
  }
  std::string deep = std::string(1000, '[') + std::string(1000, ']');
  EXPECT_FALSE(ParseAttestRequest(AttestationType::kSgxEnclave, deep).has_value());
}

TEST(WireModelsTest, EveryMemberOfTheWrongJsonTypeIsA400NeverAThrow) {
  // issue 14 item 6 audit: each member read from the body, with each wrong JSON type.
  struct Case {
    const char* body;
    const char* reason;
  } cases[] = {
      {"null", "INVALID_REQUEST_BODY"},
      {R"("quote")", "INVALID_REQUEST_BODY"},
      {"5", "INVALID_REQUEST_BODY"},
      {R"({"quote":["AQ"]})", "INVALID_BASE64URL"},
      {R"({"quote":{"data":"AQ"}})", "INVALID_BASE64URL"},
      {R"({"quote":true})", "INVALID_BASE64URL"},
      {R"({"quote":"AQ","runtimeData":["AQ"]})", "INVALID_RUNTIME_DATA"},
      {R"({"quote":"AQ","runtimeData":5})", "INVALID_RUNTIME_DATA"},
      {R"({"quote":"AQ","runtimeData":{"data":5}})", "INVALID_BASE64URL"},
      {R"({"quote":"AQ","runtimeData":{"data":{}}})", "INVALID_BASE64URL"},
      {R"({"quote":"AQ","runtimeData":{"data":"AQ","dataType":5}})", "INVALID_RUNTIME_DATA"},
      {R"({"quote":"AQ","runtimeData":{"data":"AQ","dataType":["JSON"]}})",
       "INVALID_RUNTIME_DATA"},
      {R"({"quote":"AQ","initTimeData":"AQ"})", "INVALID_INIT_TIME_DATA"},
      {R"({"quote":"AQ","initTimeData":{"data":"AQ","dataType":{}}})", "INVALID_INIT_TIME_DATA"},
      {R"({"quote":"AQ","nonce":{}})", "INVALID_NONCE"},
      {R"({"quote":"AQ","nonce":["n"]})", "INVALID_NONCE"},
      {R"({"quote":"AQ","draftPolicyForAttestation":{}})", "INVALID_REQUEST_BODY"},
      {R"({"quote":"AQ","draftPolicyForAttestation":["x"]})", "INVALID_REQUEST_BODY"},
      {R"({"report":"AQ","quote":5})", "INVALID_BASE64URL"},
  };
  for (const Case& c : cases) {
    StatusOr<service::AttestationRequest> req = Err(Status::Internal("threw"));
    EXPECT_NO_THROW(req = ParseAttestRequest(AttestationType::kSgxEnclave, c.body)) << c.body;
    ASSERT_FALSE(req.has_value()) << c.body;
    EXPECT_EQ(req.error().code(), StatusCode::kInvalidArgument) << c.body;
    EXPECT_EQ(req.error().reason(), c.reason) << c.body;
  }
}

TEST(WireModelsTest, RouteTypesUseMaaNamesCaseInsensitively) {
  EXPECT_EQ(ParseRouteAttestationType("sgxenclave").value()->type, AttestationType::kSgxEnclave);
  EXPECT_EQ(ParseRouteAttestationType("TdxVm").value()->type, AttestationType::kTdxVm);
  EXPECT_EQ(ParseRouteAttestationType("OPENENCLAVE").value()->type, AttestationType::kOpenEnclave);
  auto short_form = ParseRouteAttestationType("sgx");  // short forms are CLI-only
  ASSERT_FALSE(short_form.has_value());
  EXPECT_EQ(short_form.error().reason(), "ATTESTATION_TYPE_UNKNOWN");
  auto unknown = ParseRouteAttestationType("Foo");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().reason(), "ATTESTATION_TYPE_UNKNOWN");
  EXPECT_EQ(MapStatus(unknown.error()).status, 404);
}

// maa-real-clients.md §6: types MAA defines but attestd does not serve are 400, never 404.
TEST(WireModelsTest, MaaTypesAttestdDoesNotServeAreBadRequests) {
  for (std::string_view name : {"KeyGuard", "pluton", "MDEPTZ"}) {
    auto type = ParseRouteAttestationType(name);
    ASSERT_FALSE(type.has_value()) << name;
    EXPECT_EQ(type.error().reason(), "ATTESTATION_TYPE_UNSUPPORTED") << name;
    EXPECT_EQ(MapStatus(type.error()).status, 400) << name;
    EXPECT_EQ(MapStatus(type.error()).code, "InvalidParameter") << name;
  }
}

TEST(WireModelsTest, RefusesABodyForATypeWithoutOneEvidenceMember) {
  auto tpm = ParseAttestRequest(AttestationType::kTpm, R"({"data":"AQ"})");
  ASSERT_FALSE(tpm.has_value());
  EXPECT_EQ(tpm.error().reason(), "ATTESTATION_TYPE_UNSUPPORTED");
}

TEST(ErrorMappingTest, MapsCodesToHttpAndMaaEnvelope) {
  EXPECT_EQ(MapStatus(Status::InvalidEvidence("INVALID_QUOTE_SIGNATURE", "x")).status, 400);
  // Collateral the caller sent; the server's own is a 503 (error_mapping_test.cc).
  EXPECT_EQ(MapStatus(Status::InvalidCollateral("CRL_EXPIRED", "x")
                          .WithProvenance(Provenance::kSentByCaller))
                .status,
            400);
  EXPECT_EQ(MapStatus(Status::InvalidArgument("POLICY_DENIED", "x")).code, "PolicyEvaluationError");
  EXPECT_EQ(MapStatus(Status::Unauthenticated("X", "x")).status, 401);
  EXPECT_EQ(MapStatus(Status::PermissionDenied("X", "x")).status, 403);
  EXPECT_EQ(MapStatus(Status::NotFound("X", "x")).status, 404);
  EXPECT_EQ(MapStatus(Status::ResourceExhausted("REQUEST_BODY_TOO_LARGE", "x")).status, 413);
  EXPECT_EQ(MapStatus(Status::ResourceExhausted("RATE", "x")).status, 429);
  EXPECT_EQ(MapStatus(Status::Unavailable("X", "x")).status, 503);
  EXPECT_EQ(MapStatus(Status::Internal("x")).status, 500);

  HttpResponse r = ErrorResponse(Status::InvalidEvidence("INVALID_QUOTE_SIGNATURE", "bad sig"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body,
            R"({"error":{"code":"InvalidParameter","message":"bad sig","reason":"INVALID_QUOTE_SIGNATURE"}})");
  EXPECT_EQ(r.error_reason, "INVALID_QUOTE_SIGNATURE");
}

TEST(MetricsTest, RendersCountersAndHistogram) {
  Metrics m;
  m.RecordRequest("/attest/SgxEnclave", 200, 0.002);
  m.RecordRequest("/attest/SgxEnclave", 400, 0.0001);
  m.RecordVerification("SgxEnclave", "success");
  std::string text = m.RenderPrometheus();
  EXPECT_NE(text.find(R"(attestd_http_requests_total{route="/attest/SgxEnclave",code="200"} 1)"),
            std::string::npos);
  EXPECT_NE(text.find(R"(attestd_http_request_duration_seconds_bucket{route="/attest/SgxEnclave",le="0.001"} 1)"),
            std::string::npos);
  EXPECT_NE(text.find(R"(attestd_http_request_duration_seconds_count{route="/attest/SgxEnclave"} 2)"),
            std::string::npos);
  EXPECT_NE(text.find(R"(attestd_verifications_total{type="SgxEnclave",outcome="success"} 1)"),
            std::string::npos);
}

}  // namespace
}  // namespace attest::api
