#include "evidence/dcap/tcb_status.h"

namespace attest::dcap {

std::string_view TcbStatusName(TcbStatus s) {
  switch (s) {
    case TcbStatus::kUpToDate: return "UpToDate";
    case TcbStatus::kSWHardeningNeeded: return "SWHardeningNeeded";
    case TcbStatus::kConfigurationNeeded: return "ConfigurationNeeded";
    case TcbStatus::kConfigurationAndSWHardeningNeeded: return "ConfigurationAndSWHardeningNeeded";
    case TcbStatus::kOutOfDate: return "OutOfDate";
    case TcbStatus::kOutOfDateConfigurationNeeded: return "OutOfDateConfigurationNeeded";
    case TcbStatus::kRevoked: return "Revoked";
    case TcbStatus::kUnrecognized: return "Unrecognized";
  }
  return "Unrecognized";
}

TcbStatus ParseTcbStatus(std::string_view s) {
  for (TcbStatus t : {TcbStatus::kUpToDate, TcbStatus::kSWHardeningNeeded,
                      TcbStatus::kConfigurationNeeded,
                      TcbStatus::kConfigurationAndSWHardeningNeeded, TcbStatus::kOutOfDate,
                      TcbStatus::kOutOfDateConfigurationNeeded, TcbStatus::kRevoked}) {
    if (TcbStatusName(t) == s) return t;
  }
  return TcbStatus::kUnrecognized;
}

// spec §5.4 table.
TcbStatus ConvergeTcbStatus(TcbStatus platform, TcbStatus other) {
  if (other == TcbStatus::kRevoked) return TcbStatus::kRevoked;
  if (other != TcbStatus::kOutOfDate) return platform;
  switch (platform) {
    case TcbStatus::kUpToDate:
    case TcbStatus::kSWHardeningNeeded:
      return TcbStatus::kOutOfDate;
    case TcbStatus::kConfigurationNeeded:
    case TcbStatus::kConfigurationAndSWHardeningNeeded:
      return TcbStatus::kOutOfDateConfigurationNeeded;
    default:
      return platform;
  }
}

}  // namespace attest::dcap
