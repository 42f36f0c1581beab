#include "evidence/tpm/event_log.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "base/byte_reader.h"
#include "base/encoding.h"

namespace attest::evidence::tpm {
namespace {

constexpr char kSpecIdSignature[] = "Spec ID Event03";    // 16 bytes with the NUL
constexpr char kStartupLocality[] = "StartupLocality";    // 16 bytes with the NUL
constexpr size_t kLegacyDigestSize = 20;
constexpr uint32_t kMaxAlgorithms = 16;

Status Malformed(std::string message) {
  return Status::InvalidEvidence("TPM_EVENTLOG_MALFORMED", std::move(message));
}

bool HasSignature(ByteSpan data, const char (&sig)[16]) {
  return data.size() >= 16 && std::memcmp(data.data(), sig, 16) == 0;
}

// spec/tpm.md §7.2: TCG_EfiSpecIdEvent.
StatusOr<std::vector<std::pair<uint16_t, uint16_t>>> ParseSpecId(ByteSpan data) {
  ByteReader r(data, "Spec ID event", "TPM_EVENTLOG_MALFORMED");
  ATTEST_RETURN_IF_ERROR(r.Skip(16, "signature"));
  ATTEST_RETURN_IF_ERROR(r.Skip(4 + 1 + 1 + 1, "platformClass/specVersion/errata"));
  ATTEST_ASSIGN_OR_RETURN(uint8_t uintn, r.U8("uintnSize"));
  (void)uintn;
  ATTEST_ASSIGN_OR_RETURN(uint32_t count, r.U32("numberOfAlgorithms"));
  if (count == 0 || count > kMaxAlgorithms) {
    return Err(Malformed("Spec ID event declares " + std::to_string(count) + " algorithms"));
  }
  std::vector<std::pair<uint16_t, uint16_t>> algs;
  for (uint32_t i = 0; i < count; ++i) {
    ATTEST_ASSIGN_OR_RETURN(uint16_t alg, r.U16("algorithmId"));
    ATTEST_ASSIGN_OR_RETURN(uint16_t size, r.U16("digestSize"));
    if (size == 0 || size > 64) {
      return Err(Malformed("Spec ID event: digest size " + std::to_string(size) +
                           " for algorithm " + std::to_string(alg)));
    }
    // A known hash must have its true size, or replay would read the wrong bytes.
    if (HashSize(alg) != 0 && HashSize(alg) != size) {
      return Err(Malformed("Spec ID event: " + std::string(HashName(alg)) + " digest size " +
                           std::to_string(size)));
    }
    for (const auto& [a, s] : algs) {
      if (a == alg) return Err(Malformed("Spec ID event lists an algorithm twice"));
    }
    algs.emplace_back(alg, size);
  }
  ATTEST_ASSIGN_OR_RETURN(uint8_t vendor_size, r.U8("vendorInfoSize"));
  ATTEST_RETURN_IF_ERROR(r.Skip(vendor_size, "vendorInfo"));
  // go-attestation: vendorInfo must end exactly at the event end.
  if (r.remaining() != 0) return Err(Malformed("Spec ID event has trailing bytes"));
  return algs;
}

Status TooMany(const EventLogLimits& limits) {
  return Status::InvalidEvidence("TPM_EVENTLOG_TOO_LARGE",
                                 "event log has more than " + std::to_string(limits.max_events) +
                                     " events");
}

// spec/tpm.md §7.1.
StatusOr<TcgEvent> ReadLegacyEvent(ByteReader& r) {
  TcgEvent e;
  e.offset = r.offset();
  ATTEST_ASSIGN_OR_RETURN(e.pcr, r.U32("pcrIndex"));
  ATTEST_ASSIGN_OR_RETURN(e.type, r.U32("eventType"));
  ATTEST_ASSIGN_OR_RETURN(ByteSpan digest, r.Take(kLegacyDigestSize, "digest"));
  e.digests.emplace_back(kAlgSha1, digest);
  ATTEST_ASSIGN_OR_RETURN(uint32_t size, r.U32("eventDataSize"));
  ATTEST_ASSIGN_OR_RETURN(e.data, r.Take(size, "event"));
  return e;
}

// spec/tpm.md §7.3.
StatusOr<TcgEvent> ReadAgileEvent(ByteReader& r,
                                  const std::vector<std::pair<uint16_t, uint16_t>>& algs) {
  TcgEvent e;
  e.offset = r.offset();
  ATTEST_ASSIGN_OR_RETURN(e.pcr, r.U32("pcrIndex"));
  ATTEST_ASSIGN_OR_RETURN(e.type, r.U32("eventType"));
  ATTEST_ASSIGN_OR_RETURN(uint32_t count, r.U32("digests.count"));
  if (count > algs.size()) {
    return Err(Malformed("event at offset " + std::to_string(e.offset) + " has " +
                         std::to_string(count) + " digests, the log declares " +
                         std::to_string(algs.size()) + " algorithms"));
  }
  for (uint32_t i = 0; i < count; ++i) {
    ATTEST_ASSIGN_OR_RETURN(uint16_t alg, r.U16("hashAlg"));
    auto it = std::find_if(algs.begin(), algs.end(), [&](const auto& p) { return p.first == alg; });
    if (it == algs.end()) {
      return Err(Malformed("event at offset " + std::to_string(e.offset) + " uses algorithm " +
                           std::to_string(alg) + ", absent from the Spec ID event"));
    }
    for (const auto& [a, d] : e.digests) {
      if (a == alg) {
        return Err(Malformed("event at offset " + std::to_string(e.offset) +
                             " carries two digests of one algorithm"));
      }
    }
    ATTEST_ASSIGN_OR_RETURN(ByteSpan digest, r.Take(it->second, "digest"));
    e.digests.emplace_back(alg, digest);
  }
  ATTEST_ASSIGN_OR_RETURN(uint32_t size, r.U32("eventSize"));
  ATTEST_ASSIGN_OR_RETURN(e.data, r.Take(size, "event"));
  return e;
}

bool OnlyPadding(ByteSpan rest) {
  return std::all_of(rest.begin(), rest.end(), [](uint8_t b) { return b == 0x00; }) ||
         std::all_of(rest.begin(), rest.end(), [](uint8_t b) { return b == 0xFF; });
}

}  // namespace

ByteSpan TcgEvent::Digest(uint16_t alg) const {
  for (const auto& [a, d] : digests) {
    if (a == alg) return d;
  }
  return {};
}

std::vector<uint16_t> EventLog::Banks() const {
  std::vector<uint16_t> banks;
  for (const auto& [alg, size] : algorithms) {
    if (HashSize(alg) != 0) banks.push_back(alg);
  }
  return banks;
}

StatusOr<EventLog> ParseEventLog(ByteSpan log, const EventLogLimits& limits) {
  if (log.size() > limits.max_size) {
    return Err(Status::InvalidEvidence("TPM_EVENTLOG_TOO_LARGE",
                                       "event log of " + std::to_string(log.size()) +
                                           " bytes exceeds the cap of " +
                                           std::to_string(limits.max_size)));
  }
  if (log.empty()) return Err(Malformed("event log is empty"));
  ByteReader r(log, "event log", "TPM_EVENTLOG_MALFORMED");
  EventLog out;
  // spec/tpm.md §7.1: the first entry is always in the legacy format.
  ATTEST_ASSIGN_OR_RETURN(TcgEvent first, ReadLegacyEvent(r));
  ByteSpan first_digest = first.Digest(kAlgSha1);
  bool zero_digest = std::all_of(first_digest.begin(), first_digest.end(),
                                 [](uint8_t b) { return b == 0; });
  out.crypto_agile = first.type == kEvNoAction && first.pcr == 0 && zero_digest &&
                     HasSignature(first.data, kSpecIdSignature);
  if (out.crypto_agile) {
    ATTEST_ASSIGN_OR_RETURN(out.algorithms, ParseSpecId(first.data));
  } else {
    out.algorithms = {{kAlgSha1, kLegacyDigestSize}};
  }
  out.events.push_back(std::move(first));
  while (r.remaining() > 0) {
    // Firmware logs read from ACPI memory may be followed by padding (spec/tpm.md §7.3).
    if (r.remaining() < 8 && OnlyPadding(r.Rest())) break;
    if (out.events.size() >= limits.max_events) {
      if (OnlyPadding(r.Rest())) break;
      return Err(TooMany(limits));
    }
    size_t before = r.offset();
    auto e = out.crypto_agile ? ReadAgileEvent(r, out.algorithms) : ReadLegacyEvent(r);
    if (!e) {
      // A tail of only 0x00 or 0xFF bytes is padding, not a truncated event.
      if (OnlyPadding(log.subspan(before))) break;
      return Err(e.error());
    }
    if (e->type == kEvNoAction && e->pcr == 0 && HasSignature(e->data, kStartupLocality)) {
      // spec/tpm.md §7.4: 16-byte signature + 1 locality byte.
      if (e->data.size() != 17) return Err(Malformed("StartupLocality event is not 17 bytes"));
      if (out.startup_locality) return Err(Malformed("two StartupLocality events"));
      out.startup_locality = e->data[16];
    }
    // spec/tpm.md §9: event types outside these ranges are invalid.
    if (!(e->type <= 0x12 || (e->type >= 0x80000000 && e->type <= 0x800000FF))) {
      return Err(Malformed("event at offset " + std::to_string(e->offset) + " has invalid type 0x" +
                           HexEncode(std::vector<uint8_t>{static_cast<uint8_t>(e->type >> 24),
                                                          static_cast<uint8_t>(e->type >> 16),
                                                          static_cast<uint8_t>(e->type >> 8),
                                                          static_cast<uint8_t>(e->type)})));
    }
    if (e->pcr > 23 && e->type != kEvNoAction) {
      return Err(Malformed("event at offset " + std::to_string(e->offset) + " extends PCR " +
                           std::to_string(e->pcr)));
    }
    out.events.push_back(std::move(*e));
  }
  return out;
}

StatusOr<ReplayedPcrs> ReplayEventLog(const EventLog& log) {
  ReplayedPcrs out;
  for (uint16_t bank : log.Banks()) {
    size_t size = HashSize(bank);
    const EVP_MD* md = HashMd(bank);
    PcrBank& pcrs = out[bank];
    crypto::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx) return Err(Status::Internal("EVP_MD_CTX_new"));
    for (const TcgEvent& e : log.events) {
      if (e.type == kEvNoAction) continue;
      ByteSpan digest = e.Digest(bank);
      if (digest.empty()) {
        return Err(Malformed("event at offset " + std::to_string(e.offset) + " has no " +
                             std::string(HashName(bank)) + " digest"));
      }
      auto it = pcrs.find(e.pcr);
      if (it == pcrs.end()) {
        Bytes initial(size, 0);
        if (e.pcr >= 17 && e.pcr <= 22) {
          std::fill(initial.begin(), initial.end(), 0xFF);
        } else if (e.pcr == 0 && log.startup_locality) {
          initial.back() = *log.startup_locality;
        }
        it = pcrs.emplace(e.pcr, std::move(initial)).first;
      }
      unsigned int len = 0;
      if (EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1 ||
          EVP_DigestUpdate(ctx.get(), it->second.data(), size) != 1 ||
          EVP_DigestUpdate(ctx.get(), digest.data(), digest.size()) != 1 ||
          EVP_DigestFinal_ex(ctx.get(), it->second.data(), &len) != 1) {
        return Err(Status::Internal("digest failed"));
      }
    }
  }
  return out;
}

