#include "evidence/sgx/sgx_verifier.h"

#include "base/encoding.h"
#include "base/reasons.h"
#include "claims/claim_names.h"
#include "crypto/digest.h"
#include "evidence/binding.h"
#include "evidence/dcap/dcap_claims.h"
#include "evidence/dcap/quote.h"
#include "evidence/dcap/quote_verifier.h"

namespace attest::evidence {
namespace {

void AddSgxClaims(const dcap::Quote& quote, const dcap::DcapVerdict& verdict,
                  claims::ClaimSet& out) {
  const dcap::SgxReportBody& body = *quote.sgx_body;
  using namespace attest::claims;
  out.Add(kAttestationType, "sgx");
  out.Add(kSgxIsDebuggable, body.debug());
  out.Add(kSgxMrEnclave, HexEncode(body.mrenclave));
  out.Add(kSgxMrSigner, HexEncode(body.mrsigner));
  out.Add(kSgxProductId, body.isv_prod_id);
  out.Add(kSgxSvn, body.isv_svn);
  out.Add(kSgxReportData, HexEncode(body.report_data));
  // KSS fields exist on Xeon Scalable (KSS-capable) platforms only (spec/maa-tokens.md §3.1).
  if (verdict.sgx_type >= 1) {
    out.Add(kSgxConfigId, HexEncode(body.config_id));
    out.Add(kSgxConfigSvn, body.config_svn);
    out.Add(kSgxIsvExtendedProductId, HexEncode(body.isv_ext_prod_id));
    out.Add(kSgxIsvFamilyId, HexEncode(body.isv_family_id));
  }
  const dcap::CollateralHashes& h = verdict.collateral_hashes;
  out.Add(kSgxCollateral, nlohmann::json{{"qeidcertshash", h.qeidcertshash},
                                         {"qeidcrlhash", h.qeidcrlhash},
                                         {"qeidhash", h.qeidhash},
                                         {"quotehash", HexEncode(crypto::Sha256(quote.raw))},
                                         {"tcbinfocertshash", h.tcbinfocertshash},
                                         {"tcbinfocrlhash", h.tcbinfocrlhash},
                                         {"tcbinfohash", h.tcbinfohash}});
  dcap::AddTcbClaims(verdict, out);
}

}  // namespace

StatusOr<claims::ClaimSet> VerifySgxQuote(
    ByteSpan quote_bytes, const Evidence& evidence, const VerifyContext& context,
    const DcapOptions& options, std::shared_ptr<const collateral::DcapCollateral> inline_collateral) {
  ATTEST_ASSIGN_OR_RETURN(dcap::Quote quote, dcap::ParseQuote(quote_bytes));
  if (!quote.sgx_body) {
    return Err(Status::InvalidEvidence(reason::kUnsupportedQuoteFormat,
                                       "this is a TDX quote; attest it as TdxVm"));
  }
  ATTEST_ASSIGN_OR_RETURN(dcap::DcapVerdict verdict,
                          dcap::QuoteVerifier::Shared().Verify(quote, context, options, inline_collateral));
  ATTEST_RETURN_IF_ERROR(CheckRuntimeDataBinding(evidence.runtime_data, quote.sgx_body->report_data));
  ATTEST_RETURN_IF_ERROR(CheckInitTimeDataBinding(evidence.init_time_data,
                                                  quote.sgx_body->config_id, "CONFIGID"));
  claims::ClaimSet out;
  out.Reserve(48);  // the TEE's claims, the TCB verdict's, and the service's
  AddSgxClaims(quote, verdict, out);
  return out;
}

StatusOr<claims::ClaimSet> SgxVerifier::Verify(const Evidence& evidence,
                                               const VerifyContext& context) const {
  return VerifySgxQuote(evidence.blob, evidence, context, options_, nullptr);
}

}  // namespace attest::evidence
