// EarlyTcbWatch: platforms that pass today's (standard) TCB evaluation but would be OutOfDate
// under Intel's early TCB info set, counted per FMSPC: the fleet that needs patching before a
// TCB recovery takes effect (docs/collateral.md, "TCB-recovery early warning").
//
// Platforms are told apart by a digest of their PCK key, so a platform attesting many times
// counts once. Bounded (kMaxPlatformsPerFmspc per FMSPC, kMaxFmspcs FMSPCs). Thread-safe;
// one process-wide instance shared by the DCAP verifier and /metrics.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>

namespace attest::collateral {

class EarlyTcbWatch {
 public:
  static constexpr size_t kMaxPlatformsPerFmspc = 100000;
  static constexpr size_t kMaxFmspcs = 10000;

  static EarlyTcbWatch& Shared();

  // `fmspc` upper-case hex; `platform` any stable platform identity (e.g. PCK key digest).
  void RecordAtRisk(const std::string& fmspc, const std::string& platform);
  std::map<std::string, size_t> AtRiskByFmspc() const;
  // attestd_tcb_early_outofdate_platforms{fmspc} (Prometheus text).
  std::string RenderPrometheus() const;
  void Clear();

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::set<std::string>> at_risk_;
};

}  // namespace attest::collateral
