// TCG PC Client event logs (spec/tpm.md §7-8): parsing of the crypto-agile (Spec ID Event03,
// TCG_PCR_EVENT2) and legacy SHA-1 (TCG_PCClientPCREvent) formats, and replay per bank.
//
// Event logs are little-endian and read with ByteReader (not libtss2-mu, spec/tpm.md §1).
// A parsed log points into the caller's buffer, which must outlive it. Functions are
// thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"
#include "evidence/tpm/quote_verifier.h"

namespace attest::evidence::tpm {

inline constexpr uint32_t kEvNoAction = 0x00000003;
inline constexpr uint32_t kEvSeparator = 0x00000004;

struct EventLogLimits {
  // Real firmware logs are 10-100 KiB with tens to a few thousand events (Windows WBCL);
  // these bound memory and time for hostile input.
  size_t max_size = 8 * 1024 * 1024;
  size_t max_events = 100000;
};

struct TcgEvent {
  uint32_t pcr = 0;
  uint32_t type = 0;
  std::vector<std::pair<uint16_t, ByteSpan>> digests;  // (hash alg, digest), log order
  ByteSpan data;
  size_t offset = 0;  // of the event in the log

  // The digest of bank `alg`, empty when the event carries none.
  ByteSpan Digest(uint16_t alg) const;
};

struct EventLog {
  bool crypto_agile = false;
  // Spec ID event table (crypto-agile) or {SHA-1, 20} (legacy).
  std::vector<std::pair<uint16_t, uint16_t>> algorithms;
  std::optional<uint8_t> startup_locality;
  // Every entry of the log, the first (Spec ID header for crypto-agile logs) included.
  std::vector<TcgEvent> events;

  std::vector<uint16_t> Banks() const;
};

// Reasons: TPM_EVENTLOG_MALFORMED (truncation, lying sizes, unknown algorithm, bad header),
// TPM_EVENTLOG_TOO_LARGE (size or event count over `limits`).
StatusOr<EventLog> ParseEventLog(ByteSpan log, const EventLogLimits& limits = {});

// Replayed PCR values of the PCRs that have at least one extending event, per bank.
using ReplayedPcrs = PcrValues;

// spec/tpm.md §8: PCR 0 starts at 00..00‖locality with a StartupLocality event, PCR 17-22 at
// all ones, others at zero; EV_NO_ACTION is never extended. Every bank of the log is replayed.
// Reason: TPM_EVENTLOG_MALFORMED when an extending event lacks a digest of a bank it
// declares.
StatusOr<ReplayedPcrs> ReplayEventLog(const EventLog& log);

// spec/tpm.md §8 steps 3-4: every quoted PCR in `quoted` (banks the log has) that has events
// must equal its replay; PCRs without events are not compared. Reasons:
// TPM_EVENTLOG_REPLAY_MISMATCH naming the first differing PCR (lowest index, banks in
// `quoted` order), TPM_EVENTLOG_BANK_MISSING when no quoted bank is in the log.
Status CompareReplay(const ReplayedPcrs& replayed, const PcrValues& quoted);

}  // namespace attest::evidence::tpm
