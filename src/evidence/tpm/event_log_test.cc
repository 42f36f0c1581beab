#include "evidence/tpm/event_log.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "evidence/tpm/event_decode.h"
#include "testing/tpm_builder.h"

namespace attest::evidence::tpm {
namespace {

using testing::TestEvent;

Bytes Str(std::string_view s) { return ToBytes(s); }

Bytes Extend(uint16_t bank, Bytes pcr, ByteSpan data) {
  Bytes d = Hash(bank, data);
  pcr.insert(pcr.end(), d.begin(), d.end());
  return Hash(bank, pcr);
}

std::vector<TestEvent> BootEvents(Bytes secure_boot_value) {
  return {{0, 0x80000008, Str("firmware")},
          {7, 0x80000001, testing::SecureBootVariable(std::move(secure_boot_value))},
          {7, 4, Bytes(4, 0)},
          {4, 0x80000007, Str("Calling EFI Application from Boot Option")},
          {17, 5, Str("drtm")}};
}

TEST(EventLogTest, ReplaysCryptoAgileLogPerBankWithResetValues) {
  Bytes log = testing::BuildAgileEventLog({kAlgSha1, kAlgSha256}, BootEvents({1}));
  auto parsed = ParseEventLog(log);
  ASSERT_TRUE(parsed) << parsed.error().ToString();
  EXPECT_TRUE(parsed->crypto_agile);
  EXPECT_EQ(parsed->events.size(), 6u);
  auto r = ReplayEventLog(*parsed);
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)[kAlgSha256][0], Extend(kAlgSha256, Bytes(32, 0), Str("firmware")));
  EXPECT_EQ((*r)[kAlgSha1][4],
            Extend(kAlgSha1, Bytes(20, 0), Str("Calling EFI Application from Boot Option")));
  // PCR 17-22 start at all ones (spec/tpm.md §8).
  EXPECT_EQ((*r)[kAlgSha256][17], Extend(kAlgSha256, Bytes(32, 0xFF), Str("drtm")));
  EXPECT_FALSE((*r)[kAlgSha256].contains(1));  // no events: not replayed
}

TEST(EventLogTest, StartupLocalitySetsPcr0InitialValue) {
  Bytes log = testing::BuildAgileEventLog({kAlgSha256}, {{0, 1, Str("post")}}, 3);
  auto parsed = ParseEventLog(log);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->startup_locality, 3);
  Bytes initial(32, 0);
  initial.back() = 3;
  EXPECT_EQ(ReplayEventLog(*parsed)->at(kAlgSha256).at(0), Extend(kAlgSha256, initial, Str("post")));
}

TEST(EventLogTest, LegacySha1LogReplays) {
  Bytes log = testing::BuildLegacyEventLog({{0, 8, Str("crtm")}, {0, 1, Str("code")}});
  auto parsed = ParseEventLog(log);
  ASSERT_TRUE(parsed);
  EXPECT_FALSE(parsed->crypto_agile);
  Bytes want = Extend(kAlgSha1, Extend(kAlgSha1, Bytes(20, 0), Str("crtm")), Str("code"));
  EXPECT_EQ(ReplayEventLog(*parsed)->at(kAlgSha1).at(0), want);
}

TEST(EventLogTest, CompareNamesFirstDifferingPcrAndSkipsPcrsWithoutEvents) {
  Bytes log = testing::BuildAgileEventLog({kAlgSha256}, BootEvents({1}));
  auto parsed = ParseEventLog(log);
  auto r = ReplayEventLog(*parsed);
  PcrValues quoted = *r;
  quoted[kAlgSha256][10] = Bytes(32, 0x55);  // IMA-style PCR without events: not compared
  EXPECT_TRUE(CompareReplay(*r, quoted).ok());
  quoted[kAlgSha256][7][0] ^= 1;
  quoted[kAlgSha256][4][0] ^= 1;
  Status s = CompareReplay(*r, quoted);
  EXPECT_EQ(s.reason(), "TPM_EVENTLOG_REPLAY_MISMATCH");
  EXPECT_NE(s.message().find("PCR 4 "), std::string::npos) << s.message();
  PcrValues other_bank;
  other_bank[kAlgSha384][0] = Bytes(48, 0);
  EXPECT_EQ(CompareReplay(*r, other_bank).reason(), "TPM_EVENTLOG_BANK_MISSING");
}

