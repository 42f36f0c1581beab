// attestctl verify --type tpm: offline verification of one TPM 2.0 quote (issue 9 item 7).
//
//   attestctl verify --type tpm --quote ATTEST --signature SIG --ak FILE
//       [--ak-chain FILE --ak-roots FILE] [--pcrs PCRS.json ...] [--eventlog LOG]
//       [--nonce HEX] [--at TIME] [--signature-format tpmt|rsassa-sha256]
//
// Output and exit codes as `attestctl verify`: {"valid":true,"claims":{...}} (0),
// {"valid":false,"error":{...}} (1), usage errors 2.
#include <openssl/pem.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "base/encoding.h"
#include "base/file.h"
#include "base/time.h"
#include "cli/tpm_commands.h"
#include "crypto/x509.h"
#include "evidence/tpm/ak_trust.h"
#include "evidence/tpm/event_log.h"
#include "evidence/tpm/pcr_values_json.h"
#include "evidence/tpm/quote_verifier.h"
#include "evidence/tpm/tpm_claims.h"

namespace attest::cli {
namespace {

using evidence::tpm::AkPublic;

constexpr size_t kMaxInputFile = 16 * 1024 * 1024;

nlohmann::json ErrorJson(const Status& s) {
  nlohmann::json e = {{"code", std::string(StatusCodeName(s.code()))},
                      {"reason", s.reason()},
                      {"message", s.message()}};
  if (!s.category().empty()) e["category"] = s.category();
  return e;
}

int Fail(const Status& s, int exit_code) {
  nlohmann::json out = {{"valid", false}, {"error", ErrorJson(s)}};
  std::cout << out.dump(2) << std::endl;
  return exit_code;
}

// A DER certificate or a PEM bundle.
StatusOr<std::vector<crypto::Certificate>> ReadCertificates(const std::string& path) {
  ATTEST_ASSIGN_OR_RETURN(Bytes data, ReadFileBytes(path, kMaxInputFile));
  std::string_view text = AsChars(data);
  if (text.find("-----BEGIN CERTIFICATE-----") != std::string_view::npos) {
    return crypto::Certificate::ParsePemChain(text, 64);
  }
  ATTEST_ASSIGN_OR_RETURN(crypto::Certificate cert, crypto::Certificate::FromDer(data));
  return std::vector<crypto::Certificate>{std::move(cert)};
}

// --ak: a TPMT_PUBLIC, a PEM SPKI, or a DER/PEM certificate (then also presented as the AK
// certificate).
StatusOr<AkPublic> ReadAk(const std::string& path, std::vector<crypto::Certificate>& presented) {
  ATTEST_ASSIGN_OR_RETURN(Bytes data, ReadFileBytes(path, kMaxInputFile));
  std::string_view text = AsChars(data);
  if (text.find("-----BEGIN CERTIFICATE-----") != std::string_view::npos ||
      (!data.empty() && data[0] == 0x30 && crypto::Certificate::FromDer(data).has_value())) {
    ATTEST_ASSIGN_OR_RETURN(auto certs, ReadCertificates(path));
    AkPublic ak = evidence::tpm::AkFromKey(certs.front().public_key());
    presented.insert(presented.begin(), certs.front());
    return ak;
  }
  if (text.find("-----BEGIN PUBLIC KEY-----") != std::string_view::npos) {
    crypto::BioPtr bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
    EVP_PKEY* key = bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr;
    if (key == nullptr) {
      return Err(Status::InvalidArgument("TPM_AK_MALFORMED", "--ak: PEM public key does not parse"));
    }
    AkPublic ak = evidence::tpm::AkFromKey(key);
    EVP_PKEY_free(key);
    return ak;
  }
  return evidence::tpm::ParseTpmtPublic(data);
}

}  // namespace

bool IsTpmVerifyType(std::string_view type) { return type == "tpm" || type == "Tpm"; }

std::shared_ptr<TpmVerifyArgs> AddTpmVerifyOptions(CLI::App* verify) {
  auto a = std::make_shared<TpmVerifyArgs>();
  verify->add_option("--quote", a->quote, "tpm: TPMS_ATTEST (the signed quote bytes)");
  verify->add_option("--signature", a->signature, "tpm: TPMT_SIGNATURE over the quote");
  verify->add_option("--signature-format", a->signature_format,
                     "tpm: tpmt (default) or rsassa-sha256 (raw RSASSA signature bytes)");
  verify->add_option("--ak", a->ak, "tpm: AK as TPMT_PUBLIC, PEM SPKI or DER/PEM certificate");
  verify->add_option("--ak-chain", a->ak_chain,
                     "tpm: AK certificate and/or intermediates (DER or PEM bundle)");
  verify->add_option("--ak-roots", a->ak_roots, "tpm: trusted EK/AK CA roots (DER or PEM bundle)");
  verify->add_option("--pcrs", a->pcrs,
                     R"(tpm: PCR values {"bank":"sha256","pcrs":{"0":"hex",...}}; repeatable)");
  verify->add_option("--eventlog", a->eventlog, "tpm: TCG binary event log to replay");
  verify->add_option("--nonce", a->nonce, "tpm: expected qualifying data, hex (default: empty)");
  return a;
}

int RunTpmVerify(const TpmVerifyArgs& a, const std::string& at_text) {
  if (a.quote.empty() || a.signature.empty() || a.ak.empty()) {
    return Fail(Status::InvalidArgument("USAGE", "--type tpm needs --quote, --signature and --ak"), 2);
  }
  if (a.ak_chain.empty() != a.ak_roots.empty() && !a.ak_chain.empty()) {
    return Fail(Status::InvalidArgument("USAGE", "--ak-chain needs --ak-roots"), 2);
  }
  if (!a.eventlog.empty() && a.pcrs.empty()) {
    return Fail(Status::InvalidArgument("USAGE", "--eventlog needs --pcrs (the quoted values)"), 2);
  }
  UnixTime at = SystemClock::Get().Now();
  if (!at_text.empty()) {
    auto t = ParseRfc3339(at_text);
    if (!t) return Fail(t.error().WithContext("--at"), 2);
    at = *t;
  }
  Bytes nonce;
  if (!a.nonce.empty()) {
    auto n = HexDecode(a.nonce);
    if (!n) return Fail(n.error().WithContext("--nonce"), 2);
    nonce = std::move(*n);
  }
  auto quote = ReadFileBytes(a.quote, kMaxInputFile);
  if (!quote) return Fail(quote.error().WithContext("--quote"), 2);
  auto sig_bytes = ReadFileBytes(a.signature, kMaxInputFile);
  if (!sig_bytes) return Fail(sig_bytes.error().WithContext("--signature"), 2);
  evidence::tpm::Signature sig;
  if (a.signature_format == "tpmt") {
    auto s = evidence::tpm::ParseSignature(*sig_bytes);
    if (!s) return Fail(s.error(), 1);
    sig = std::move(*s);
  } else if (a.signature_format == "rsassa-sha256") {
    sig = evidence::tpm::RawRsassaSignature(*sig_bytes, evidence::tpm::kAlgSha256);
  } else {
    return Fail(Status::InvalidArgument("USAGE", "--signature-format: tpmt or rsassa-sha256"), 2);
  }
  std::vector<crypto::Certificate> presented;
  auto ak = ReadAk(a.ak, presented);
  if (!ak) {
    return Fail(ak.error(), ak.error().code() == StatusCode::kInvalidEvidence ? 1 : 2);
  }
  evidence::tpm::AkTrustConfig trust;
  if (!a.ak_chain.empty()) {
    auto chain = ReadCertificates(a.ak_chain);
    if (!chain) return Fail(chain.error().WithContext("--ak-chain"), 2);
    presented.insert(presented.end(), chain->begin(), chain->end());
  }
  if (!a.ak_roots.empty()) {
    auto roots = ReadCertificates(a.ak_roots);
    if (!roots) return Fail(roots.error().WithContext("--ak-roots"), 2);
    trust.roots = std::move(*roots);
  } else {
    // Offline without roots: the caller names the AK it trusts (--ak), a registered key.
    trust.registered_spki.push_back(evidence::tpm::AkSpkiDer(*ak));
  }
  evidence::tpm::PcrValues pcrs;
  for (const std::string& path : a.pcrs) {
    auto text = ReadFileText(path, kMaxInputFile);
    if (!text) return Fail(text.error().WithContext("--pcrs"), 2);
    Status s = evidence::tpm::ParsePcrValuesJson(*text, pcrs);
    if (!s.ok()) return Fail(s.WithContext("--pcrs " + path), 2);
  }
  // spec/tpm.md §6 steps 1-5.
  auto verified = evidence::tpm::VerifyQuote(*quote, sig, *ak, nonce, a.pcrs.empty() ? nullptr : &pcrs);
  if (!verified) return Fail(verified.error(), 1);
  // Step 6: the event log replays to the quoted values.
  Bytes log_bytes;
  std::optional<evidence::tpm::EventLog> log;
  if (!a.eventlog.empty()) {
    auto lb = ReadFileBytes(a.eventlog, evidence::tpm::EventLogLimits{}.max_size);
    if (!lb) {
      if (lb.error().reason() == "FILE_TOO_LARGE") {
        return Fail(Status::InvalidEvidence("TPM_EVENTLOG_TOO_LARGE", lb.error().message()), 1);
      }
      return Fail(lb.error().WithContext("--eventlog"), 2);
    }
    log_bytes = std::move(*lb);
    auto parsed = evidence::tpm::ParseEventLog(log_bytes);
    if (!parsed) return Fail(parsed.error(), 1);
    auto replayed = evidence::tpm::ReplayEventLog(*parsed);
    if (!replayed) return Fail(replayed.error(), 1);
    Status cmp = evidence::tpm::CompareReplay(*replayed, pcrs);
    if (!cmp.ok()) return Fail(cmp, 1);
    log = std::move(*parsed);
  }
  // Step 7: AK trust.
  auto mode = evidence::tpm::EstablishAkTrust(*ak, presented, trust, at);
  if (!mode) return Fail(mode.error(), 1);
  claims::ClaimSet claims =
      evidence::tpm::TpmClaims(*ak, *mode, pcrs, log ? &*log : nullptr);
  claims.Add("x-ms-tpm-quote-nonce", HexEncode(verified->extra_data));
  claims.Add("x-ms-tpm-quote-clock-info",
             {{"clock", verified->clock},
              {"resetCount", verified->reset_count},
              {"restartCount", verified->restart_count},
              {"safe", verified->safe},
              {"firmwareVersion", verified->firmware_version}});
  nlohmann::json out = {{"valid", true}, {"claims", claims.ToJsonObject()}};
  std::cout << out.dump(2) << std::endl;
  return 0;
}

}  // namespace attest::cli
