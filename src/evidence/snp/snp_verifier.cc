#include "evidence/snp/snp_verifier.h"

#include "base/encoding.h"
#include "claims/claim_names.h"
#include "evidence/azure_cvm/isolation_evidence.h"
#include "evidence/binding.h"
#include "evidence/snp/amd_certificates.h"
#include "evidence/snp/snp_document.h"
#include "evidence/snp/snp_report_verifier.h"
#include "evidence/snp/uvm_endorsement.h"

namespace attest::evidence {

StatusOr<claims::ClaimSet> SnpVerifier::Verify(const Evidence& evidence,
                                               const VerifyContext& context) const {
  ATTEST_ASSIGN_OR_RETURN(snp::SnpDocument doc, snp::ParseSnpDocument(evidence.blob));
  snp::AmdChain sent;
  if (!doc.cert_chain.empty()) {
    ATTEST_ASSIGN_OR_RETURN(std::vector<crypto::Certificate> certs,
                            snp::ParseCertificates(doc.cert_chain));
    ATTEST_ASSIGN_OR_RETURN(sent, snp::SortAmdChain(std::move(certs)));
  }
  ATTEST_ASSIGN_OR_RETURN(snp::SnpVerification v,
                          snp::SnpReportVerifier::Shared().Verify(doc.report, sent, context));
  // spec/amd-sev-snp.md §9.1 step 4: SHA-256(runtimeData) = REPORT_DATA[0:32],
  // SHA-256(initTimeData) = HOST_DATA.
  ATTEST_RETURN_IF_ERROR(CheckRuntimeDataBinding(evidence.runtime_data, v.report.report_data));
  ATTEST_RETURN_IF_ERROR(
      CheckInitTimeDataBinding(evidence.init_time_data, v.report.host_data, "HOST_DATA"));
  claims::ClaimSet out;
  snp::AddSnpClaims(v, out);
  // An Azure CVM's platform attestation (maa-real-clients.md §2): the runtime data is the HCL
  // variable data; the default policy turns this into "azure-compliant-cvm".
  if (azure_cvm::IsAzureCvmPlatformEvidence(evidence.runtime_data, v.report.vmpl == 0,
                                            v.report.policy_debug())) {
    out.Add(std::string(claims::kAttestdAzureCvmEvidence), "verified");
  }
  // ACI (spec/azure-cvm.md §10.3): the UVM endorsements sent in Endorsements.Uvm (or given to
  // attestctl) must verify, and one must name the report's launch measurement.
  std::vector<Bytes> uvm = std::move(doc.uvm);
  if (evidence.endorsements) uvm.push_back(*evidence.endorsements);
  if (!uvm.empty()) {
    const std::string measurement = HexEncode(v.report.measurement);
    std::optional<snp::UvmEndorsement> matched;
    for (const Bytes& cose : uvm) {
      ATTEST_ASSIGN_OR_RETURN(snp::UvmEndorsement e,
                              snp::VerifyUvmEndorsement(cose, context.anchors));
      if (e.launch_measurement == measurement && !matched) matched = std::move(e);
    }
    if (!matched) {
      return Err(Status::InvalidEvidence(
          "UVM_MEASUREMENT_MISMATCH",
          "no UVM endorsement names the report's launch measurement " + measurement));
    }
    out.Add(std::string(claims::kAttestdUvmEndorsement), "verified");
  }
  return out;
}

}  // namespace attest::evidence
