#include "evidence/tpm/event_decode.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <mutex>
#include <string>
#include <unordered_map>

#include "base/byte_reader.h"
#include "base/encoding.h"
#include "crypto/digest.h"
#include "crypto/x509.h"
#include "evidence/tpm/sipa.h"

namespace attest::evidence::tpm {
namespace {

constexpr uint32_t kEvEventTag = 0x00000006;
constexpr uint32_t kEvAction = 0x00000005;
constexpr uint32_t kEvIpl = 0x0000000D;
constexpr uint32_t kEvEfiVariableDriverConfig = 0x80000001;
constexpr uint32_t kEvEfiVariableBoot = 0x80000002;
constexpr uint32_t kEvEfiBootServicesApplication = 0x80000003;
constexpr uint32_t kEvEfiBootServicesDriver = 0x80000004;
constexpr uint32_t kEvEfiRuntimeServicesDriver = 0x80000005;
constexpr uint32_t kEvEfiAction = 0x80000007;
constexpr uint32_t kEvEfiVariableAuthority = 0x800000E0;

// EFI_GLOBAL_VARIABLE 8BE4DF61-93CA-11D2-AA0D-00E098032B8C (spec/tpm.md §12).
constexpr char kEfiGlobalVariable[] = "8BE4DF61-93CA-11D2-AA0D-00E098032B8C";

struct NamedType {
  uint32_t value;
  const char* name;
};
constexpr NamedType kTypes[] = {
    {0x00000000, "EV_PREBOOT_CERT"},
    {0x00000001, "EV_POST_CODE"},
    {0x00000002, "EV_UNUSED"},
    {0x00000003, "EV_NO_ACTION"},
    {0x00000004, "EV_SEPARATOR"},
    {0x00000005, "EV_ACTION"},
    {0x00000006, "EV_EVENT_TAG"},
    {0x00000007, "EV_S_CRTM_CONTENTS"},
    {0x00000008, "EV_S_CRTM_VERSION"},
    {0x00000009, "EV_CPU_MICROCODE"},
    {0x0000000A, "EV_PLATFORM_CONFIG_FLAGS"},
    {0x0000000B, "EV_TABLE_OF_DEVICES"},
    {0x0000000C, "EV_COMPACT_HASH"},
    {0x0000000D, "EV_IPL"},
    {0x0000000E, "EV_IPL_PARTITION_DATA"},
    {0x0000000F, "EV_NONHOST_CODE"},
    {0x00000010, "EV_NONHOST_CONFIG"},
    {0x00000011, "EV_NONHOST_INFO"},
    {0x00000012, "EV_OMIT_BOOT_DEVICE_EVENTS"},
    {0x80000001, "EV_EFI_VARIABLE_DRIVER_CONFIG"},
    {0x80000002, "EV_EFI_VARIABLE_BOOT"},
    {0x80000003, "EV_EFI_BOOT_SERVICES_APPLICATION"},
    {0x80000004, "EV_EFI_BOOT_SERVICES_DRIVER"},
    {0x80000005, "EV_EFI_RUNTIME_SERVICES_DRIVER"},
    {0x80000006, "EV_EFI_GPT_EVENT"},
    {0x80000007, "EV_EFI_ACTION"},
    {0x80000008, "EV_EFI_PLATFORM_FIRMWARE_BLOB"},
    {0x80000009, "EV_EFI_HANDOFF_TABLES"},
    {0x8000000A, "EV_EFI_PLATFORM_FIRMWARE_BLOB2"},
    {0x8000000B, "EV_EFI_HANDOFF_TABLES2"},
    {0x80000010, "EV_EFI_HCRTM_EVENT"},
    {0x800000E0, "EV_EFI_VARIABLE_AUTHORITY"},
    {0x800000E1, "EV_EFI_SPDM_FIRMWARE_BLOB"},
    {0x800000E2, "EV_EFI_SPDM_FIRMWARE_CONFIG"},
};

// EFI GUID text: the first three fields are little-endian (spec/tpm.md §12).
std::string GuidText(ByteSpan g) {
  char buf[37];
  std::snprintf(buf, sizeof buf,
                "%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X", g[3],
                g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12], g[13],
                g[14], g[15]);
  return buf;
}

struct UefiVariable {
  std::string guid;
  std::string name;
  ByteSpan data;
};

// UEFI_VARIABLE_DATA (spec/tpm.md §12): GUID, name length in characters (u64), data length
// (u64), UTF-16LE name, data. nullopt when the lengths do not fit the event.
std::optional<UefiVariable> ParseUefiVariable(ByteSpan data) {
  ByteReader r(data, "UEFI_VARIABLE_DATA", "TPM_EVENTLOG_MALFORMED");
  auto guid = r.Take(16, "VariableName");
  auto name_len = r.U64("UnicodeNameLength");
  auto data_len = r.U64("VariableDataLength");
  if (!guid || !name_len || !data_len) return std::nullopt;
  if (*name_len > r.remaining() / 2) return std::nullopt;
  auto name = r.Take(static_cast<size_t>(*name_len) * 2, "UnicodeName");
  if (!name || *data_len > r.remaining()) return std::nullopt;
  auto value = r.Take(static_cast<size_t>(*data_len), "VariableData");
  if (!value) return std::nullopt;
  return UefiVariable{GuidText(*guid), Utf16LeToUtf8(*name), *value};
}

// EFI_IMAGE_SECURITY_DATABASE_GUID, the namespace of db and dbx (spec/tpm.md §12).
constexpr char kImageSecurityDatabase[] = "D719B2CB-3D3A-4596-A3BC-DAD00E67656F";
constexpr char kCertX509Guid[] = "A5C059A1-94E4-4AA7-87B5-AB155C2BF072";
constexpr char kCertSha256Guid[] = "C1C41626-504C-4092-ACA9-41F936934328";
constexpr size_t kMaxSignatures = 8192;  // dbx holds a few hundred today

// The Secure Boot key databases: PK and KEK (global variables), db and dbx.
bool IsKeyDatabase(const UefiVariable& v) {
  if (v.guid == kEfiGlobalVariable) return v.name == "PK" || v.name == "KEK";
  if (v.guid == kImageSecurityDatabase) return v.name == "db" || v.name == "dbx";
  return false;
}

// The subject of a DER certificate, nullopt when it does not parse. Boot logs carry the same
// few certificates (Microsoft's KEK and db CAs, a PK), and parsing one costs more than the
// rest of a log's decoding, so subjects are remembered by the certificate's SHA-256; the
// table is bounded and starts over when full.
std::optional<std::string> CertificateSubject(ByteSpan der, const std::string& sha256_hex) {
  constexpr size_t kMaxRemembered = 1024;
  static std::mutex mu;
  static std::unordered_map<std::string, std::optional<std::string>> remembered;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (auto it = remembered.find(sha256_hex); it != remembered.end()) return it->second;
  }
  std::optional<std::string> subject;
  if (auto cert = crypto::Certificate::FromDer(der)) subject = cert->SubjectText();
  std::lock_guard<std::mutex> lock(mu);
  if (remembered.size() >= kMaxRemembered) remembered.clear();
  remembered.emplace(sha256_hex, subject);
  return subject;
}

