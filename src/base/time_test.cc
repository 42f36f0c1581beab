#include "base/time.h"

#include <gtest/gtest.h>

namespace attest {
namespace {

TEST(TimeTest, ParsesRfc3339WithZoneAndFraction) {
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00Z").value(), 0);
  EXPECT_EQ(ParseRfc3339("2025-07-19T10:01:17Z").value(), 1752919277);
  EXPECT_EQ(ParseRfc3339("2025-07-19T10:01:17.999Z").value(), 1752919277);
  EXPECT_EQ(ParseRfc3339("2025-07-19T12:01:17+02:00").value(), 1752919277);
  EXPECT_EQ(ParseRfc3339("2025-07-19t10:01:17z").value(), 1752919277);
  EXPECT_EQ(ParseRfc3339("2024-02-29T00:00:00Z").value(), 1709164800);
}

TEST(TimeTest, RejectsMalformedTimes) {
  for (const char* bad : {"", "2025-07-19", "2025-07-19T10:01:17", "2025-13-01T00:00:00Z",
                          "2025-02-30T00:00:00Z", "2023-02-29T00:00:00Z", "2025-07-19T24:00:00Z",
                          "2025-07-19T10:01:17Zjunk", "yesterday", "2025-07-19T10:01:17.Z"}) {
    auto t = ParseRfc3339(bad);
    EXPECT_FALSE(t.has_value()) << bad;
    if (!t) {
      EXPECT_EQ(t.error().reason(), "INVALID_TIME");
    }
  }
}

TEST(TimeTest, FormatRoundTrips) {
  for (UnixTime t : {0LL, 1752919277LL, 2524607999LL, 951782400LL}) {
    EXPECT_EQ(ParseRfc3339(FormatRfc3339(t)).value(), t);
  }
  EXPECT_EQ(FormatRfc3339(1752919277), "2025-07-19T10:01:17Z");
}

}  // namespace
}  // namespace attest
