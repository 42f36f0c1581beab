// Windows boot measurements (SIPA events, "WBCL"): the EV_EVENT_TAG events Windows extends
// into PCRs 12-14 (and 19-20 after a DRTM launch). Each event's data is a run of items
// {type u32 LE, size u32 LE, value}; types with the aggregation bit (0x40000000) hold a
// further run of items, e.g. the trust boundary 0x40010001 that carries the boot's
// security properties (boot debugging, code integrity, test signing, safe mode, ...).
//
// The item types and their value encodings follow Windows' public wbcl.h (SIPAEVENT_*).
// spec/tpm.md §9 and §11 mark this as a gap; attestd's reading of what each value means for
// MAA's claims is written down in docs/claims.md ("Windows boot state").
//
// Everything here is pure and thread-safe. Input is untrusted: nesting, item counts and sizes
// are bounded, and a run that does not exactly fill its container is refused (nullopt).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "evidence/tpm/event_log.h"

namespace attest::evidence::tpm {

inline constexpr uint32_t kSipaAggregation = 0x40000000;
inline constexpr uint32_t kSipaTrustBoundary = 0x40010001;
inline constexpr size_t kMaxSipaDepth = 8;
inline constexpr size_t kMaxSipaItemsPerEvent = 65536;

struct SipaItem {
  uint32_t type = 0;
  ByteSpan value;                  // the raw value (an aggregation's too)
  std::vector<SipaItem> children;  // parsed value of an aggregation
};

// Parses one event's data. nullopt when an item's size overruns its container, nesting
// exceeds kMaxSipaDepth, more than kMaxSipaItemsPerEvent items appear, or bytes are left over.
std::optional<std::vector<SipaItem>> ParseSipa(ByteSpan data);

// "EVENT_TRUSTBOUNDARY", "EVENT_BOOTDEBUGGING", ...; "EVENT_0x%08X" for types wbcl.h does not
// name.
std::string SipaName(uint32_t type);

// The policy-1.2 JSON of a run of items (spec/maa-policy-language.md §7.4): an object keyed by
// SipaName. Booleans (1-byte flags) are JSON booleans, integers numbers, UTF-16 paths and
// names strings, anything else base64url. Loaded modules, SI policies and other items that
// repeat by design are arrays; any other repeated name becomes an array of its values.
nlohmann::json SipaToJson(const std::vector<SipaItem>& items);

// Whether a parsed run is Windows SIPA rather than another tagged event of the same shape
// (TCG_PCClientTaggedEvent is also {id u32, size u32, data}): every top-level type is one
// wbcl.h names.
bool IsWindowsSipa(const std::vector<SipaItem>& items);

// Whether `pcr` is one Windows records SIPA events in.
bool IsSipaPcr(uint32_t pcr);

// The Windows boot's security properties, gathered from every trust boundary of every SIPA
// event. Only events whose digest in `bank` is H(data) count (otherwise the unsigned data
// could be swapped under a valid digest); callers use logs whose replay matched the quote.
struct WindowsBootState {
  // True when the log has at least one SIPA trust boundary and every SIPA event was usable.
  bool present = false;
  // Why the state is not usable when SIPA events exist but one failed a check.
  std::string reason;
  // Flags: true when any trust boundary sets them; absent when none records them.
  std::optional<bool> boot_debugging, kernel_debug, hypervisor_debug, test_signing,
      flight_signing, safe_mode, winpe;
  // Code integrity: true only when every trust boundary that records it has it on.
  std::optional<bool> code_integrity;
  std::optional<bool> vbs_iommu_required;
  std::optional<uint64_t> vsm_launch_type;  // 0: VBS not launched
  std::optional<uint64_t> hvci_policy;      // last value recorded
  // An ELAM driver was measured (an ELAM aggregation with a key name).
  bool elam_measured = false;
};

WindowsBootState ExtractWindowsBootState(const EventLog& log, uint16_t bank);

}  // namespace attest::evidence::tpm
