// TCB level selection and status convergence for SGX and TDX quotes
// (spec/intel-dcap.md §5.1-5.6, [QVL 4.1.2.4.17]). Pure functions.
#pragma once

#include "evidence/dcap/pck_certificate.h"
#include "evidence/dcap/quote.h"
#include "evidence/dcap/tcb_info.h"
#include "evidence/dcap/verdict.h"

namespace attest::dcap {

// Result of the QE identity's TCB level match (spec C10.5).
struct QeTcbMatch {
  const QeTcbLevel* level = nullptr;  // nullptr: QE ISVSVN below every level
};

// Fills the status fields of `verdict` (tcb_status, platform/module/QE statuses, advisories,
// relaunch advice). Reasons: TCB_NOT_SUPPORTED, TCB_REVOKED, TCB_STATUS_UNRECOGNIZED,
// TDX_MODULE_MISMATCH.
Status EvaluateTcb(const Quote& quote, const PckInfo& pck, const TcbInfo& tcb_info,
                   const QeTcbLevel& qe_level, DcapVerdict& verdict);

// "TDX_%02X" of a module major version.
std::string TdxModuleIdentityId(uint8_t major);
const TdxModuleIdentity* FindTdxModuleIdentity(const TcbInfo& info, uint8_t major);

}  // namespace attest::dcap
