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

TEST(WireModelsTest, RouteTypesUseMaaNamesCaseInsensitively) {
  EXPECT_EQ(ParseRouteAttestationType("sgxenclave"), AttestationType::kSgxEnclave);
  EXPECT_EQ(ParseRouteAttestationType("TdxVm"), AttestationType::kTdxVm);
  EXPECT_EQ(ParseRouteAttestationType("OPENENCLAVE"), AttestationType::kOpenEnclave);
  EXPECT_FALSE(ParseRouteAttestationType("sgx").has_value());  // short forms are CLI-only
  EXPECT_FALSE(ParseRouteAttestationType("Foo").has_value());
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
