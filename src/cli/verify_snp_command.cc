#include "cli/verify_snp.h"

#include <iostream>
#include <nlohmann/json.hpp>

#include "base/encoding.h"
#include "base/file.h"
#include "base/time.h"
#include "collateral/offline_dir_provider.h"
#include "evidence/registry.h"

namespace attest::cli {
namespace {

int Fail(const Status& s, int exit_code) {
  nlohmann::json e = {{"code", std::string(StatusCodeName(s.code()))},
                      {"reason", s.reason()},
                      {"message", s.message()}};
  if (!s.category().empty()) e["category"] = s.category();
  std::cout << nlohmann::json{{"valid", false}, {"error", e}}.dump(2) << std::endl;
  return exit_code;
}

// A report document published as base64url text (MAA's `report` value) is decoded; a JSON
// document or a raw report is used as is.
Bytes DecodeDocumentText(Bytes blob) {
  std::string text;
  for (uint8_t b : blob) {
    if (b == ' ' || b == '\n' || b == '\r' || b == '\t') continue;
    if (b < 0x21 || b > 0x7e) return blob;
    text += static_cast<char>(b);
  }
  if (text.empty() || text.front() == '{') return blob;
  while (!text.empty() && text.back() == '=') text.pop_back();
  if (auto d = Base64UrlDecode(text); d && !d->empty() && (*d)[0] == '{') return std::move(*d);
  if (auto d = Base64Decode(text); d && !d->empty() && (*d)[0] == '{') return std::move(*d);
  return blob;
}

}  // namespace

void AddSnpVerifyOptions(CLI::App* cmd, SnpVerifyArgs* args) {
  cmd->add_option("--init-time-data", args->init_time_data,
                  "sevsnp: init-time data whose SHA-256 must equal HOST_DATA (e.g. the ACI policy)");
  cmd->add_option("--uvm-endorsement", args->uvm_endorsement,
                  "sevsnp: COSE_Sign1 UVM endorsement (ACI) to verify against the report");
}

int RunVerifySnp(const SnpVerifyArgs& a) {
  evidence::VerifierConfig config;
  auto verifier = evidence::MakeVerifier(AttestationType::kSevSnpVm, config);
  if (!verifier) return Fail(verifier.error(), 2);
  UnixTime at = SystemClock::Get().Now();
  if (!a.at.empty()) {
    auto t = ParseRfc3339(a.at);
    if (!t) return Fail(t.error().WithContext("--at"), 2);
    at = *t;
  }
  evidence::Evidence ev;
  ev.type = AttestationType::kSevSnpVm;
  auto blob = ReadFileBytes(a.evidence, evidence::kMaxEvidenceSize);
  if (!blob) {
    if (blob.error().reason() == "FILE_TOO_LARGE") {
      return Fail(Status::InvalidEvidence("EVIDENCE_TOO_LARGE", blob.error().message()), 1);
    }
    return Fail(blob.error().WithContext("--evidence"), 2);
  }
  ev.blob = DecodeDocumentText(std::move(*blob));
  auto read_bound = [](const std::string& path, bool json, const char* flag,
                       std::optional<evidence::BoundData>* out) -> Status {
    if (path.empty()) return Status::Ok();
    auto d = ReadFileBytes(path, evidence::kMaxEvidenceSize);
    if (!d) return d.error().WithContext(flag);
    *out = evidence::BoundData{std::move(*d), json ? evidence::BoundData::Kind::kJson
                                                   : evidence::BoundData::Kind::kBinary};
    return Status::Ok();
  };
  if (Status s = read_bound(a.runtime_data, a.runtime_data_json, "--runtime-data", &ev.runtime_data);
      !s.ok()) {
    return Fail(s, 2);
  }
  if (Status s = read_bound(a.init_time_data, false, "--init-time-data", &ev.init_time_data);
      !s.ok()) {
    return Fail(s, 2);
  }
  if (!a.uvm_endorsement.empty()) {
    auto e = ReadFileBytes(a.uvm_endorsement, evidence::kMaxEvidenceSize);
    if (!e) return Fail(e.error().WithContext("--uvm-endorsement"), 2);
    ev.endorsements = std::move(*e);
  }
  collateral::OfflineDirProvider provider(a.collateral.empty() ? "/nonexistent" : a.collateral);
  FixedClock clock(at);
  evidence::VerifyContext ctx{clock, provider, config.anchors};
  auto claims = (*verifier)->Verify(ev, ctx);
  if (!claims) return Fail(claims.error(), 1);
  std::cout << nlohmann::json{{"valid", true}, {"claims", claims->ToJsonObject()}}.dump(2)
            << std::endl;
  return 0;
}

}  // namespace attest::cli
