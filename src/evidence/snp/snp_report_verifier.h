// SnpReportVerifier: verifies one raw SEV-SNP ATTESTATION_REPORT against its endorsement
// chain — the whole of spec/amd-sev-snp.md §4-§7 — and returns the parsed report with what
// was established about it. /attest/SevSnpVm (snp_verifier.h) and the Azure CVM verifier
// (HCL reports) both call it; neither copies any of it.
//
//   ATTEST_ASSIGN_OR_RETURN(snp::SnpVerification v,
//                           snp::SnpReportVerifier::Shared().Verify(report, sent, context));
//   snp::AddSnpClaims(v, claims);
//
// Thread-safe. Verified chains are cached (keyed by the three certificates' DER, bounded):
// a cached chain is re-judged only for validity at the verification time.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "claims/claim.h"
#include "evidence/evidence.h"
#include "evidence/snp/amd_certificates.h"
#include "evidence/snp/snp_report.h"

namespace attest::snp {

struct SnpVerification {
  SnpReport report;
  Product product = Product::kMilan;
  SigningKey signing_key = SigningKey::kVcek;
  EkInfo ek;
  TcbVersion reported_tcb;
  TcbVersion current_tcb;
  TcbVersion committed_tcb;
  TcbVersion launch_tcb;
  // True when a CRL of the product was available and checked (spec §6.5 step 7).
  bool revocation_checked = false;
  // Where the endorsement key certificate came from: "request" or "collateral".
  std::string ek_source;

  // attestd's verdict object (claim x-attestd-sevsnp, docs/claims.md).
  nlohmann::json ToJson() const;
};

class SnpReportVerifier {
 public:
  // One process-wide verifier (its chain cache is shared).
  static SnpReportVerifier& Shared();

  // `report` is the raw report (an extended report's certificate table is ignored);
  // `sent` the certificates that came with it. Missing certificates are asked from
  // context.collateral; the ARK must match a pin of context.anchors for the product.
  // Verification time: context.clock. Reasons: docs/errors.md (SNP_*).
  StatusOr<SnpVerification> Verify(ByteSpan report, const AmdChain& sent,
                                   const evidence::VerifyContext& context);

 private:
  struct CachedChain {
    EkInfo ek;
    UnixTime not_before = 0;  // latest notBefore of the three certificates
    UnixTime not_after = 0;   // earliest notAfter
  };
  std::shared_ptr<const CachedChain> Lookup(const std::string& key);
  void Store(const std::string& key, std::shared_ptr<const CachedChain> value);

  std::mutex mu_;
  std::map<std::string, std::shared_ptr<const CachedChain>> cache_;
};

// The MAA claims of spec/maa-tokens.md §4.1 (x-ms-attestation-type "sevsnpvm",
// x-ms-sevsnpvm-*) and attestd's verdict x-attestd-sevsnp.
void AddSnpClaims(const SnpVerification& v, claims::ClaimSet& out);

}  // namespace attest::snp
