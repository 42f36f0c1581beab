#include "client/error_envelope.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace attest::client {
namespace {

TEST(ErrorEnvelopeTest, CarriesCodeReasonAndMessageFromServer) {
  Status s = StatusFromHttpError(
      400, R"({"error":{"code":"InvalidParameter","message":"quote signature is invalid",)"
           R"("reason":"SGX_QUOTE_SIGNATURE_INVALID"}})");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.category(), "InvalidParameter");
  EXPECT_EQ(s.reason(), "SGX_QUOTE_SIGNATURE_INVALID");
  EXPECT_EQ(s.message(), "quote signature is invalid");
}

TEST(ErrorEnvelopeTest, UsesCodeAsReasonWhenServerGivesNone) {
  Status s = StatusFromHttpError(
      400, R"({"error":{"code":"PolicyEvaluationError","message":"A Deny claim was issued"}})");
  EXPECT_EQ(s.reason(), "PolicyEvaluationError");
  EXPECT_EQ(s.category(), "PolicyEvaluationError");
  EXPECT_EQ(s.message(), "A Deny claim was issued");
}

TEST(ErrorEnvelopeTest, MapsHttpStatusToStatusCode) {
  EXPECT_EQ(StatusFromHttpError(401, "").code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(StatusFromHttpError(403, "").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(StatusFromHttpError(404, "").code(), StatusCode::kNotFound);
  EXPECT_EQ(StatusFromHttpError(413, "").code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(StatusFromHttpError(429, "").code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(StatusFromHttpError(500, "").code(), StatusCode::kInternal);
  EXPECT_EQ(StatusFromHttpError(503, "").code(), StatusCode::kUnavailable);
}

TEST(ErrorEnvelopeTest, NonEnvelopeBodyYieldsHttpReasonAndSanitisedExcerpt) {
  Status s = StatusFromHttpError(502, "<html>\x01" "bad gateway</html>");
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.reason(), "HTTP_502");
  EXPECT_EQ(s.category(), "HTTP_502");
  EXPECT_NE(s.message().find("<html>?bad gateway"), std::string::npos) << s.message();

  Status empty = StatusFromHttpError(401, "");
  EXPECT_EQ(empty.reason(), "HTTP_401");
  EXPECT_NE(empty.message().find("empty body"), std::string::npos);
}

TEST(ErrorEnvelopeTest, IgnoresEnvelopeMembersOfTheWrongType) {
  Status s = StatusFromHttpError(400, R"({"error":{"code":7,"message":["x"]}})");
  EXPECT_EQ(s.reason(), "HTTP_400");
  EXPECT_FALSE(s.message().empty());
}

TEST(ErrorEnvelopeTest, RendersStatusAsEnvelope) {
  Status server = StatusFromHttpError(
      400, R"({"error":{"code":"InvalidParameter","message":"m","reason":"R"}})");
  auto doc = nlohmann::json::parse(ErrorEnvelopeJson(server));
  EXPECT_EQ(doc["error"]["code"], "InvalidParameter");
  EXPECT_EQ(doc["error"]["message"], "m");
  EXPECT_EQ(doc["error"]["reason"], "R");

  auto local = nlohmann::json::parse(
      ErrorEnvelopeJson(Status::Unavailable("CONNECTION_FAILED", "refused \xff")));
  EXPECT_EQ(local["error"]["code"], std::string(StatusCodeName(StatusCode::kUnavailable)));
  EXPECT_EQ(local["error"]["reason"], "CONNECTION_FAILED");
}

}  // namespace
}  // namespace attest::client
