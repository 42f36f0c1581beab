#include "evidence/tpm/tpm_claims.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "base/encoding.h"
#include "crypto/digest.h"
#include "evidence/tpm/event_decode.h"

namespace attest::evidence::tpm {
namespace {

// The bank the log is decoded and judged in: SHA-256 when quoted, else the first quoted bank
// the log has.
std::optional<uint16_t> DecodeBank(const EventLog& log, const PcrValues& pcrs) {
  std::vector<uint16_t> banks = log.Banks();
  auto has = [&](uint16_t b) {
    return std::find(banks.begin(), banks.end(), b) != banks.end() && pcrs.contains(b);
  };
  if (has(kAlgSha256)) return kAlgSha256;
  for (const auto& [bank, values] : pcrs) {
    if (has(bank)) return bank;
  }
  return std::nullopt;
}

bool PcrHasEvents(const EventLog& log, uint32_t pcr) {
  for (const TcgEvent& e : log.events) {
    if (e.pcr == pcr && e.type != kEvNoAction) return true;
  }
  return false;
}

}  // namespace

WindowsBootState VerifiedWindowsBootState(const EventLog& log, const PcrValues& pcrs) {
  std::optional<uint16_t> bank = DecodeBank(log, pcrs);
  if (!bank) return {};
  WindowsBootState state = ExtractWindowsBootState(log, *bank);
  if (!state.present) return state;
  const auto& quoted = pcrs.at(*bank);
  for (uint32_t pcr : {12u, 13u, 14u, 19u, 20u}) {
    if (PcrHasEvents(log, pcr) && !quoted.contains(pcr)) {
      WindowsBootState unverified;
      unverified.reason = "PCR " + std::to_string(pcr) +
                          " holds Windows boot events but was not quoted";
      return unverified;
    }
  }
  return state;
}

claims::ClaimSet TpmClaims(const AkPublic& ak, AkTrustMode trust, const PcrValues& pcrs,
                           const EventLog* log) {
  claims::ClaimSet c;
  // spec/maa-policy-language.md §7.2.
  c.Add("tpmVersion", 2);
  c.Add("aikValidated", trust == AkTrustMode::kCertificate);
  crypto::Sha256Digest spki_hash = crypto::Sha256(AkSpkiDer(ak));
  c.Add("aikPubHash", Base64Encode(spki_hash));
  c.Add("x-ms-tpm-ak-trust", std::string(AkTrustModeName(trust)));
  if (!pcrs.empty()) {
    // §7.4: {"PCRs":[{"Index":n,"Digests":{"SHA256":"<b64url>"}}]}.
    std::map<uint32_t, nlohmann::json> by_index;
    for (const auto& [bank, values] : pcrs) {
      std::string name(HashName(bank));
      std::transform(name.begin(), name.end(), name.begin(), ::toupper);
      for (const auto& [index, value] : values) by_index[index][name] = Base64UrlEncode(value);
    }
    nlohmann::json list = nlohmann::json::array();
    for (auto& [index, digests] : by_index) {
      list.push_back({{"Index", index}, {"Digests", std::move(digests)}});
    }
    c.Add("pcrs", {{"PCRs", std::move(list)}});
  }
  if (log != nullptr) {
    std::optional<uint16_t> bank = DecodeBank(*log, pcrs);
    if (bank) {
      // Only the events of quoted PCRs: CompareReplay checked exactly those against the TPM.
      uint32_t quoted_mask = 0;
      for (const auto& [index, value] : pcrs.at(*bank)) {
        if (index < 24) quoted_mask |= 1u << index;
      }
      c.Add("events", DecodeEvents(*log, *bank, quoted_mask));
      // spec/tpm.md §12 precondition: PCR 7 replayed (CompareReplay passed and it has events).
      const auto& quoted = pcrs.at(*bank);
      if (quoted.contains(7) && PcrHasEvents(*log, 7)) {
        SecureBootState sb = ExtractSecureBoot(*log, *bank);
        c.Add("secureBootEnabled", sb.enabled);
        if (!sb.enabled) c.Add("x-ms-tpm-secure-boot-reason", sb.reason);
        c.Add("x-attestd-tpm-secureboot-databases", SecureBootDatabases(*log, *bank));
      }
      // spec/maa-policy-language.md §7.2's Windows properties, from the SIPA trust
      // boundaries (sipa.h; attestd's reading is in docs/claims.md). Each is emitted only
      // when the log records what it is derived from.
      WindowsBootState win = VerifiedWindowsBootState(*log, pcrs);
      if (win.present) {
        if (win.boot_debugging) c.Add("bootDebuggingDisabled", !*win.boot_debugging);
        if (win.safe_mode) c.Add("notSafeMode", !*win.safe_mode);
        if (win.winpe) c.Add("notWinPE", !*win.winpe);
        if (win.vsm_launch_type) c.Add("vbsEnabled", *win.vsm_launch_type != 0);
        if (win.vbs_iommu_required) c.Add("iommuEnabled", *win.vbs_iommu_required);
        if (win.code_integrity) c.Add("x-attestd-tpm-code-integrity", *win.code_integrity);
      } else if (!win.reason.empty()) {
        c.Add("x-attestd-tpm-windows-boot-reason", win.reason);
      }
    }
  }
  return c;
}

}  // namespace attest::evidence::tpm
