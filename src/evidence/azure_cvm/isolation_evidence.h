// The isolation evidence of an Azure confidential VM (spec/azure-cvm.md §5, §7): the hardware
// report the HCL obtained (SEV-SNP ATTESTATION_REPORT, or for TDX the TD quote made from the
// TDREPORT) and the HCL variable data it commits to. Composes the SNP verifier
// (snp::SnpReportVerifier) and the DCAP verifier (dcap::QuoteVerifier); copies neither.
//
// One entry point serves every caller that has isolation evidence: the offline HCL-report
// verifier (cvm_verifier.h, attestctl verify --type azure-cvm) and /attest/AzureGuest, whose
// IsolationInfo.Evidence carries {SnpReport, VcekCertChain} or the TD quote plus RunTimeData:
//
//   azure_cvm::IsolationEvidence in{azure_cvm::IsolationType::kSevSnp, report, chain_pem,
//                                   variable_data};
//   ATTEST_ASSIGN_OR_RETURN(azure_cvm::IsolationResult r,
//                           azure_cvm::VerifyIsolationEvidence(in, context, dcap_options));
//   token.Set("x-ms-isolation-tee", r.tee);   // r.variable_data.ak_public is the vTPM AK
//
// Thread-safe (the shared verifiers are). Time: context.clock; collateral: context.collateral.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "base/bytes.h"
#include "base/status.h"
#include "evidence/azure_cvm/hcl_report.h"
#include "evidence/azure_cvm/variable_data.h"
#include "evidence/evidence.h"
#include "evidence/verifier_config.h"

namespace attest::evidence::azure_cvm {

enum class IsolationType { kSevSnp, kTdx };

// "SevSnp" / "Tdx" (MAA's IsolationInfo.Type spelling).
std::string_view IsolationTypeName(IsolationType type);

struct IsolationEvidence {
  IsolationType type = IsolationType::kSevSnp;
  // SEV-SNP: the 1184-byte report (hcl[0x20:0x4C0]). TDX: the TD quote (v4/v5).
  ByteSpan hardware_evidence;
  // SEV-SNP: certificates sent with the report (PEM or DER: VCEK/VLEK, ASK/ASVK, ARK in any
  // order; may be empty, then context.collateral supplies them). TDX: unused (the quote carries
  // its PCK chain; TCB info and QE identity come from context.collateral).
  ByteSpan cert_chain;
  // The HCL variable data, exact bytes.
  ByteSpan variable_data;
  // How report_data commits to the variable data (the HCL report's hash type; SHA-256 when
  // only the variable data is at hand, as in AzureGuest).
  HclHashType hash_type = HclHashType::kSha256;
  // TDX only, optional: the TDREPORT the HCL report carried. When given, the TD quote must be
  // of the same TD: same REPORTDATA, MRTD and RTMRs (spec/azure-cvm.md §7 step 5).
  std::optional<ByteSpan> td_report;
};

struct IsolationResult {
  // MAA's x-ms-isolation-tee object: the SEV-SNP (x-ms-sevsnpvm-*) or TDX (tdx_*, attester_*)
  // claims, x-ms-attestation-type "sevsnpvm" / "tdxvm", x-ms-compliance-status when the VM is
  // an Azure-compliant CVM (IsAzureCompliantCvm), and x-ms-runtime = the variable data.
  nlohmann::json tee;
  // The variable data, parsed after its binding held: the vTPM AK (HCLAkPub), user-data, ...
  HclVariableData variable_data;
  // attestd's verdict on the hardware report (x-attestd-sevsnp or x-attestd-tcb content).
  nlohmann::json verdict;
  bool debuggable = false;
};

// spec/azure-cvm.md §5 steps 2-5 / §7 steps 3-5, in this order: the hardware evidence
// verified by its vendor's verifier (SNP: chain, binding, signature, then VMPL 0; TDX: DCAP),
// report_data = H(variable data) ‖ zeros, the TDREPORT cross-check (TDX), then the variable
// data parsed. Reasons: those of SnpReportVerifier::Verify and QuoteVerifier::Verify,
// HCL_REPORT_VMPL_NOT_ZERO, HCL_VARIABLE_DATA_MISMATCH, HCL_TD_QUOTE_MISMATCH,
// HCL_VARIABLE_DATA_INVALID, UNSUPPORTED_QUOTE_FORMAT (an SGX quote given as TDX evidence).
StatusOr<IsolationResult> VerifyIsolationEvidence(const IsolationEvidence& evidence,
                                                  const VerifyContext& context,
                                                  const DcapOptions& dcap_options = {});

// spec/azure-cvm.md §7 step 5: the TD quote's body is the TDREPORT's TD (REPORTDATA, MRTD,
// RTMR0-3 equal). Reason HCL_TD_QUOTE_MISMATCH; HCL_REPORT_MALFORMED for a short TDREPORT.
Status CheckTdQuoteMatchesTdReport(ByteSpan td_quote, ByteSpan td_report);

// attestd's reading of MAA's "azure-compliant-cvm" (docs/claims.md): the hardware evidence
// verified, came from the paravisor (SNP: VMPL 0), is not debuggable, and binds HCL variable
// data holding a vTPM attestation key. MAA's own default policy is not published; this is the
// part of it that evidence can establish.
bool IsAzureCompliantCvm(const IsolationResult& result);

// Platform attestation of an Azure CVM through /attest/SevSnpVm or /attest/TdxVm
// (maa-real-clients.md §2): the same judgement for evidence whose hardware report a SevSnpVm /
// TdxVm verifier verified and whose runtime data it bound. True when `runtime_data` is JSON
// that is HCL variable data (an HCLAkPub JWK), the report came from VMPL 0 (`from_vmpl0`;
// true for TDX) and is not debuggable. The verifiers then emit
// x-attestd-azure-cvm-evidence "verified", which their default policies turn into
// x-ms-compliance-status "azure-compliant-cvm".
bool IsAzureCvmPlatformEvidence(const std::optional<BoundData>& runtime_data, bool from_vmpl0,
                                bool debuggable);

}  // namespace attest::evidence::azure_cvm