TEST(EventLogTest, SecureBootStateFromPcr7) {
  auto state = [](Bytes value) {
    Bytes log = testing::BuildAgileEventLog({kAlgSha256}, BootEvents(std::move(value)));
    auto parsed = ParseEventLog(log);
    return ExtractSecureBoot(*parsed, kAlgSha256);
  };
  EXPECT_TRUE(state({1}).enabled);
  EXPECT_FALSE(state({0}).enabled);
  EXPECT_FALSE(state({}).enabled);  // zero-length value (arch vector)
  // Debug mode in PCR 7 makes it untrustworthy.
  auto events = BootEvents({1});
  events.insert(events.begin() + 1, TestEvent{7, 0x80000007, Str("UEFI Debug Mode")});
  Bytes log = testing::BuildAgileEventLog({kAlgSha256}, events);
  auto parsed = ParseEventLog(log);
  SecureBootState dbg = ExtractSecureBoot(*parsed, kAlgSha256);
  EXPECT_FALSE(dbg.enabled);
  EXPECT_EQ(dbg.reason, "PCR 7 records UEFI Debug Mode");
  // Data swapped after measuring: digest no longer H(data).
  Bytes swapped = testing::BuildAgileEventLog({kAlgSha256}, BootEvents({0}));
  Bytes on = testing::SecureBootVariable({1});
  Bytes off = testing::SecureBootVariable({0});
  auto pos = std::search(swapped.begin(), swapped.end(), off.begin(), off.end());
  ASSERT_NE(pos, swapped.end());
  std::copy(on.begin(), on.end(), pos);
  auto sp = ParseEventLog(swapped);
  SecureBootState s = ExtractSecureBoot(*sp, kAlgSha256);
  EXPECT_FALSE(s.enabled);
  EXPECT_EQ(s.reason, "a PCR 7 variable event's data does not match its digest");
}

TEST(EventLogTest, DecodesVariableSeparatorAndActionEvents) {
  Bytes log = testing::BuildAgileEventLog({kAlgSha256}, BootEvents({1}));
  auto parsed = ParseEventLog(log);
  nlohmann::json j = DecodeEvents(*parsed, kAlgSha256)["Events"];
  ASSERT_EQ(j.size(), 6u);
  EXPECT_EQ(j[2]["EventTypeString"], "EV_EFI_VARIABLE_DRIVER_CONFIG");
  EXPECT_EQ(j[2]["ProcessedData"]["VariableGuid"], "8BE4DF61-93CA-11D2-AA0D-00E098032B8C");
  EXPECT_EQ(j[2]["ProcessedData"]["UnicodeName"], "SecureBoot");
  EXPECT_EQ(j[2]["ProcessedData"]["VariableData"], "AQ");
  EXPECT_EQ(j[2]["DataMatchesDigest"], true);
  EXPECT_EQ(j[3]["EventTypeString"], "EV_SEPARATOR");
  EXPECT_EQ(j[3]["ProcessedData"]["Error"], false);
  EXPECT_EQ(j[4]["ProcessedData"]["String"], "Calling EFI Application from Boot Option");

  // Only the events of the PCRs asked for; EventSeq stays the index in the log.
  nlohmann::json pcr7 = DecodeEvents(*parsed, kAlgSha256, 1u << 7)["Events"];
  ASSERT_EQ(pcr7.size(), 2u);
  EXPECT_EQ(pcr7[0]["EventSeq"], 2);
  EXPECT_EQ(pcr7[1]["EventTypeString"], "EV_SEPARATOR");
  EXPECT_TRUE(DecodeEvents(*parsed, kAlgSha256, 0)["Events"].empty());
}

