#include "evidence/tpm/sipa.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "evidence/tpm/event_decode.h"
#include "evidence/tpm/tpm_claims.h"
#include "testing/tpm_builder.h"

namespace attest::evidence::tpm {
namespace {

Bytes Item(uint32_t type, Bytes value) {
  Bytes out(8);
  for (int i = 0; i < 4; ++i) {
    out[i] = static_cast<uint8_t>(type >> (8 * i));
    out[4 + i] = static_cast<uint8_t>(value.size() >> (8 * i));
  }
  out.insert(out.end(), value.begin(), value.end());
  return out;
}

Bytes Cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes Utf16(std::string_view s) {
  Bytes out;
  for (char c : s) {
    out.push_back(static_cast<uint8_t>(c));
    out.push_back(0);
  }
  out.push_back(0);
  out.push_back(0);
  return out;
}

Bytes U64(uint64_t v) {
  Bytes out(8);
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(v >> (8 * i));
  return out;
}

// A trust boundary as Windows measures it into PCR 12.
Bytes TrustBoundary(uint8_t boot_debugging, uint8_t test_signing) {
  return Item(kSipaTrustBoundary,
              Cat({Item(0x00040001, {boot_debugging}), Item(0x00050001, {0}),
                   Item(0x00050002, {1}), Item(0x00050003, {test_signing}),
                   Item(0x00050005, {0}), Item(0x00050006, {0}), Item(0x00050012, U64(1)),
                   Item(0x000A0007, U64(3)),
                   Item(0x40010003, Cat({Item(0x00070001, Utf16("\\Windows\\system32\\a.sys")),
                                         Item(0x0007000A, {1})})),
                   Item(0x40010003, Cat({Item(0x00070001, Utf16("\\Windows\\system32\\b.sys")),
                                         Item(0x0007000A, {0})})),
                   Item(0x40010002, Item(0x00090001, Utf16("Windows Defender")))}));
}

TEST(SipaTest, ParsesNestedRunsIntoThePolicyModel) {
  Bytes data = TrustBoundary(0, 1);  // items are views into it
  auto items = ParseSipa(data);
  ASSERT_TRUE(items);
  ASSERT_TRUE(IsWindowsSipa(*items));
  nlohmann::json j = SipaToJson(*items);
  const nlohmann::json& tb = j["EVENT_TRUSTBOUNDARY"];
  EXPECT_EQ(tb["EVENT_BOOTDEBUGGING"], false);
  EXPECT_EQ(tb["EVENT_TESTSIGNING"], true);
  EXPECT_EQ(tb["EVENT_VSM_LAUNCH_TYPE"], 1);
  EXPECT_EQ(tb["EVENT_VBS_HVCI_POLICY"], 3);
  ASSERT_EQ(tb["EVENT_LOADEDMODULE_AGGREGATION"].size(), 2u);
  EXPECT_EQ(tb["EVENT_LOADEDMODULE_AGGREGATION"][1]["EVENT_FILEPATH"], "\\Windows\\system32\\b.sys");
  EXPECT_EQ(tb["EVENT_LOADEDMODULE_AGGREGATION"][1]["EVENT_IMAGEVALIDATED"], false);
  EXPECT_EQ(tb["EVENT_ELAM_AGGREGATION"][0]["EVENT_ELAM_KEYNAME"], "Windows Defender");
}

TEST(SipaTest, RepeatedScalarsKeepEveryValue) {
  Bytes data = Item(kSipaTrustBoundary, Cat({Item(0x00040001, {0}), Item(0x00040001, {1})}));
  auto items = ParseSipa(data);
  ASSERT_TRUE(items);
  nlohmann::json j = SipaToJson(*items);
  EXPECT_EQ(j["EVENT_TRUSTBOUNDARY"]["EVENT_BOOTDEBUGGING"], nlohmann::json::array({false, true}));
}

TEST(SipaTest, UnknownTypesAreNamedByNumberAndNotTakenForWindows) {
  Bytes data = Item(0x8F3B22ED, ToBytes("quiet splash"));  // a Linux tagged event
  auto items = ParseSipa(data);
  ASSERT_TRUE(items);
  EXPECT_FALSE(IsWindowsSipa(*items));
  EXPECT_EQ(SipaName(0x8F3B22ED), "EVENT_0x8F3B22ED");
  EXPECT_EQ(SipaToJson(*items)["EVENT_0x8F3B22ED"], "cXVpZXQgc3BsYXNo");
}

TEST(SipaTest, RefusesLyingSizesTruncationLeftoversAndDeepNesting) {
  Bytes good = TrustBoundary(0, 0);
  Bytes lying = good;
  lying[4] = 0xFF;  // outer size beyond the data
  EXPECT_FALSE(ParseSipa(lying));
  Bytes inner_lying = good;
  inner_lying[12] = 0xFF;  // first child's size beyond its container
  EXPECT_FALSE(ParseSipa(inner_lying));
  EXPECT_FALSE(ParseSipa(ByteSpan(good).first(good.size() - 1)));
  Bytes leftover = good;
  leftover.push_back(0);
  EXPECT_FALSE(ParseSipa(leftover));
  EXPECT_FALSE(ParseSipa(Bytes{1, 0, 0}));
  Bytes deep = Item(0x00040001, {0});
  for (size_t i = 0; i < kMaxSipaDepth; ++i) deep = Item(kSipaTrustBoundary, deep);
  EXPECT_FALSE(ParseSipa(deep));
  Bytes shallow = Item(0x00040001, {0});
  for (size_t i = 0; i + 1 < kMaxSipaDepth; ++i) shallow = Item(kSipaTrustBoundary, shallow);
  EXPECT_TRUE(ParseSipa(shallow));
  EXPECT_TRUE(ParseSipa(Bytes{}));  // an empty run is well formed
}

TEST(SipaTest, ItemCountIsCapped) {
  Bytes many;
  for (size_t i = 0; i <= kMaxSipaItemsPerEvent; ++i) {
    Bytes item = Item(0x00020002, {});
    many.insert(many.end(), item.begin(), item.end());
  }
  EXPECT_FALSE(ParseSipa(many));
}

Bytes Extend(Bytes pcr, ByteSpan data) {
  Bytes d = Hash(kAlgSha256, data);
  pcr.insert(pcr.end(), d.begin(), d.end());
  return Hash(kAlgSha256, pcr);
}

TEST(SipaTest, BootStateFromLogsWithTrustBoundaries) {
  Bytes tb = TrustBoundary(1, 0);
  Bytes log_bytes = testing::BuildAgileEventLog({kAlgSha256}, {{12, 6, tb}, {12, 6, TrustBoundary(0, 0)}});
  auto log = ParseEventLog(log_bytes);
  ASSERT_TRUE(log);
  WindowsBootState s = ExtractWindowsBootState(*log, kAlgSha256);
  ASSERT_TRUE(s.present);
  EXPECT_EQ(s.boot_debugging, true);  // any boundary with it on
  EXPECT_EQ(s.test_signing, false);
  EXPECT_EQ(s.code_integrity, true);
  EXPECT_EQ(s.hvci_policy, 3u);
  EXPECT_TRUE(s.elam_measured);
  EXPECT_FALSE(s.hypervisor_debug.has_value());  // not recorded: not invented

  PcrValues pcrs;
  pcrs[kAlgSha256][12] = Extend(Extend(Bytes(32, 0), tb), TrustBoundary(0, 0));
  AkPublic none;
  claims::ClaimSet c = TpmClaims(none, AkTrustMode::kAsPresented, pcrs, &*log);
  ASSERT_NE(c.FindValue("bootDebuggingDisabled"), nullptr);
  EXPECT_EQ(*c.FindValue("bootDebuggingDisabled"), false);
  EXPECT_EQ(*c.FindValue("vbsEnabled"), true);
}

TEST(SipaTest, ALogWithoutTrustBoundariesHasNoWindowsState) {
  Bytes log_bytes = testing::BuildAgileEventLog({kAlgSha256}, {{12, 6, Item(0x00020002, U64(1))}});
  auto log = ParseEventLog(log_bytes);
  ASSERT_TRUE(log);
  WindowsBootState s = ExtractWindowsBootState(*log, kAlgSha256);
  EXPECT_FALSE(s.present);
  EXPECT_TRUE(s.reason.empty());
}

TEST(SipaTest, AnEventWhoseDataIsNotItsDigestMakesTheStateUnusable) {
  Bytes log_bytes = testing::BuildAgileEventLog({kAlgSha256}, {{12, 6, TrustBoundary(0, 0)}});
  // Swap the unsigned data for another boundary of the same size: the digest no longer
  // covers it, so its (more favourable) values must not be believed.
  Bytes swapped = TrustBoundary(1, 1);
  Bytes original = TrustBoundary(0, 0);
  auto at = std::search(log_bytes.begin(), log_bytes.end(), original.begin(), original.end());
  ASSERT_NE(at, log_bytes.end());
  std::copy(swapped.begin(), swapped.end(), at);
  auto log = ParseEventLog(log_bytes);
  ASSERT_TRUE(log);
  WindowsBootState s = ExtractWindowsBootState(*log, kAlgSha256);
  EXPECT_FALSE(s.present);
  EXPECT_EQ(s.reason, "a Windows boot event in PCR 12 does not match its digest");
}

// A second boundary (test signing on) whose bytes are swapped for ones that do not parse: it
// must not be skipped as a tagged event of another kind, leaving only the favourable first.
TEST(SipaTest, AnUnparsableEventWhoseDataIsNotItsDigestIsNotSkipped) {
  Bytes second = TrustBoundary(0, 1);
  Bytes log_bytes = testing::BuildAgileEventLog({kAlgSha256}, {{12, 6, TrustBoundary(0, 0)}, {12, 6, second}});
  auto at = std::search(log_bytes.begin(), log_bytes.end(), second.begin(), second.end());
  ASSERT_NE(at, log_bytes.end());
  std::fill(at, at + 8, 0xEE);  // its first item header: no longer a well-formed run
  auto log = ParseEventLog(log_bytes);
  ASSERT_TRUE(log);
  WindowsBootState s = ExtractWindowsBootState(*log, kAlgSha256);
  EXPECT_FALSE(s.present);
  EXPECT_EQ(s.reason, "a Windows boot event in PCR 12 does not match its digest");
}

// A measured tagged event in PCR 12 that is not SIPA (digest = H(data)) is simply not read.
TEST(SipaTest, AMeasuredTaggedEventOfAnotherKindIsIgnored) {
  Bytes other = Item(0x8F3B22ED, ToBytes("quiet"));
  Bytes log_bytes = testing::BuildAgileEventLog({kAlgSha256}, {{12, 6, other}, {12, 6, TrustBoundary(0, 0)}});
  auto log = ParseEventLog(log_bytes);
  ASSERT_TRUE(log);
  WindowsBootState s = ExtractWindowsBootState(*log, kAlgSha256);
  EXPECT_TRUE(s.present) << s.reason;
  EXPECT_EQ(s.test_signing, false);
}

}  // namespace
}  // namespace attest::evidence::tpm
