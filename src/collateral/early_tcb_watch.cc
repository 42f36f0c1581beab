#include "collateral/early_tcb_watch.h"

namespace attest::collateral {

EarlyTcbWatch& EarlyTcbWatch::Shared() {
  static EarlyTcbWatch* watch = new EarlyTcbWatch();
  return *watch;
}

void EarlyTcbWatch::RecordAtRisk(const std::string& fmspc, const std::string& platform) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = at_risk_.find(fmspc);
  if (it == at_risk_.end()) {
    if (at_risk_.size() >= kMaxFmspcs) {
      return;
    }
    it = at_risk_.emplace(fmspc, std::set<std::string>()).first;
  }
  if (it->second.size() < kMaxPlatformsPerFmspc) {
    it->second.insert(platform);
  }
}

std::map<std::string, size_t> EarlyTcbWatch::AtRiskByFmspc() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::string, size_t> out;
  for (const auto& [fmspc, platforms] : at_risk_) {
    out[fmspc] = platforms.size();
  }
  return out;
}

std::string EarlyTcbWatch::RenderPrometheus() const {
  std::string out =
      "# HELP attestd_tcb_early_outofdate_platforms Platforms UpToDate under the standard TCB "
      "info but OutOfDate under the early set, by FMSPC.\n"
      "# TYPE attestd_tcb_early_outofdate_platforms gauge\n";
  for (const auto& [fmspc, n] : AtRiskByFmspc()) {
    out += "attestd_tcb_early_outofdate_platforms{fmspc=\"" + fmspc + "\"} " + std::to_string(n) +
           "\n";
  }
  return out;
}

void EarlyTcbWatch::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  at_risk_.clear();
}

}  // namespace attest::collateral
