// Time: an injectable Clock and RFC 3339 / X.509-style UTC conversions.
//
// Verification is a pure function of (evidence, collateral, time); time enters only
// through a Clock so tests and "as of" re-verification are deterministic.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace attest {

// Seconds since the Unix epoch, UTC.
using UnixTime = int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual UnixTime Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  UnixTime Now() const override;
  static const SystemClock& Get();
};

// A clock stopped at one instant. Thread-safe.
class FixedClock final : public Clock {
 public:
  explicit FixedClock(UnixTime t) : t_(t) {}
  UnixTime Now() const override { return t_; }

 private:
  UnixTime t_;
};

// Parses "YYYY-MM-DDThh:mm:ss[.fraction](Z|±hh:mm)" (RFC 3339; 't'/'z' and ' ' separator
// accepted). Fractions are truncated to whole seconds.
StatusOr<UnixTime> ParseRfc3339(std::string_view text);
// "YYYY-MM-DDThh:mm:ssZ".
std::string FormatRfc3339(UnixTime t);
// Days from civil date (proleptic Gregorian); exposed for ASN.1 time conversion.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d);

}  // namespace attest
