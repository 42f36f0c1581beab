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
      c.Add("events", DecodeEvents(*log, *bank));
      // spec/tpm.md §12 precondition: PCR 7 replayed (CompareReplay passed and it has events).
      const auto& quoted = pcrs.at(*bank);
      if (quoted.contains(7) && PcrHasEvents(*log, 7)) {
        SecureBootState sb = ExtractSecureBoot(*log, *bank);
        c.Add("secureBootEnabled", sb.enabled);
        if (!sb.enabled) c.Add("x-ms-tpm-secure-boot-reason", sb.reason);
      }
    }
  }
  return c;
}

}  // namespace attest::evidence::tpm
