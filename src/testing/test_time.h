// The fixed instant test worlds are verified at, and the collateral validity windows the
// builders default to around it. Tests move one window past this instant to produce an
// expiry failure.
#pragma once

#include "base/time.h"

namespace attest::testing {

inline constexpr UnixTime kDay = 86400;
// 2025-01-15T00:00:00Z.
inline constexpr UnixTime kTestVerificationTime = 1736899200;
// TCB info and QE identity: issued a day before, next update four weeks after.
inline constexpr UnixTime kTestIssueDate = kTestVerificationTime - kDay;
inline constexpr UnixTime kTestNextUpdate = kTestVerificationTime + 28 * kDay;
// CRLs: thisUpdate two weeks before, nextUpdate two weeks after.
inline constexpr UnixTime kTestCrlThisUpdate = kTestVerificationTime - 14 * kDay;
inline constexpr UnixTime kTestCrlNextUpdate = kTestVerificationTime + 14 * kDay;

}  // namespace attest::testing