Status CompareReplay(const ReplayedPcrs& replayed, const PcrValues& quoted) {
  bool any_bank = false;
  for (const auto& [bank, values] : quoted) {
    if (replayed.contains(bank)) any_bank = true;
  }
  if (!any_bank && !quoted.empty()) {
    return Status::InvalidEvidence("TPM_EVENTLOG_BANK_MISSING",
                                   "the event log has digests of none of the quoted PCR banks");
  }
  // Lowest PCR index first, so the error names the first PCR that differs in any bank.
  for (uint32_t index = 0; index < 24; ++index) {
    for (const auto& [bank, values] : quoted) {
      auto r = replayed.find(bank);
      auto q = values.find(index);
      if (r == replayed.end() || q == values.end()) continue;
      auto it = r->second.find(index);
      if (it == r->second.end()) continue;  // no events: not compared (spec/tpm.md §8 step 3)
      if (it->second != q->second) {
        return Status::InvalidEvidence(
            "TPM_EVENTLOG_REPLAY_MISMATCH",
            "the event log does not replay to quoted PCR " + std::to_string(index) + " (" +
                std::string(HashName(bank)) + "): replayed " + HexEncode(it->second) +
                ", quoted " + HexEncode(q->second));
      }
    }
  }
  return Status::Ok();
}

}  // namespace attest::evidence::tpm
