// Intel TCB statuses and their convergence (spec/intel-dcap.md §5.4).
#pragma once

#include <optional>
#include <string_view>

namespace attest::dcap {

enum class TcbStatus {
  kUpToDate,
  kSWHardeningNeeded,
  kConfigurationNeeded,
  kConfigurationAndSWHardeningNeeded,
  kOutOfDate,
  kOutOfDateConfigurationNeeded,
  kRevoked,
  kUnrecognized,  // a string Intel does not define; fails if it is ever selected
};

std::string_view TcbStatusName(TcbStatus s);
TcbStatus ParseTcbStatus(std::string_view s);

// [QVL convergeTcbStatusWithTdxModuleStatus / convergeTcbStatusWithQeTcbStatus]: the
// platform status adjusted by a module or QE status (UpToDate, OutOfDate or Revoked).
TcbStatus ConvergeTcbStatus(TcbStatus platform, TcbStatus other);

}  // namespace attest::dcap
