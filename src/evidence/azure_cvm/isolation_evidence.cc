#include "evidence/azure_cvm/isolation_evidence.h"

#include <algorithm>
#include <string>

#include "base/encoding.h"
#include "base/reasons.h"
#include "claims/claim_names.h"
#include "evidence/dcap/quote.h"
#include "evidence/dcap/quote_verifier.h"
#include "evidence/snp/amd_certificates.h"
#include "evidence/snp/snp_report_verifier.h"
#include "evidence/tdx/tdx_verifier.h"

namespace attest::evidence::azure_cvm {
namespace {

// TDREPORT layout (spec/azure-cvm.md §7 step 2): REPORTMACSTRUCT.REPORTDATA at 128; TDINFO at
// 512 = ATTRIBUTES 8, XFAM 8, MRTD 48, MRCONFIGID 48, MROWNER 48, MROWNERCONFIG 48, RTMR0-3.
constexpr size_t kTdReportDataOffset = 128;
constexpr size_t kTdInfoMrTdOffset = 512 + 16;
constexpr size_t kTdInfoRtmrOffset = kTdInfoMrTdOffset + 4 * 48;
constexpr size_t kMeasurementSize = 48;

bool Equal(ByteSpan a, ByteSpan b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

Status TdMismatch(std::string what) {
  return Status::InvalidEvidence(reason::kHclTdQuoteMismatch,
                                 "the TD quote is not of the TD whose TDREPORT the HCL report "
                                 "carries: " +
                                     std::move(what) + " differs");
}

Status CheckTdBody(const dcap::TdReportBody& body, ByteSpan td_report) {
  if (td_report.size() < kTdReportSize) {
    return Status::InvalidEvidence(
        reason::kHclReportMalformed,
        "HCL report: the TDREPORT is " + std::to_string(td_report.size()) + " bytes, not 1024");
  }
  if (!Equal(body.report_data, td_report.subspan(kTdReportDataOffset, 64))) {
    return TdMismatch("REPORTDATA");
  }
  if (!Equal(body.mrtd, td_report.subspan(kTdInfoMrTdOffset, kMeasurementSize))) {
    return TdMismatch("MRTD");
  }
  for (size_t i = 0; i < 4; ++i) {
    ByteSpan rtmr = td_report.subspan(kTdInfoRtmrOffset + i * kMeasurementSize, kMeasurementSize);
    if (!Equal(body.rtmr[i], rtmr)) {
      return TdMismatch("RTMR" + std::to_string(i));
    }
  }
  return Status::Ok();
}

// CheckVariableDataBinding takes an HclReport; only the hash type and the variable data count.
Status CheckBinding(const IsolationEvidence& in, ByteSpan report_data) {
  HclReport view;
  view.hash_type = in.hash_type;
  view.variable_data = in.variable_data;
  return CheckVariableDataBinding(view, report_data);
}

StatusOr<IsolationResult> VerifySnp(const IsolationEvidence& in, const VerifyContext& context) {
  snp::AmdChain sent;
  if (!in.cert_chain.empty()) {
    ATTEST_ASSIGN_OR_RETURN(std::vector<crypto::Certificate> certs,
                            snp::ParseCertificates(in.cert_chain));
    ATTEST_ASSIGN_OR_RETURN(sent, snp::SortAmdChain(std::move(certs)));
  }
  // spec/azure-cvm.md §5 step 2: the whole SNP verification, by the SNP verifier.
  ATTEST_ASSIGN_OR_RETURN(snp::SnpVerification v, snp::SnpReportVerifier::Shared().Verify(
                                                      in.hardware_evidence, sent, context));
  // Step 3: the report must come from the HCL at VMPL 0, not from the guest OS above it.
  if (v.report.vmpl != 0) {
    return Err(Status::InvalidEvidence(
        reason::kHclReportVmplNotZero,
        "the SEV-SNP report was requested at VMPL " + std::to_string(v.report.vmpl) +
            "; an Azure CVM's HCL report comes from the paravisor at VMPL 0"));
  }
  // Step 4.
  ATTEST_RETURN_IF_ERROR(CheckBinding(in, v.report.report_data));
  IsolationResult out;
  ATTEST_ASSIGN_OR_RETURN(out.variable_data, ParseHclVariableData(in.variable_data));
  claims::ClaimSet tee;
  snp::AddSnpClaims(v, tee);
  out.verdict = v.ToJson();
  out.debuggable = v.report.policy_debug();
  out.tee = tee.ToJsonObject();
  out.tee.erase(std::string(claims::kAttestdSevSnp));  // attestd's verdict is kept apart
  return out;
}

StatusOr<IsolationResult> VerifyTdx(const IsolationEvidence& in, const VerifyContext& context,
                                    const DcapOptions& options) {
  ATTEST_ASSIGN_OR_RETURN(dcap::Quote quote, dcap::ParseQuote(in.hardware_evidence));
  if (!quote.td_body) {
    return Err(Status::InvalidEvidence(reason::kUnsupportedQuoteFormat,
                                       "the isolation evidence is an SGX quote, not a TD quote"));
  }
  // spec/azure-cvm.md §7 step 4: the TD quote, by the DCAP verifier.
  ATTEST_ASSIGN_OR_RETURN(dcap::DcapVerdict verdict,
                          dcap::QuoteVerifier::Shared().Verify(quote, context, options));
  // Step 5.
  ATTEST_RETURN_IF_ERROR(CheckBinding(in, quote.td_body->report_data));
  if (in.td_report) {
    ATTEST_RETURN_IF_ERROR(CheckTdBody(*quote.td_body, *in.td_report));
  }
  IsolationResult out;
  ATTEST_ASSIGN_OR_RETURN(out.variable_data, ParseHclVariableData(in.variable_data));
  claims::ClaimSet tee;
  AddTdxClaims(*quote.td_body, verdict, tee);
  out.verdict = verdict.ToJson();
  out.debuggable = quote.td_body->debug();
  out.tee = tee.ToJsonObject();
  out.tee.erase(std::string(claims::kAttestdTcb));
  return out;
}

}  // namespace

std::string_view IsolationTypeName(IsolationType type) {
  return type == IsolationType::kTdx ? "Tdx" : "SevSnp";
}

StatusOr<IsolationResult> VerifyIsolationEvidence(const IsolationEvidence& evidence,
                                                  const VerifyContext& context,
                                                  const DcapOptions& dcap_options) {
  if (evidence.variable_data.size() > kMaxVariableDataSize) {
    return Err(Status::InvalidEvidence(
        reason::kHclVariableDataInvalid,
        "HCL variable data: " + std::to_string(evidence.variable_data.size()) +
            " bytes; the limit is " + std::to_string(kMaxVariableDataSize)));
  }
  StatusOr<IsolationResult> result = evidence.type == IsolationType::kTdx
                                         ? VerifyTdx(evidence, context, dcap_options)
                                         : VerifySnp(evidence, context);
  if (!result) {
    return result;
  }
  if (IsAzureCompliantCvm(*result)) {
    result->tee[std::string(claims::kComplianceStatus)] = "azure-compliant-cvm";
  }
  // MAA emits the variable data as parsed JSON (reference token, spec/maa-tokens.md §4.4).
  result->tee[std::string(claims::kRuntime)] = result->variable_data.claims;
  return result;
}

Status CheckTdQuoteMatchesTdReport(ByteSpan td_quote, ByteSpan td_report) {
  ATTEST_ASSIGN_OR_RETURN(dcap::Quote quote, dcap::ParseQuote(td_quote));
  if (!quote.td_body) {
    return Status::InvalidEvidence(reason::kUnsupportedQuoteFormat,
                                   "the isolation evidence is an SGX quote, not a TD quote");
  }
  return CheckTdBody(*quote.td_body, td_report);
}

bool IsAzureCompliantCvm(const IsolationResult& result) {
  // VMPL 0 (SNP) and the binding are enforced by VerifyIsolationEvidence before a result
  // exists; the AK is required by ParseHclVariableData.
  return !result.debuggable && result.variable_data.ak_public != nullptr;
}

bool IsAzureCvmPlatformEvidence(const std::optional<BoundData>& runtime_data, bool from_vmpl0,
                                bool debuggable) {
  if (!runtime_data || runtime_data->kind != BoundData::Kind::kJson || !from_vmpl0 || debuggable) {
    return false;
  }
  auto vars = ParseHclVariableData(runtime_data->data);
  return vars.has_value() && vars->ak_public != nullptr;
}

}  // namespace attest::evidence::azure_cvm
