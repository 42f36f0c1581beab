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

}  // namespace
}  // namespace attest::api
