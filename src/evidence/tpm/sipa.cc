#include "evidence/tpm/sipa.h"

#include <cstdio>

#include "base/byte_reader.h"
#include "base/encoding.h"
#include "evidence/tpm/event_decode.h"

namespace attest::evidence::tpm {
namespace {

constexpr uint32_t kEvEventTag = 0x00000006;

// How an item's value is shown to policies.
enum class Kind { kAggregation, kFlag, kInteger, kUtf16, kBytes };

struct SipaType {
  uint32_t value;
  const char* name;
  Kind kind;
  bool repeats;  // always an array in the JSON model (several per container by design)
};

// wbcl.h's SIPAEVENT_* types (without the prefix: the JSON names are "EVENT_" + name).
constexpr SipaType kSipaTypes[] = {
    {0x40010001, "TRUSTBOUNDARY", Kind::kAggregation, false},
    {0x40010002, "ELAM_AGGREGATION", Kind::kAggregation, true},
    {0x40010003, "LOADEDMODULE_AGGREGATION", Kind::kAggregation, true},
    {0xC0010004, "TRUSTPOINT_AGGREGATION", Kind::kAggregation, true},
    {0x40010005, "KSR_AGGREGATION", Kind::kAggregation, true},
    {0x40010006, "KSR_SIGNED_MEASUREMENT_AGGREGATION", Kind::kAggregation, true},
    {0x00020001, "INFORMATION", Kind::kBytes, true},
    {0x00020002, "BOOTCOUNTER", Kind::kInteger, false},
    {0x00020003, "TRANSFER_CONTROL", Kind::kInteger, false},
    {0x00020004, "APPLICATION_RETURN", Kind::kInteger, false},
    {0x00020005, "BITLOCKER_UNLOCK", Kind::kInteger, false},
    {0x00020006, "EVENTCOUNTER", Kind::kInteger, false},
    {0x00020007, "COUNTERID", Kind::kInteger, false},
    {0x00020008, "MORBIT_NOT_CANCELABLE", Kind::kFlag, false},
    {0x00020009, "APPLICATION_SVN", Kind::kInteger, false},
    {0x0002000A, "SVN_CHAIN_STATUS", Kind::kInteger, false},
    {0x0002000B, "MORBIT_API_STATUS", Kind::kInteger, false},
    {0x00040001, "BOOTDEBUGGING", Kind::kFlag, false},
    {0x00040002, "BOOT_REVOCATION_LIST", Kind::kBytes, true},
    {0x00050001, "OSKERNELDEBUG", Kind::kFlag, false},
    {0x00050002, "CODEINTEGRITY", Kind::kFlag, false},
    {0x00050003, "TESTSIGNING", Kind::kFlag, false},
    {0x00050004, "DATAEXECUTIONPREVENTION", Kind::kInteger, false},
    {0x00050005, "SAFEMODE", Kind::kFlag, false},
    {0x00050006, "WINPE", Kind::kFlag, false},
    {0x00050007, "PHYSICALADDRESSEXTENSION", Kind::kInteger, false},
    {0x00050008, "OSDEVICE", Kind::kInteger, false},
    {0x00050009, "SYSTEMROOT", Kind::kUtf16, false},
    {0x0005000A, "HYPERVISOR_LAUNCH_TYPE", Kind::kInteger, false},
    {0x0005000B, "HYPERVISOR_PATH", Kind::kUtf16, false},
    {0x0005000C, "HYPERVISOR_IOMMU_POLICY", Kind::kInteger, false},
    {0x0005000D, "HYPERVISOR_DEBUG", Kind::kFlag, false},
    {0x0005000E, "DRIVER_LOAD_POLICY", Kind::kInteger, false},
    {0x0005000F, "SI_POLICY", Kind::kBytes, true},
    {0x00050010, "HYPERVISOR_MMIO_NX_POLICY", Kind::kInteger, false},
    {0x00050011, "HYPERVISOR_MSR_FILTER_POLICY", Kind::kInteger, false},
    {0x00050012, "VSM_LAUNCH_TYPE", Kind::kInteger, false},
    {0x00050013, "OS_REVOCATION_LIST", Kind::kBytes, true},
    {0x00050014, "SMT_STATUS", Kind::kInteger, false},
    {0x00050020, "VSM_IDK_INFO", Kind::kBytes, true},
    {0x00050021, "FLIGHTSIGNING", Kind::kFlag, false},
    {0x00050022, "PAGEFILE_ENCRYPTION_ENABLED", Kind::kFlag, false},
    {0x00050023, "VSM_IDKS_INFO", Kind::kBytes, true},
    {0x00050024, "HIBERNATION_DISABLED", Kind::kFlag, false},
    {0x00050025, "DUMPS_DISABLED", Kind::kFlag, false},
    {0x00050026, "DUMP_ENCRYPTION_ENABLED", Kind::kFlag, false},
    {0x00050027, "DUMP_ENCRYPTION_KEY_DIGEST", Kind::kBytes, false},
    {0x00050028, "LSAISO_CONFIG", Kind::kInteger, false},
    {0x00050029, "SBCP_INFO", Kind::kBytes, false},
    {0x00050030, "HYPERVISOR_BOOT_DMA_PROTECTION", Kind::kInteger, false},
    {0x00060001, "NOAUTHORITY", Kind::kBytes, false},
    {0x00060002, "AUTHORITYPUBKEY", Kind::kBytes, false},
    {0x00070001, "FILEPATH", Kind::kUtf16, false},
    {0x00070002, "IMAGESIZE", Kind::kInteger, false},
    {0x00070003, "HASHALGORITHMID", Kind::kInteger, false},
    {0x00070004, "AUTHENTICODEHASH", Kind::kBytes, false},
    {0x00070005, "AUTHORITYISSUER", Kind::kUtf16, false},
    {0x00070006, "AUTHORITYSERIAL", Kind::kBytes, false},
    {0x00070007, "IMAGEBASE", Kind::kInteger, false},
    {0x00070008, "AUTHORITYPUBLISHER", Kind::kUtf16, false},
    {0x00070009, "AUTHORITYSHA1THUMBPRINT", Kind::kBytes, false},
    {0x0007000A, "IMAGEVALIDATED", Kind::kFlag, false},
    {0x0007000B, "MODULE_SVN", Kind::kInteger, false},
    {0x80080001, "QUOTE", Kind::kBytes, false},
    {0x80080002, "QUOTESIGNATURE", Kind::kBytes, false},
    {0x80080003, "AIKID", Kind::kBytes, false},
    {0x80080004, "AIKPUBDIGEST", Kind::kBytes, false},
    {0x00090001, "ELAM_KEYNAME", Kind::kUtf16, false},
    {0x00090002, "ELAM_CONFIGURATION", Kind::kBytes, false},
    {0x00090003, "ELAM_POLICY", Kind::kBytes, false},
    {0x00090004, "ELAM_MEASURED", Kind::kBytes, false},
    {0x000A0001, "VBS_VSM_REQUIRED", Kind::kFlag, false},
    {0x000A0002, "VBS_SECUREBOOT_REQUIRED", Kind::kFlag, false},
    {0x000A0003, "VBS_IOMMU_REQUIRED", Kind::kFlag, false},
    {0x000A0004, "VBS_MMIO_NX_REQUIRED", Kind::kFlag, false},
    {0x000A0005, "VBS_MSR_FILTERING_REQUIRED", Kind::kFlag, false},
    {0x000A0006, "VBS_MANDATORY_ENFORCEMENT", Kind::kFlag, false},
    {0x000A0007, "VBS_HVCI_POLICY", Kind::kInteger, false},
    {0x000A0008, "VBS_MICROSOFT_BOOT_CHAIN_REQUIRED", Kind::kFlag, false},
    {0x000A0009, "VBS_DUMP_USES_AMEROOT", Kind::kFlag, false},
    {0x000A000A, "VBS_VSM_NOSECRETS_ENFORCED", Kind::kFlag, false},
    {0x000B0001, "KSR_SIGNATURE", Kind::kBytes, false},
    {0x000C0001, "DRTM_STATE_AUTH", Kind::kBytes, false},
    {0x000C0002, "DRTM_SMM_LEVEL", Kind::kInteger, false},
    {0x000C0003, "DRTM_AMD_SMM_HASH", Kind::kBytes, false},
    {0x000C0004, "DRTM_AMD_SMM_SIGNER_KEY", Kind::kBytes, false},
};

// Item types the derived state reads.
constexpr uint32_t kBootDebugging = 0x00040001;
constexpr uint32_t kOsKernelDebug = 0x00050001;
constexpr uint32_t kCodeIntegrity = 0x00050002;
constexpr uint32_t kTestSigning = 0x00050003;
constexpr uint32_t kSafeMode = 0x00050005;
constexpr uint32_t kWinPe = 0x00050006;
constexpr uint32_t kHypervisorDebug = 0x0005000D;
constexpr uint32_t kVsmLaunchType = 0x00050012;
constexpr uint32_t kFlightSigning = 0x00050021;
constexpr uint32_t kElamAggregation = 0x40010002;
constexpr uint32_t kElamKeyName = 0x00090001;
constexpr uint32_t kVbsIommuRequired = 0x000A0003;
constexpr uint32_t kVbsHvciPolicy = 0x000A0007;

const SipaType* FindType(uint32_t type) {
  for (const SipaType& t : kSipaTypes) {
    if (t.value == type) return &t;
  }
  return nullptr;
}

bool ParseRun(ByteSpan data, size_t depth, size_t& budget, std::vector<SipaItem>& out) {
  if (depth > kMaxSipaDepth) return false;
  size_t pos = 0;
  while (pos < data.size()) {
    if (data.size() - pos < 8 || budget == 0) return false;
    --budget;
    SipaItem item;
    item.type = LoadLe32(data, pos);
    uint32_t size = LoadLe32(data, pos + 4);
    pos += 8;
    if (size > data.size() - pos) return false;
    item.value = data.subspan(pos, size);
    pos += size;
    if ((item.type & kSipaAggregation) != 0 &&
        !ParseRun(item.value, depth + 1, budget, item.children)) {
      return false;
    }
    out.push_back(std::move(item));
  }
  return true;
}

// Little-endian integer of 1, 2, 4 or 8 bytes.
std::optional<uint64_t> LeInteger(ByteSpan v) {
  switch (v.size()) {
    case 1:
      return v[0];
    case 2:
      return static_cast<uint64_t>(v[0] | (v[1] << 8));
    case 4:
      return LoadLe32(v, 0);
    case 8:
      return LoadLe64(v, 0);
    default:
      return std::nullopt;
  }
}

nlohmann::json ValueJson(const SipaItem& item, const SipaType* t) {
  Kind kind = t != nullptr ? t->kind : ((item.type & kSipaAggregation) ? Kind::kAggregation
                                                                        : Kind::kBytes);
  switch (kind) {
    case Kind::kAggregation:
      return SipaToJson(item.children);
    case Kind::kFlag:
      if (item.value.size() == 1) return item.value[0] != 0;
      [[fallthrough]];
    case Kind::kInteger:
      if (auto n = LeInteger(item.value)) return *n;
      break;
    case Kind::kUtf16:
      return Utf16LeToUtf8(item.value);
    case Kind::kBytes:
      break;
  }
  return Base64UrlEncode(item.value);
}

// A flag's value: nullopt unless it is exactly one byte.
std::optional<bool> Flag(const SipaItem& item) {
  if (item.value.size() != 1) return std::nullopt;
  return item.value[0] != 0;
}

void Any(std::optional<bool>& into, bool value) { into = into.value_or(false) || value; }

void Gather(const std::vector<SipaItem>& items, WindowsBootState& s) {
  for (const SipaItem& item : items) {
    switch (item.type) {
      case kBootDebugging:
        if (auto f = Flag(item)) Any(s.boot_debugging, *f);
        break;
      case kOsKernelDebug:
        if (auto f = Flag(item)) Any(s.kernel_debug, *f);
        break;
      case kHypervisorDebug:
        if (auto f = Flag(item)) Any(s.hypervisor_debug, *f);
        break;
      case kTestSigning:
        if (auto f = Flag(item)) Any(s.test_signing, *f);
        break;
      case kFlightSigning:
        if (auto f = Flag(item)) Any(s.flight_signing, *f);
        break;
      case kSafeMode:
        if (auto f = Flag(item)) Any(s.safe_mode, *f);
        break;
      case kWinPe:
        if (auto f = Flag(item)) Any(s.winpe, *f);
        break;
      case kCodeIntegrity:
        if (auto f = Flag(item)) s.code_integrity = s.code_integrity.value_or(true) && *f;
        break;
      case kVbsIommuRequired:
        if (auto f = Flag(item)) Any(s.vbs_iommu_required, *f);
        break;
      case kVsmLaunchType:
        if (auto n = LeInteger(item.value)) s.vsm_launch_type = *n;
        break;
      case kVbsHvciPolicy:
        if (auto n = LeInteger(item.value)) s.hvci_policy = *n;
        break;
      case kElamAggregation:
        for (const SipaItem& c : item.children) s.elam_measured |= c.type == kElamKeyName;
        break;
      default:
        break;
    }
    // Properties sit in trust boundaries; loaded modules and other aggregations hold none of
    // the above, but an aggregation nested anywhere is searched the same way.
    if (item.type != kElamAggregation && !item.children.empty()) Gather(item.children, s);
  }
}

}  // namespace

std::optional<std::vector<SipaItem>> ParseSipa(ByteSpan data) {
  std::vector<SipaItem> items;
  size_t budget = kMaxSipaItemsPerEvent;
  if (!ParseRun(data, 1, budget, items)) return std::nullopt;
  return items;
}

std::string SipaName(uint32_t type) {
  if (const SipaType* t = FindType(type)) return std::string("EVENT_") + t->name;
  char buf[32];
  std::snprintf(buf, sizeof buf, "EVENT_0x%08X", type);
  return buf;
}

nlohmann::json SipaToJson(const std::vector<SipaItem>& items) {
  nlohmann::json out = nlohmann::json::object();
  for (const SipaItem& item : items) {
    const SipaType* t = FindType(item.type);
    std::string name = SipaName(item.type);
    nlohmann::json value = ValueJson(item, t);
    auto it = out.find(name);
    if (t != nullptr && t->repeats) {
      if (it == out.end()) it = out.emplace(name, nlohmann::json::array()).first;
      it->push_back(std::move(value));
    } else if (it == out.end()) {
      out.emplace(std::move(name), std::move(value));
    } else {
      // A name recorded twice keeps every value, so a policy cannot be shown only one.
      if (!it->is_array()) {
        nlohmann::json first = std::move(*it);
        *it = nlohmann::json::array({std::move(first)});
      }
      it->push_back(std::move(value));
    }
  }
  return out;
}

bool IsWindowsSipa(const std::vector<SipaItem>& items) {
  if (items.empty()) return false;
  for (const SipaItem& item : items) {
    if (FindType(item.type) == nullptr) return false;
  }
  return true;
}

bool IsSipaPcr(uint32_t pcr) { return (pcr >= 12 && pcr <= 14) || pcr == 19 || pcr == 20; }

WindowsBootState ExtractWindowsBootState(const EventLog& log, uint16_t bank) {
  WindowsBootState s;
  bool trust_boundary = false;
  bool windows = false;  // a trust boundary, or unmeasured bytes claiming to be SIPA
  std::optional<uint32_t> unmatched_pcr;
  for (const TcgEvent& e : log.events) {
    if (e.type != kEvEventTag || !IsSipaPcr(e.pcr)) continue;
    // The digest first: data that is not what was measured must not be skipped as "another
    // kind of event" either, or swapping a trust boundary's bytes for garbage would hide it.
    if (!EventDataMatchesDigest(e, bank)) {
      if (!unmatched_pcr) unmatched_pcr = e.pcr;
      // Still a Windows log if the bytes claim to be Windows boot events.
      auto claimed = ParseSipa(e.data);
      windows = windows || (claimed && IsWindowsSipa(*claimed));
      continue;
    }
    std::optional<std::vector<SipaItem>> items = ParseSipa(e.data);
    if (!items || !IsWindowsSipa(*items)) continue;  // a measured tagged event of another kind
    for (const SipaItem& item : *items) trust_boundary |= item.type == kSipaTrustBoundary;
    Gather(*items, s);
  }
  if (unmatched_pcr && (trust_boundary || windows)) {
    WindowsBootState refused;
    refused.reason = "a Windows boot event in PCR " + std::to_string(*unmatched_pcr) +
                     " does not match its digest";
    return refused;
  }
  if (!trust_boundary) return WindowsBootState{};
  s.present = true;
  return s;
}

}  // namespace attest::evidence::tpm
