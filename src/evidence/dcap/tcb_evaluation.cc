#include "evidence/dcap/tcb_evaluation.h"

#include <algorithm>
#include <cstdio>

#include "base/reasons.h"

namespace attest::dcap {
namespace {

Status NotSupported(std::string message) {
  return Status::InvalidEvidence(reason::kTcbNotSupported, std::move(message));
}

// §5.1: every SGX component and the PCESVN at least the level's.
bool SgxLevelMatches(const PckInfo& pck, const TcbLevel& level) {
  for (size_t i = 0; i < 16; ++i) {
    if (pck.tcb_comp_svn[i] < level.sgx_svn[i]) return false;
  }
  return pck.pcesvn >= level.pcesvn;
}

// §5.2: TEE_TCB_SVN against tdxtcbcomponents, skipping bytes 0-1 when the module major
// version is non-zero (they are judged through the module identity instead).
bool TdxLevelMatches(ByteSpan tee_tcb_svn, const TcbLevel& level) {
  if (!level.tdx_svn) return false;
  size_t start = tee_tcb_svn[1] > 0 ? 2 : 0;
  for (size_t i = start; i < 16; ++i) {
    if (tee_tcb_svn[i] < (*level.tdx_svn)[i]) return false;
  }
  return true;
}

void AppendUnique(std::vector<std::string>& out, const std::vector<std::string>& add) {
  for (const std::string& a : add) {
    if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
  }
}

bool IsOneOf(TcbStatus s, std::initializer_list<TcbStatus> set) {
  return std::find(set.begin(), set.end(), s) != set.end();
}

}  // namespace

std::string TdxModuleIdentityId(uint8_t major) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "TDX_%02X", major);
  return buf;
}

const TdxModuleIdentity* FindTdxModuleIdentity(const TcbInfo& info, uint8_t major) {
  std::string id = TdxModuleIdentityId(major);
  for (const auto& m : info.tdx_module_identities) {
    if (m.id == id) return &m;
  }
  return nullptr;
}

