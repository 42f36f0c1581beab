// Fuzz target: TCG event-log parsing, replay, comparison and event decoding
// (evidence/tpm/event_log.h, event_decode.h) on arbitrary bytes: a value or an error, never a
// crash, and every parsed span inside the input.
#include <cstdlib>

#include "evidence/tpm/event_decode.h"
#include "evidence/tpm/event_log.h"
#include "evidence/tpm/sipa.h"
#include "evidence/tpm/tpm_claims.h"
#include "fuzz/fuzz_seeds.h"
#include "testing/tpm_builder.h"

namespace {

using namespace attest::evidence::tpm;

void CheckInside(attest::ByteSpan span, attest::ByteSpan input) {
  if (span.empty()) return;
  if (span.data() < input.data() || span.data() + span.size() > input.data() + input.size()) {
    std::abort();
  }
}

}  // namespace

std::vector<attest::Bytes> FuzzSeeds() {
  using attest::testing::TestEvent;
  std::vector<TestEvent> events = {
      {0, 0x80000008, attest::ToBytes(std::string_view("fw"))},
      {7, 0x80000001, attest::testing::SecureBootVariable({1})},
      {7, 4, attest::Bytes(4, 0)},
      {4, 0x80000003, attest::Bytes(40, 0)},
      {4, 0x80000007, attest::ToBytes(std::string_view("Calling EFI Application from Boot Option"))},
      {9, 6, attest::Bytes(12, 0)},
      // A dbx of one SHA-256 entry, and a Windows trust boundary (SIPA) in PCR 12.
      {7, 0x80000001,
       attest::testing::UefiVariableData(
           attest::testing::ImageSecurityDatabaseGuid(), u"dbx",
           {0x26, 0x16, 0xc4, 0xc1, 0x4c, 0x50, 0x92, 0x40, 0xac, 0xa9, 0x41, 0xf9, 0x36, 0x93,
            0x43, 0x28, 76, 0, 0, 0, 0, 0, 0, 0, 48, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
            12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
            33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48})},
      {12, 6, {0x01, 0x00, 0x01, 0x40, 0x1A, 0, 0, 0, 0x01, 0x00, 0x04, 0x00, 1, 0, 0, 0, 0,
               0x03, 0x00, 0x05, 0x00, 1, 0, 0, 0, 1, 0x03, 0x00, 0x01, 0x40, 0, 0, 0, 0}}};
  return {attest::testing::BuildAgileEventLog({kAlgSha1, kAlgSha256}, events, 3),
          attest::testing::BuildAgileEventLog({kAlgSha384}, events),
          attest::testing::BuildLegacyEventLog(events)};
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  attest::ByteSpan input(data, size);
  EventLogLimits limits;
  limits.max_events = 4096;
  auto log = ParseEventLog(input, limits);
  if (!log) return 0;
  for (const TcgEvent& e : log->events) {
    CheckInside(e.data, input);
    for (const auto& [alg, d] : e.digests) CheckInside(d, input);
  }
  auto replayed = ReplayEventLog(*log);
  if (!replayed) return 0;
  PcrValues quoted = *replayed;
  if (!CompareReplay(*replayed, quoted).ok()) std::abort();  // a replay matches itself
  for (uint16_t bank : log->Banks()) {
    (void)DecodeEvents(*log, bank).dump();
    (void)ExtractSecureBoot(*log, bank);
    (void)SecureBootDatabases(*log, bank).dump();
    (void)ExtractWindowsBootState(*log, bank);
  }
  // The claims of the log as if every PCR it extends was quoted with its replayed value.
  AkPublic none;
  (void)TpmClaims(none, AkTrustMode::kAsPresented, quoted, &*log).ToJsonObject().dump();
  return 0;
}
