#include "evidence/openenclave/oe_verifier.h"

#include <algorithm>

#include "base/encoding.h"
#include "base/reasons.h"
#include "crypto/digest.h"
#include "evidence/openenclave/oe_format.h"
#include "evidence/sgx/sgx_verifier.h"

namespace attest::evidence {

StatusOr<claims::ClaimSet> OpenEnclaveVerifier::Verify(const Evidence& evidence,
                                                       const VerifyContext& context) const {
  ATTEST_ASSIGN_OR_RETURN(OeEvidence oe, UnwrapOeEvidence(evidence.blob));
  std::shared_ptr<const collateral::DcapCollateral> endorsements;
  if (evidence.endorsements) {
    ATTEST_ASSIGN_OR_RETURN(collateral::DcapCollateral c, ParseOeEndorsements(*evidence.endorsements));
    endorsements = std::make_shared<const collateral::DcapCollateral>(std::move(c));
  }
  ATTEST_ASSIGN_OR_RETURN(claims::ClaimSet out,
                          VerifySgxQuote(oe.quote, evidence, context, options_, endorsements));
  // spec §2.3: SGX_ECDSA evidence binds its custom-claims buffer (possibly empty) into
  // REPORTDATA[0..32); checked after the quote signature made REPORTDATA trustworthy.
  if (oe.custom_claims) {
    crypto::Sha256Digest d = crypto::Sha256(*oe.custom_claims);
    auto rd = HexDecode(out.FindValue("x-ms-sgx-report-data")->get<std::string>());
    if (!rd || rd->size() < 32 || !std::equal(d.begin(), d.end(), rd->begin())) {
      return Err(Status::InvalidEvidence(
          reason::kOeCustomClaimsHashMismatch,
          "REPORTDATA does not start with SHA-256 of the OE custom claims buffer"));
    }
  }
  return out;
}

}  // namespace attest::evidence