nlohmann::json CertificateJson(ByteSpan der) {
  std::string fingerprint = HexEncode(crypto::Sha256(der));
  std::optional<std::string> subject = CertificateSubject(der, fingerprint);
  if (!subject) return nlohmann::json::object();
  return {{"Subject", std::move(*subject)}, {"Sha256", std::move(fingerprint)}};
}

// EFI_SIGNATURE_DATA of an authority event: owner GUID then the certificate. Some shims omit
// the owner (spec/tpm.md §9); the certificate is then the whole value.
nlohmann::json AuthorityJson(ByteSpan value) {
  if (value.size() > 16) {
    nlohmann::json j = CertificateJson(value.subspan(16));
    if (!j.empty()) {
      j["SignatureOwner"] = GuidText(value.first(16));
      return j;
    }
  }
  return CertificateJson(value);
}

// EFI_SIGNATURE_LISTs (spec/tpm.md §12 step 3): {SignatureType GUID, ListSize u32,
// HeaderSize u32, SignatureSize u32, header, SignatureSize-byte entries of owner GUID +
// data}. nullopt when a size does not fit.
std::optional<nlohmann::json> SignatureListsJson(ByteSpan data) {
  nlohmann::json lists = nlohmann::json::array();
  size_t pos = 0;
  size_t signatures = 0;
  while (pos < data.size()) {
    if (data.size() - pos < 28) return std::nullopt;
    ByteSpan type = data.subspan(pos, 16);
    uint32_t list_size = LoadLe32(data, pos + 16);
    uint32_t header_size = LoadLe32(data, pos + 20);
    uint32_t sig_size = LoadLe32(data, pos + 24);
    if (list_size < 28 || list_size > data.size() - pos || header_size > list_size - 28 ||
        sig_size < 16 || (list_size - 28 - header_size) % sig_size != 0) {
      return std::nullopt;
    }
    std::string type_text = GuidText(type);
    const char* kind = type_text == kCertX509Guid     ? "X509"
                       : type_text == kCertSha256Guid ? "SHA256"
                                                      : nullptr;
    // Certificates are listed; hash lists (dbx holds hundreds of entries) only counted: their
    // bytes are in VariableData, and listing them would double the events claim's size.
    nlohmann::json list = {{"SignatureType", kind != nullptr ? std::string(kind) : type_text}};
    nlohmann::json entries = nlohmann::json::array();
    size_t count = 0;
    for (size_t at = pos + 28 + header_size; at < pos + list_size; at += sig_size) {
      if (++signatures > kMaxSignatures) return std::nullopt;
      ++count;
      if (type_text != kCertX509Guid) continue;
      ByteSpan entry = data.subspan(at, sig_size);
      nlohmann::json e = CertificateJson(entry.subspan(16));
      e["SignatureOwner"] = GuidText(entry.first(16));
      entries.push_back(std::move(e));
    }
    list["SignatureCount"] = count;
    if (type_text == kCertX509Guid) list["Signatures"] = std::move(entries);
    lists.push_back(std::move(list));
    pos += list_size;
  }
  return lists;
}

