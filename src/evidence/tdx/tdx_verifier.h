// TdxVerifier: Intel TDX DCAP quotes (v4, v5 with TD report 1.0 or 1.5) for /attest/TdxVm.
// Thread-safe.
#pragma once

#include "claims/claim_names.h"
#include "evidence/dcap/quote.h"
#include "evidence/dcap/verdict.h"
#include "evidence/verifier.h"
#include "evidence/verifier_config.h"

namespace attest::evidence {

// TdxVm entries of the OpenID metadata's claims_supported (registry.cc; spec/maa-tokens.md
// §4.2).
inline constexpr std::string_view kTdxClaimsSupported[] = {
    claims::kEatProfile,        claims::kDbgStat,           claims::kIntUse,
    claims::kAttesterTcbStatus, claims::kTdxMrSignerSeam,   claims::kTdxMrSeam,
    claims::kTdxMrTd,           claims::kTdxRtmr0,          claims::kTdxRtmr1,
    claims::kTdxRtmr2,          claims::kTdxRtmr3,          claims::kTdxMrConfigId,
    claims::kTdxMrOwner,        claims::kTdxMrOwnerConfig,  claims::kTdxReportData,
    claims::kTdxSeamAttributes, claims::kTdxTeeTcbSvn,      claims::kTdxXfam,
    claims::kTdxSeamSvn,        claims::kTdxTdAttributes,
};

// spec/maa-tokens.md §4.2: the TdxVm claims of a TD quote body that `verdict` verified. The
// Azure CVM verifier reuses them for x-ms-isolation-tee.
void AddTdxClaims(const dcap::TdReportBody& td, const dcap::DcapVerdict& verdict,
                  claims::ClaimSet& out);

class TdxVerifier final : public Verifier {
 public:
  explicit TdxVerifier(const VerifierConfig& config) : options_(config.dcap) {}
  StatusOr<claims::ClaimSet> Verify(const Evidence& evidence,
                                    const VerifyContext& context) const override;

 private:
  DcapOptions options_;
};

}  // namespace attest::evidence
