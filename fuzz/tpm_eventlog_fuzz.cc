// Fuzz target: TCG event-log parsing, replay, comparison and event decoding
// (evidence/tpm/event_log.h, event_decode.h) on arbitrary bytes: a value or an error, never a
// crash, and every parsed span inside the input.
#include <cstdlib>

#include "evidence/tpm/event_decode.h"
#include "evidence/tpm/event_log.h"
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
      {9, 6, attest::Bytes(12, 0)}};
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
  }
  return 0;
}