bool Printable(ByteSpan b) {
  for (uint8_t c : b) {
    if (c != 0 && (c < 0x20 || c > 0x7E)) return false;
  }
  return true;
}

std::string AsciiText(ByteSpan b) {
  std::string s(AsChars(b));
  while (!s.empty() && s.back() == '\0') s.pop_back();
  return s;
}

// spec/tpm.md §9: for these types the digest is H(event data).
bool DigestIsHashOfData(uint32_t type) {
  return type == kEvSeparator || type == kEvAction || type == kEvEfiAction || type == kEvEventTag ||
         type == kEvEfiVariableDriverConfig || type == kEvEfiVariableAuthority;
}

nlohmann::json ProcessedData(const TcgEvent& e) {
  nlohmann::json p = nlohmann::json::object();
  if (e.type == kEvEventTag && IsSipaPcr(e.pcr)) {
    // Windows boot measurements: {"EVENT_TRUSTBOUNDARY":{...}} (spec/maa-policy-language.md §7.4).
    if (auto items = ParseSipa(e.data); items && IsWindowsSipa(*items)) return SipaToJson(*items);
  }
  switch (e.type) {
    case kEvEfiVariableDriverConfig:
    case kEvEfiVariableBoot:
    case kEvEfiVariableAuthority:
      if (auto v = ParseUefiVariable(e.data)) {
        p["VariableGuid"] = v->guid;
        p["UnicodeName"] = v->name;
        p["VariableData"] = Base64UrlEncode(v->data);
        if (e.type == kEvEfiVariableAuthority) {
          nlohmann::json cert = AuthorityJson(v->data);
          if (!cert.empty()) p["Certificate"] = std::move(cert);
        } else if (IsKeyDatabase(*v)) {
          if (auto lists = SignatureListsJson(v->data)) p["SignatureLists"] = std::move(*lists);
        }
      }
      break;
    case kEvSeparator:
      p["Value"] = HexEncode(e.data);
      // PC Client PFP: 0xFFFFFFFF marks a pre-OS error.
      p["Error"] = e.data.size() == 4 && LoadLe32(e.data, 0) == 0xFFFFFFFF;
      break;
    case kEvEfiBootServicesApplication:
    case kEvEfiBootServicesDriver:
    case kEvEfiRuntimeServicesDriver:
      // UEFI_IMAGE_LOAD_EVENT: location u64, length u64, link-time address u64, device path
      // length u64, device path.
      if (e.data.size() >= 32) {
        p["ImageLocationInMemory"] = LoadLe64(e.data, 0);
        p["ImageLengthInMemory"] = LoadLe64(e.data, 8);
        p["ImageLinkTimeAddress"] = LoadLe64(e.data, 16);
        uint64_t path_len = LoadLe64(e.data, 24);
        if (path_len <= e.data.size() - 32) {
          p["DevicePath"] = HexEncode(e.data.subspan(32, static_cast<size_t>(path_len)));
        }
      }
      break;
    case kEvAction:
    case kEvEfiAction:
    case kEvIpl:
      if (Printable(e.data)) p["String"] = AsciiText(e.data);
      break;
    case kEvEventTag:
      // TCG_PCClientTaggedEvent: taggedEventID u32, taggedEventDataSize u32, data.
      if (e.data.size() >= 8) {
        p["TaggedEventID"] = LoadLe32(e.data, 0);
        p["TaggedEventDataSize"] = LoadLe32(e.data, 4);
      }
      break;
    default:
      break;
  }
  return p;
}

}  // namespace

bool EventDataMatchesDigest(const TcgEvent& e, uint16_t bank) {
  ByteSpan d = e.Digest(bank);
  return !d.empty() && ConstantTimeEquals(Hash(bank, e.data), d);
}

std::string EventTypeName(uint32_t type) {
  for (const NamedType& t : kTypes) {
    if (t.value == type) return t.name;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "EV_UNKNOWN_0x%08X", type);
  return buf;
}

