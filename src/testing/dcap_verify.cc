#include "testing/dcap_verify.h"

#include <memory>

#include "claims/claim_names.h"
#include "evidence/registry.h"

namespace attest::testing {

StatusOr<claims::ClaimSet> VerifyDcapCase(const DcapCase& c, evidence::AttestationType type,
                                          evidence::DcapOptions options,
                                          std::optional<Bytes> runtime_data) {
  evidence::VerifierConfig config;
  config.anchors = c.anchors;
  config.dcap = options;
  ATTEST_ASSIGN_OR_RETURN(std::unique_ptr<evidence::Verifier> verifier,
                          evidence::MakeVerifier(type, config));
  FixedClock clock(c.verification_time);
  collateral::StaticCollateralProvider provider(
      std::make_shared<const collateral::DcapCollateral>(c.collateral));
  evidence::Evidence evidence;
  evidence.type = type;
  evidence.blob = c.quote;
  if (runtime_data) evidence.runtime_data = evidence::BoundData{std::move(*runtime_data)};
  evidence::VerifyContext context{clock, provider, config.anchors};
  return verifier->Verify(evidence, context);
}

std::string ReasonOf(const StatusOr<claims::ClaimSet>& result) {
  return result.has_value() ? "OK" : result.error().reason();
}

nlohmann::json TcbDetail(const claims::ClaimSet& claims, const std::string& member) {
  const nlohmann::json* tcb = claims.FindValue(claims::kAttestdTcb);
  if (tcb == nullptr || !tcb->is_object() || !tcb->contains(member)) return nullptr;
  return (*tcb)[member];
}

}  // namespace attest::testing
