// CheckStep: one check of the verification order whose outcome either never depends on the
// verification time (a signature, a format) or is a validity window. Collateral and PCK
// chains are checked once, recorded as ordered steps, and re-evaluated cheaply at each
// verification time, so caching never changes which error is reported first.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "base/status.h"
#include "base/time.h"

namespace attest::dcap {

struct CheckStep {
  Status error;  // not ok: this step always fails
  UnixTime from = std::numeric_limits<UnixTime>::min();
  UnixTime until = std::numeric_limits<UnixTime>::max();
  Status too_early;  // reported when t < from
  Status too_late;   // reported when t > until

  static CheckStep Fail(Status s) {
    CheckStep c;
    c.error = std::move(s);
    return c;
  }
  static CheckStep Window(UnixTime from, UnixTime until, Status too_early, Status too_late) {
    CheckStep c;
    c.from = from;
    c.until = until;
    c.too_early = std::move(too_early);
    c.too_late = std::move(too_late);
    return c;
  }
};

// Runs the steps in order at time t; the first failure is returned. Validity windows are
// inclusive at both ends (spec/intel-dcap.md §4.6).
inline Status EvaluateSteps(const std::vector<CheckStep>& steps, UnixTime t) {
  for (const CheckStep& s : steps) {
    if (!s.error.ok()) return s.error;
    if (t < s.from) return s.too_early;
    if (t > s.until) return s.too_late;
  }
  return Status::Ok();
}

// Earliest end of any window in `steps`.
inline UnixTime EarliestExpiry(const std::vector<CheckStep>& steps) {
  UnixTime out = std::numeric_limits<UnixTime>::max();
  for (const CheckStep& s : steps) out = std::min(out, s.until);
  return out;
}

}  // namespace attest::dcap
