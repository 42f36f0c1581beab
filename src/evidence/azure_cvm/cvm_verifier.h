// Verification of a whole Azure CVM attestation from its HCL report (spec/azure-cvm.md §5, §7):
// the HCL report parsed, its isolation evidence verified (isolation_evidence.h: SNP verifier
// or DCAP verifier), the variable data bound, the vTPM quote checked with HCLAkPub against the
// nonce and the PCR values (the TPM quote verifier), and the AK's trust established
// (ak_trust.h). attestctl verify --type azure-cvm runs it.
//
// Every check is run and reported, in spec order, even after one failed, so that a verdict
// says which parts held (the TDX vector has no Intel collateral: its HCL, binding and vTPM
// checks pass, and the TD quote is reported as unverifiable, never as a pass). The outcome is
// valid only when every check passed.
//
// Thread-safe; holds nothing after return.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"
#include "claims/claim.h"
#include "crypto/x509.h"
#include "evidence/evidence.h"
#include "evidence/tpm/quote_verifier.h"
#include "evidence/verifier_config.h"

namespace attest::evidence::azure_cvm {

struct VtpmQuote {
  Bytes attest;              // TPMS_ATTEST, as signed
  tpm::Signature signature;  // RawRsassaSignature(...) or ParseSignature(TPMT_SIGNATURE)
  tpm::PcrValues pcrs;       // the values quoted (empty: not checked)
  Bytes nonce;               // expected qualifying data (empty = empty extraData)
};

struct CvmEvidence {
  Bytes hcl_report;                // NV 0x01400001 contents (trailing bytes ignored)
  Bytes snp_cert_chain;            // SNP: PEM/DER certificates sent with it (may be empty)
  std::optional<Bytes> td_quote;   // TDX: the TD quote (required for a TDX HCL report)
  std::optional<VtpmQuote> quote;  // absent: only the HCL part is checked
  std::vector<crypto::Certificate> ak_certificates;  // Azure AK certificate (+ intermediates)
};

// One check of the verdict: "pass", "fail" (with reason and message) or "not-checked".
struct CvmCheck {
  std::string name;
  std::string result;
  std::string reason;
  std::string message;
};

struct CvmOutcome {
  Status status;                 // Ok, or the first failure in spec order
  std::vector<CvmCheck> checks;  // in spec order
  // When status is Ok: x-ms-isolation-tee, the TPM claims (pcrs, aikPubHash, ...),
  // x-ms-azurevm-vmid; x-attestd-azure-cvm holds the verdict (checks, HCL header, AK trust).
  claims::ClaimSet claims;
  nlohmann::json verdict;  // also present on failure: what held and what did not
};

// Stage names (the `checks` keys; vectors' failure_stage in tests/vectors/azure_cvm_cases.py).
inline constexpr std::string_view kCheckHclReport = "hcl_report";
inline constexpr std::string_view kCheckVariableDataBinding = "variable_data_binding";
inline constexpr std::string_view kCheckTdQuoteMatchesTdReport = "td_quote_matches_tdreport";
inline constexpr std::string_view kCheckVariableData = "variable_data";
inline constexpr std::string_view kCheckVtpmQuote = "vtpm_quote";
inline constexpr std::string_view kCheckAkTrust = "ak_trust";
inline constexpr std::string_view kCheckIsolationEvidence = "isolation_evidence";
inline constexpr std::string_view kCheckUserDataNonce = "user_data_starts_with_nonce";

CvmOutcome VerifyCvm(const CvmEvidence& evidence, const VerifyContext& context,
                     const DcapOptions& dcap_options = {});

}  // namespace attest::evidence::azure_cvm
