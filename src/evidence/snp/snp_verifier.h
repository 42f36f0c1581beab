// SnpVerifier: AMD SEV-SNP evidence for /attest/SevSnpVm — the MAA report document (or a raw
// report), its VCEK/VLEK chain, runtime data bound to REPORT_DATA[0:32], init-time data bound
// to HOST_DATA, and ACI UVM endorsements (spec/amd-sev-snp.md §9, azure-cvm.md §10).
// Thread-safe.
#pragma once

#include "claims/claim_names.h"
#include "evidence/verifier.h"
#include "evidence/verifier_config.h"

namespace attest::evidence {

// SevSnpVm entries of the OpenID metadata's claims_supported (spec/maa-tokens.md §4.1).
inline constexpr std::string_view kSevSnpClaimsSupported[] = {
    claims::kSevSnpAuthorKeyDigest,  claims::kSevSnpBootloaderSvn,   claims::kSevSnpFamilyId,
    claims::kSevSnpGuestSvn,         claims::kSevSnpHostData,        claims::kSevSnpIdKeyDigest,
    claims::kSevSnpImageId,          claims::kSevSnpIsDebuggable,    claims::kSevSnpLaunchMeasurement,
    claims::kSevSnpMicrocodeSvn,     claims::kSevSnpMigrationAllowed, claims::kSevSnpReportData,
    claims::kSevSnpReportId,         claims::kSevSnpSmtAllowed,      claims::kSevSnpSnpFwSvn,
    claims::kSevSnpTeeSvn,           claims::kSevSnpVmpl,
};

class SnpVerifier final : public Verifier {
 public:
  explicit SnpVerifier(const VerifierConfig&) {}
  StatusOr<claims::ClaimSet> Verify(const Evidence& evidence,
                                    const VerifyContext& context) const override;
};

}  // namespace attest::evidence