nlohmann::json DecodeEvents(const EventLog& log, uint16_t bank, uint32_t pcr_mask) {
  nlohmann::json events = nlohmann::json::array();
  size_t seq = 0;
  for (const TcgEvent& e : log.events) {
    const size_t index = seq++;
    if (pcr_mask != kAllPcrEvents && (e.pcr >= 24 || ((pcr_mask >> e.pcr) & 1) == 0)) continue;
    nlohmann::json j = {{"EventSeq", index},
                        {"PcrIndex", e.pcr},
                        {"EventType", e.type},
                        {"EventTypeString", EventTypeName(e.type)}};
    nlohmann::json digests = nlohmann::json::object();
    for (const auto& [alg, d] : e.digests) {
      std::string name(HashName(alg));
      digests[name.empty() ? std::to_string(alg) : name] = HexEncode(d);
    }
    j["Digests"] = std::move(digests);
    j["ProcessedData"] = ProcessedData(e);
    if (DigestIsHashOfData(e.type)) j["DataMatchesDigest"] = EventDataMatchesDigest(e, bank);
    events.push_back(std::move(j));
  }
  return {{"Events", std::move(events)}};
}

SecureBootState ExtractSecureBoot(const EventLog& log, uint16_t bank) {
  int secure_boot_events = 0;
  bool value_on = false;
  bool separator_seen = false;
  for (const TcgEvent& e : log.events) {
    if (e.pcr != 7 || e.type == kEvNoAction) continue;
    if (e.type == kEvSeparator) {
      separator_seen = true;
      continue;
    }
    if (e.type == kEvEfiAction && AsciiText(e.data) == "UEFI Debug Mode") {
      return {false, "PCR 7 records UEFI Debug Mode"};
    }
    if (e.type != kEvEfiVariableDriverConfig) continue;
    auto v = ParseUefiVariable(e.data);
    if (!v) return {false, "a PCR 7 variable event does not parse"};
    // spec/tpm.md §9: the digest must be H(data), or the unsigned data could be swapped.
    if (!EventDataMatchesDigest(e, bank)) return {false, "a PCR 7 variable event's data does not match its digest"};
    if (separator_seen) return {false, "a Secure Boot variable is measured after the PCR 7 separator"};
    if (v->guid == kEfiGlobalVariable && v->name == "SecureBoot") {
      ++secure_boot_events;
      value_on = v->data.size() == 1 && v->data[0] == 0x01;
    }
  }
  if (!separator_seen) return {false, "PCR 7 has no separator"};
  if (secure_boot_events != 1) {
    return {false, secure_boot_events == 0 ? "no SecureBoot variable event in PCR 7"
                                           : "the SecureBoot variable is measured more than once"};
  }
  if (!value_on) return {false, "the SecureBoot variable is not 1"};
  return {true, ""};
}

nlohmann::json SecureBootDatabases(const EventLog& log, uint16_t bank) {
  nlohmann::json out = nlohmann::json::object();
  nlohmann::json authorities = nlohmann::json::array();
  bool separator_seen = false;
  for (const TcgEvent& e : log.events) {
    if (e.pcr != 7) continue;
    if (e.type == kEvSeparator) separator_seen = true;
    if (e.type != kEvEfiVariableDriverConfig && e.type != kEvEfiVariableAuthority) continue;
    if (!EventDataMatchesDigest(e, bank)) continue;  // its data is not what was measured
    auto v = ParseUefiVariable(e.data);
    if (!v) continue;
    if (e.type == kEvEfiVariableAuthority) {
      nlohmann::json cert = AuthorityJson(v->data);
      if (!cert.empty()) authorities.push_back(std::move(cert));
      continue;
    }
    if (separator_seen || !IsKeyDatabase(*v)) continue;
    std::string key = v->name;
    std::transform(key.begin(), key.end(), key.begin(), ::tolower);
    if (out.contains(key)) {
      out[key] = {{"error", "measured more than once"}};
      continue;
    }
    std::optional<nlohmann::json> lists = SignatureListsJson(v->data);
    if (!lists) {
      out[key] = {{"error", "not a well-formed EFI_SIGNATURE_LIST"}};
      continue;
    }
    nlohmann::json certs = nlohmann::json::array();
    size_t hashes = 0;
    for (const nlohmann::json& list : *lists) {
      if (list["SignatureType"] == "X509") {
        for (const nlohmann::json& sig : list["Signatures"]) {
          certs.push_back({{"Subject", sig.value("Subject", "")}, {"Sha256", sig.value("Sha256", "")}});
        }
      } else if (list["SignatureType"] == "SHA256") {
        hashes += list["SignatureCount"].get<size_t>();
      }
    }
    out[key] = {{"certificates", std::move(certs)},
                {"sha256_hashes", hashes},
                {"sha256", HexEncode(crypto::Sha256(v->data))}};
  }
  if (!authorities.empty()) out["authorities"] = std::move(authorities);
  return out;
}

}  // namespace attest::evidence::tpm