// An EFI_SIGNATURE_LIST of SHA-256 entries (spec/tpm.md §12 step 3).
Bytes Sha256List(size_t entries, uint32_t list_size_delta = 0) {
  // EFI_CERT_SHA256_GUID C1C41626-504C-4092-ACA9-41F936934328, as stored.
  Bytes list = {0x26, 0x16, 0xc4, 0xc1, 0x4c, 0x50, 0x92, 0x40,
                0xac, 0xa9, 0x41, 0xf9, 0x36, 0x93, 0x43, 0x28};
  uint32_t size = static_cast<uint32_t>(28 + entries * 48) + list_size_delta;
  for (uint32_t v : {size, 0u, 48u}) {
    for (int i = 0; i < 4; ++i) list.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  for (size_t e = 0; e < entries; ++e) {
    list.insert(list.end(), 16, 0x77);                        // owner
    list.insert(list.end(), 32, static_cast<uint8_t>(e + 1));  // hash
  }
  return list;
}

TEST(EventLogTest, DecodesKeyDatabasesAndLeavesMalformedListsUndecoded) {
  Bytes dbx = testing::UefiVariableData(testing::ImageSecurityDatabaseGuid(), u"dbx", Sha256List(3));
  Bytes db = testing::UefiVariableData(testing::ImageSecurityDatabaseGuid(), u"db", Sha256List(2, 1));
  Bytes log = testing::BuildAgileEventLog(  // the parsed log views it
      {kAlgSha256}, {{7, 0x80000001, testing::SecureBootVariable({1})}, {7, 0x80000001, db},
                     {7, 0x80000001, dbx}, {7, 4, Bytes(4, 0)}});
  auto parsed = ParseEventLog(log);
  ASSERT_TRUE(parsed);
  nlohmann::json events = DecodeEvents(*parsed, kAlgSha256)["Events"];
  const nlohmann::json& lists = events[3]["ProcessedData"]["SignatureLists"];
  ASSERT_EQ(lists.size(), 1u);
  EXPECT_EQ(lists[0]["SignatureType"], "SHA256");
  EXPECT_EQ(lists[0]["SignatureCount"], 3);
  EXPECT_FALSE(lists[0].contains("Signatures"));  // hashes are counted, not listed
  // db's list claims one byte more than the variable holds: not decoded, still shown raw.
  EXPECT_FALSE(events[2]["ProcessedData"].contains("SignatureLists"));
  EXPECT_TRUE(events[2]["ProcessedData"].contains("VariableData"));

  nlohmann::json summary = SecureBootDatabases(*parsed, kAlgSha256);
  EXPECT_EQ(summary["dbx"]["sha256_hashes"], 3);
  EXPECT_EQ(summary["db"]["error"], "not a well-formed EFI_SIGNATURE_LIST");
  EXPECT_FALSE(summary.contains("pk"));
}

TEST(EventLogTest, KeyDatabasesMeasuredTwiceOrAfterTheSeparatorAreNotBelieved) {
  Bytes dbx = testing::UefiVariableData(testing::ImageSecurityDatabaseGuid(), u"dbx", Sha256List(1));
  Bytes late = testing::UefiVariableData(testing::ImageSecurityDatabaseGuid(), u"db", Sha256List(1));
  Bytes log = testing::BuildAgileEventLog(  // the parsed log views it
      {kAlgSha256}, {{7, 0x80000001, dbx}, {7, 0x80000001, dbx}, {7, 4, Bytes(4, 0)},
                     {7, 0x80000001, late}});
  auto parsed = ParseEventLog(log);
  ASSERT_TRUE(parsed);
  nlohmann::json summary = SecureBootDatabases(*parsed, kAlgSha256);
  EXPECT_EQ(summary["dbx"]["error"], "measured more than once");
  EXPECT_FALSE(summary.contains("db"));
}

TEST(EventLogTest, RejectsLyingSizesTruncationAndBadHeaders) {
  Bytes log = testing::BuildAgileEventLog({kAlgSha256}, BootEvents({1}));
  // The last event's eventSize (4 bytes before its 4-byte data "drtm") claims 2^32-1.
  Bytes lying = log;
  size_t size_off = lying.size() - 4 - 4;
  lying[size_off] = lying[size_off + 1] = lying[size_off + 2] = lying[size_off + 3] = 0xff;
  auto r = ParseEventLog(lying);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason(), "TPM_EVENTLOG_MALFORMED");
  // Truncated in the middle of an event.
  Bytes truncated(log.begin(), log.end() - 3);
  EXPECT_EQ(ParseEventLog(truncated).error().reason(), "TPM_EVENTLOG_MALFORMED");
  // Digest count larger than the Spec ID table.
  Bytes count = testing::BuildAgileEventLog({kAlgSha256}, {{0, 1, Str("x")}});
  size_t first_event = count.size() - (4 + 4 + 4 + 2 + 32 + 4 + 1);
  count[first_event + 8] = 9;
  EXPECT_EQ(ParseEventLog(count).error().reason(), "TPM_EVENTLOG_MALFORMED");
  // An algorithm absent from the Spec ID table (size unknown).
  Bytes alg = testing::BuildAgileEventLog({kAlgSha256}, {{0, 1, Str("x")}});
  alg[first_event + 12] = 0x0c;
  EXPECT_EQ(ParseEventLog(alg).error().reason(), "TPM_EVENTLOG_MALFORMED");
  // Invalid event type.
  Bytes type = testing::BuildAgileEventLog({kAlgSha256}, {{0, 0x12345, Str("x")}});
  EXPECT_EQ(ParseEventLog(type).error().reason(), "TPM_EVENTLOG_MALFORMED");
  EXPECT_EQ(ParseEventLog({}).error().reason(), "TPM_EVENTLOG_MALFORMED");
  // Padding after the last event is tolerated.
  Bytes padded = log;
  padded.insert(padded.end(), 100, 0xff);
  EXPECT_TRUE(ParseEventLog(padded));
}

TEST(EventLogTest, MillionEventsAreRefusedWithinTheCap) {
  // 10^6 minimal legacy events (32 bytes each, 32 MB) exceed the size cap; 10^6 events in a
  // raised size cap exceed the event cap. Both refuse without replaying.
  std::vector<TestEvent> one = {{0, 1, {}}};
  Bytes ev = testing::BuildLegacyEventLog(one);
  Bytes log;
  log.reserve(ev.size() * 1000000);
  for (int i = 0; i < 1000000; ++i) log.insert(log.end(), ev.begin(), ev.end());
  EXPECT_EQ(ParseEventLog(log).error().reason(), "TPM_EVENTLOG_TOO_LARGE");
  EventLogLimits big;
  big.max_size = log.size();
  auto r = ParseEventLog(log, big);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason(), "TPM_EVENTLOG_TOO_LARGE");
  EXPECT_NE(r.error().message().find("100000"), std::string::npos);
}

}  // namespace
}  // namespace attest::evidence::tpm
