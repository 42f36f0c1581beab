// Decoding of the TCG events policies care about (spec/tpm.md §9, §12): UEFI variables
// (Secure Boot state, PK/KEK/db/dbx), boot applications, separators, actions. Produces MAA's
// policy-1.2 `events` JSON model (spec/maa-policy-language.md §7.4) and the Secure Boot verdict.
//
// Only meaningful for PCRs whose replay matched the quote (spec/tpm.md §8): callers decode a
// log after CompareReplay. Functions are thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "evidence/tpm/event_log.h"

namespace attest::evidence::tpm {

// Whether the event's digest in `bank` is H(its data) (spec/tpm.md §9): only then can the
// unsigned event data be believed.
bool EventDataMatchesDigest(const TcgEvent& e, uint16_t bank);

// "EV_SEPARATOR", "EV_EFI_VARIABLE_DRIVER_CONFIG", ...; "EV_UNKNOWN_0x..." otherwise.
std::string EventTypeName(uint32_t type);

// {"Events":[{"EventSeq","PcrIndex","EventType","EventTypeString","Digests":{"sha256":hex,..},
// "ProcessedData":{...}}]}. Events whose data is interpreted carry "DataMatchesDigest" where
// the digest is H(data) (spec/tpm.md §9), checked in `bank`. Only events of the PCRs in
// `pcr_mask` (bit n: PCR n) are listed, so a verifier can show policies exactly the events
// whose replay was checked against the quote; EventSeq stays the event's index in the log.
inline constexpr uint32_t kAllPcrEvents = 0xFFFFFFFF;
nlohmann::json DecodeEvents(const EventLog& log, uint16_t bank, uint32_t pcr_mask = kAllPcrEvents);

struct SecureBootState {
  bool enabled = false;
  // Why Secure Boot is not (trustworthily) enabled; empty when enabled.
  std::string reason;
};

// spec/tpm.md §12 steps 1-2, with digests checked in `bank`.
SecureBootState ExtractSecureBoot(const EventLog& log, uint16_t bank);

// spec/tpm.md §12 steps 3-4: the Secure Boot key databases measured into PCR 7 before its
// separator, and the certificates that authorised boot images, as
// {"pk"|"kek"|"db"|"dbx": {"certificates":[{"Subject","Sha256"}], "sha256_hashes": n,
// "sha256": hex of the whole variable value}, "authorities":[{"Subject","Sha256",...}]}.
// Only events whose digest in `bank` is H(data) are read; a database measured twice or not
// parsing is {"error": "..."}.
nlohmann::json SecureBootDatabases(const EventLog& log, uint16_t bank);

}  // namespace attest::evidence::tpm