Status EvaluateTcb(const Quote& quote, const PckInfo& pck, const TcbInfo& tcb_info,
                   const QeTcbLevel& qe_level, DcapVerdict& v) {
  v.qe_tcb_status = qe_level.status;
  v.qe_advisory_ids = qe_level.advisory_ids;
  v.qe_tcb_level_date = qe_level.tcb_date;

  TcbStatus converged;
  if (!quote.is_tdx()) {
    // §5.1 [QVL 4.1.2.4.17.1-4.1.2.4.17.2]
    const TcbLevel* level = nullptr;
    for (const TcbLevel& l : tcb_info.levels) {
      if (SgxLevelMatches(pck, l)) {
        level = &l;
        break;
      }
    }
    if (!level) return NotSupported("the platform's TCB is below every level in the TCB info");
    if (level->status == TcbStatus::kUnrecognized) {
      return Status::InvalidCollateral(reason::kTcbStatusUnrecognized,
                                       "the matching TCB level has an unknown status");
    }
    v.platform_tcb_status = level->status;
    v.platform_tcb_level_date = level->tcb_date;
    AppendUnique(v.advisory_ids, level->advisory_ids);
    converged = level->status;
  } else {
    // §5.2 [QVL 4.1.2.4.17.3]: sgxLevel and tdxLevel in one pass.
    ByteSpan svn = quote.td_body->tee_tcb_svn;
    const TcbLevel *sgx_level = nullptr, *tdx_level = nullptr;
    for (const TcbLevel& l : tcb_info.levels) {
      if (!SgxLevelMatches(pck, l)) continue;
      if (!sgx_level) sgx_level = &l;
      if (TdxLevelMatches(svn, l)) {
        tdx_level = &l;
        break;
      }
    }
    if (!sgx_level || !tdx_level) {
      return NotSupported(!sgx_level ? "the platform's SGX TCB is below every level"
                                     : "the TD's TEE TCB SVN is below every level");
    }
    if (tdx_level->status == TcbStatus::kUnrecognized) {
      return Status::InvalidCollateral(reason::kTcbStatusUnrecognized,
                                       "the matching TCB level has an unknown status");
    }
    v.platform_tcb_status = tdx_level->status;
    v.platform_tcb_level_date = tdx_level->tcb_date;
    AppendUnique(v.advisory_ids, tdx_level->advisory_ids);
    converged = tdx_level->status;

    // §5.3 [QVL 4.1.2.4.17.4.1]: the TDX module's own level.
    std::optional<TcbStatus> module_status;
    if (svn[1] > 0) {
      const TdxModuleIdentity* id = FindTdxModuleIdentity(tcb_info, svn[1]);
      if (!id) {
        return Status::InvalidEvidence(reason::kTdxModuleMismatch,
                                       "TCB info has no identity " + TdxModuleIdentityId(svn[1]));
      }
      const TdxModuleLevel* ml = nullptr;
      for (const TdxModuleLevel& l : id->levels) {
        if (l.isvsvn <= svn[0]) {
          ml = &l;
          break;
        }
      }
      if (!ml) return NotSupported("the TDX module's SVN is below every level of " + id->id);
      if (!IsOneOf(ml->status, {TcbStatus::kUpToDate, TcbStatus::kOutOfDate, TcbStatus::kRevoked})) {
        return Status::InvalidCollateral(reason::kTcbStatusUnrecognized,
                                         "the TDX module level has an unsupported status");
      }
      module_status = ml->status;
      v.tdx_module_tcb_status = ml->status;
      v.tdx_module_advisory_ids = ml->advisory_ids;
      v.tdx_module_id = id->id;
      v.tdx_module_matched_isvsvn = ml->isvsvn;
      AppendUnique(v.advisory_ids, ml->advisory_ids);
      converged = ConvergeTcbStatus(converged, ml->status);
    }

    // §5.6 [QVL 4.1.2.4.17.4.3]: TD relaunch advice (TD report 1.5 only), reported as a flag.
    if (quote.body_type == BodyType::kTd15 && qe_level.status == TcbStatus::kUpToDate &&
        IsOneOf(sgx_level->status,
                {TcbStatus::kUpToDate, TcbStatus::kSWHardeningNeeded,
                 TcbStatus::kConfigurationNeeded, TcbStatus::kConfigurationAndSWHardeningNeeded}) &&
        IsOneOf(converged, {TcbStatus::kOutOfDate, TcbStatus::kOutOfDateConfigurationNeeded}) &&
        module_status == TcbStatus::kOutOfDate) {
      const TcbLevel& latest = tcb_info.levels.front();
      ByteSpan s2 = quote.td_body->tee_tcb_svn2;
      uint8_t latest_tdx0 = latest.tdx_svn ? (*latest.tdx_svn)[0] : 0;
      uint8_t latest_tdx2 = latest.tdx_svn ? (*latest.tdx_svn)[2] : 0;
      if (s2[1] == 0) {
        v.td_relaunch_advised = s2[0] >= latest_tdx0 && s2[2] >= latest_tdx2;
      } else {
        const TdxModuleIdentity* id2 = FindTdxModuleIdentity(tcb_info, s2[1]);
        if (!id2) {
          return Status::InvalidEvidence(
              reason::kTdxModuleMismatch,
              "TCB info has no identity " + TdxModuleIdentityId(s2[1]) + " for TEE_TCB_SVN2");
        }
        uint8_t highest = id2->levels.empty() ? 0 : id2->levels.front().isvsvn;
        v.td_relaunch_advised = s2[0] >= highest && s2[2] >= latest_tdx2;
      }
    }
  }

  // §5.4: converge with the QE's status, then §5.5 advisories.
  AppendUnique(v.advisory_ids, qe_level.advisory_ids);
  converged = ConvergeTcbStatus(converged, qe_level.status);
  if (converged == TcbStatus::kRevoked) {
    return Status::InvalidEvidence(reason::kTcbRevoked,
                                   "the platform, TDX module or QE TCB is revoked");
  }
  v.tcb_status = converged;
  return Status::Ok();
}

}  // namespace attest::dcap
