#include "evidence/tdx/tdx_verifier.h"

#include "base/encoding.h"
#include "base/reasons.h"
#include "claims/claim_names.h"
#include "evidence/binding.h"
#include "evidence/dcap/dcap_claims.h"
#include "evidence/dcap/quote.h"
#include "evidence/dcap/quote_verifier.h"
#include "evidence/azure_cvm/isolation_evidence.h"

namespace attest::evidence {
namespace {

// TDATTRIBUTES bits (Intel TDX module ABI): 0 DEBUG, 28 SEPT_VE_DISABLE, 30 PKS, 31 KL,
// 63 PERFMON.
constexpr uint64_t kTdAttrDebug = 1ull << 0;
constexpr uint64_t kTdAttrSeptVeDisable = 1ull << 28;
constexpr uint64_t kTdAttrProtectionKeys = 1ull << 30;
constexpr uint64_t kTdAttrKeyLocker = 1ull << 31;
constexpr uint64_t kTdAttrPerfmon = 1ull << 63;

}  // namespace

void AddTdxClaims(const dcap::TdReportBody& td, const dcap::DcapVerdict& verdict,
                  claims::ClaimSet& out) {
  using namespace attest::claims;
  const uint64_t attrs = td.td_attributes_u64();
  out.Add(kAttestationType, "tdxvm");
  out.Add(kEatProfile, "https://aka.ms/maa-eat-profile-tdxvm");
  out.Add(kDbgStat, (attrs & kTdAttrDebug) ? "enabled" : "disabled");
  out.Add(kIntUse, "generic");
  out.Add(kTdxMrSignerSeam, HexEncode(td.mrsignerseam));
  out.Add(kTdxMrSeam, HexEncode(td.mrseam));
  out.Add(kTdxMrTd, HexEncode(td.mrtd));
  out.Add(kTdxRtmr0, HexEncode(td.rtmr[0]));
  out.Add(kTdxRtmr1, HexEncode(td.rtmr[1]));
  out.Add(kTdxRtmr2, HexEncode(td.rtmr[2]));
  out.Add(kTdxRtmr3, HexEncode(td.rtmr[3]));
  out.Add(kTdxMrConfigId, HexEncode(td.mrconfigid));
  out.Add(kTdxMrOwner, HexEncode(td.mrowner));
  out.Add(kTdxMrOwnerConfig, HexEncode(td.mrownerconfig));
  out.Add(kTdxReportData, HexEncode(td.report_data));
  out.Add(kTdxSeamAttributes, HexEncode(td.seam_attributes));
  out.Add(kTdxTeeTcbSvn, HexEncode(td.tee_tcb_svn));
  out.Add(kTdxXfam, HexEncode(td.xfam));
  out.Add(kTdxSeamSvn, td.tee_tcb_svn[0]);
  out.Add(kTdxTdAttributes, HexEncode(td.td_attributes));
  out.Add(kTdxTdAttributesDebug, (attrs & kTdAttrDebug) != 0);
  out.Add(kTdxTdAttributesKeyLocker, (attrs & kTdAttrKeyLocker) != 0);
  out.Add(kTdxTdAttributesPerfmon, (attrs & kTdAttrPerfmon) != 0);
  out.Add(kTdxTdAttributesProtectionKeys, (attrs & kTdAttrProtectionKeys) != 0);
  out.Add(kTdxTdAttributesSeptVeDisable, (attrs & kTdAttrSeptVeDisable) != 0);
  if (!td.tee_tcb_svn2.empty()) {
    out.Add(kTdxTeeTcbSvn2, HexEncode(td.tee_tcb_svn2));
    out.Add(kTdxMrServiceTd, HexEncode(td.mrservicetd));
  }
  dcap::AddTcbClaims(verdict, out);
}

StatusOr<claims::ClaimSet> TdxVerifier::Verify(const Evidence& evidence,
                                               const VerifyContext& context) const {
  ATTEST_ASSIGN_OR_RETURN(dcap::Quote quote, dcap::ParseQuote(evidence.blob));
  if (!quote.td_body) {
    return Err(Status::InvalidEvidence(reason::kUnsupportedQuoteFormat,
                                       "this is an SGX quote; attest it as SgxEnclave"));
  }
  ATTEST_ASSIGN_OR_RETURN(dcap::DcapVerdict verdict,
                          dcap::QuoteVerifier::Shared().Verify(quote, context, options_));
  ATTEST_RETURN_IF_ERROR(CheckRuntimeDataBinding(evidence.runtime_data, quote.td_body->report_data));
  // MAA does not describe a TDX init-time binding; attestd binds it to MRCONFIGID.
  ATTEST_RETURN_IF_ERROR(
      CheckInitTimeDataBinding(evidence.init_time_data, quote.td_body->mrconfigid, "MRCONFIGID"));
  claims::ClaimSet out;
  out.Reserve(48);  // the TEE's claims, the TCB verdict's, and the service's
  AddTdxClaims(*quote.td_body, verdict, out);
  // An Azure TDX CVM's platform attestation (maa-real-clients.md §2): the runtime data is the
  // HCL variable data; the default policy turns this into "azure-compliant-cvm".
  if (azure_cvm::IsAzureCvmPlatformEvidence(evidence.runtime_data, /*from_vmpl0=*/true,
                                            quote.td_body->debug())) {
    out.Add(claims::kAttestdAzureCvmEvidence, "verified");
  }
  return out;
}

}  // namespace attest::evidence
