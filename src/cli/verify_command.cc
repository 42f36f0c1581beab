// attestctl verify: offline verification of evidence against a collateral directory.
//
//   attestctl verify --type TYPE --evidence FILE --collateral DIR|BUNDLE   (TYPE: verifiable types of
//                    the registry: sgx|openenclave|tdx)
//                    [--at TIME] [--runtime-data FILE [--runtime-data-json]]
//                    [--endorsements FILE] [--allow-missing-pck-crl]
//   attestctl verify --type sevsnp --evidence REPORT --collateral DIR [--at TIME]
//                    [--runtime-data FILE [--runtime-data-json]] [--init-time-data FILE]
//                    [--uvm-endorsement FILE]                       (verify_snp_command.cc)
//   attestctl verify --type azure-cvm --hcl-report HCL --collateral DIR [--td-quote FILE]
//                    [--quote ATTEST --signature SIG [--signature-format rsassa-sha256]
//                     --pcrs PCRS.json [--nonce HEX]] [--ak-cert FILE] [--at TIME]
//                                                                   (verify_cvm_command.cc)
//
// Prints one JSON object: {"valid":true,"claims":{...}} (exit 0) or
// {"valid":false,"error":{"code","reason","message"[,"category"]}} (exit 1); usage errors
// exit 2.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "base/encoding.h"
#include "base/file.h"
#include "base/reasons.h"
#include "base/time.h"
#include "cli/commands.h"
#include "cli/verify_cvm.h"
#include "cli/verify_snp.h"
#include "cli/tpm_commands.h"
#include "collateral/bundle_provider.h"
#include "collateral/offline_dir_provider.h"
#include "evidence/registry.h"

namespace attest::cli {
namespace {

struct VerifyArgs {
  std::string type;
  std::string evidence;
  std::string collateral;
  std::string at;
  std::string runtime_data;
  bool runtime_data_json = false;
  std::string endorsements;
  bool allow_missing_pck_crl = false;
  SnpVerifyArgs snp;
};

nlohmann::json ErrorJson(const Status& s) {
  nlohmann::json e = {{"code", std::string(StatusCodeName(s.code()))},
                      {"reason", s.reason()},
                      {"message", s.message()}};
  if (!s.category().empty()) e["category"] = s.category();
  return e;
}

// Evidence is often published as text: a file that is entirely hex, or base64 / base64url
// (whitespace ignored), is decoded; anything else is taken as the binary evidence. Binary
// quotes and OE containers start with small integers, never with text.
Bytes DecodeTextEvidence(Bytes blob) {
  std::string text;
  for (uint8_t b : blob) {
    if (b == ' ' || b == '\n' || b == '\r' || b == '\t') continue;
    if (b < 0x21 || b > 0x7e) return blob;
    text += static_cast<char>(b);
  }
  if (text.empty()) return blob;
  if (auto hex = HexDecode(text)) return std::move(*hex);
  while (!text.empty() && text.back() == '=') text.pop_back();
  if (text.find_first_of("-_") != std::string::npos) {
    if (auto b64u = Base64UrlDecode(text)) return std::move(*b64u);
  } else if (auto b64 = Base64Decode(text)) {
    return std::move(*b64);
  }
  return blob;
}

int PrintFailure(const Status& s, int exit_code) {
  nlohmann::json out = {{"valid", false}, {"error", ErrorJson(s)}};
  std::cout << out.dump(2) << std::endl;
  return exit_code;
}

int RunVerify(const VerifyArgs& a) {
  auto type = evidence::ParseAttestationType(a.type);
  if (!type) return PrintFailure(type.error(), 2);
  if (*type == AttestationType::kSevSnpVm) {
    return RunVerifySnp({a.evidence, a.collateral, a.at, a.runtime_data, a.runtime_data_json,
                         a.snp.init_time_data, a.snp.uvm_endorsement});
  }
  evidence::VerifierConfig config;
  config.dcap.allow_missing_pck_crl = a.allow_missing_pck_crl;
  auto verifier = evidence::MakeVerifier(*type, config);
  if (!verifier) {
    return PrintFailure(Status::InvalidArgument(reason::kAttestationTypeUnsupported,
                                                "no verifier for type '" + a.type + "'"),
                        2);
  }
  if (a.evidence.empty()) {
    return PrintFailure(Status::InvalidArgument("USAGE", "--evidence FILE is required"), 2);
  }
  if (a.collateral.empty() && a.endorsements.empty()) {
    return PrintFailure(Status::InvalidArgument(reason::kUsage, "--collateral DIR is required"), 2);
  }
  UnixTime at = SystemClock::Get().Now();
  if (!a.at.empty()) {
    auto t = ParseRfc3339(a.at);
    if (!t) return PrintFailure(t.error().WithContext("--at"), 2);
    at = *t;
  }
  evidence::Evidence ev;
  ev.type = *type;
  // Read one byte past the cap so an oversized file is reported as evidence, not usage.
  auto blob = ReadFileBytes(a.evidence, evidence::kMaxEvidenceSize);
  if (!blob) {
    if (blob.error().reason() == reason::kFileTooLarge) {
      return PrintFailure(
          Status::InvalidEvidence(reason::kEvidenceTooLarge, blob.error().message()), 1);
    }
    return PrintFailure(blob.error().WithContext("--evidence"), 2);
  }
  ev.blob = DecodeTextEvidence(std::move(*blob));
  if (!a.runtime_data.empty()) {
    auto rd = ReadFileBytes(a.runtime_data, evidence::kMaxEvidenceSize);
    if (!rd) return PrintFailure(rd.error().WithContext("--runtime-data"), 2);
    ev.runtime_data = evidence::BoundData{std::move(*rd), a.runtime_data_json
                                                              ? evidence::BoundData::Kind::kJson
                                                              : evidence::BoundData::Kind::kBinary};
  }
  if (!a.endorsements.empty()) {
    auto e = ReadFileBytes(a.endorsements, evidence::kMaxEvidenceSize);
    if (!e) return PrintFailure(e.error().WithContext("--endorsements"), 2);
    ev.endorsements = std::move(*e);
  }
  FixedClock clock(at);
  collateral::OfflineDirProvider directory(a.collateral.empty() ? "/nonexistent" : a.collateral);
  collateral::CollateralProvider* provider = &directory;
  // A bundle (attestctl collateral fetch/export): exactly its items, checked, judged at --at.
  std::unique_ptr<collateral::OnlineCollateralProvider> bundle;
  if (!a.collateral.empty() && collateral::IsCollateralBundle(a.collateral)) {
    collateral::LoadReport report;
    auto opened = collateral::OpenBundleProvider(a.collateral, config.anchors, &report);
    if (!opened) return PrintFailure(opened.error().WithContext("--collateral"), 2);
    for (const std::string& r : report.rejected_reasons) {
      std::cerr << "collateral bundle item rejected: " << r << "\n";
    }
    bundle = std::move(*opened);
    provider = bundle.get();
  }
  evidence::VerifyContext ctx{clock, *provider, config.anchors};
  auto claims = (*verifier)->Verify(ev, ctx);
  if (!claims) return PrintFailure(claims.error(), 1);
  nlohmann::json out = {{"valid", true}, {"claims", claims->ToJsonObject()}};
  std::cout << out.dump(2) << std::endl;
  return 0;
}

}  // namespace

void RegisterVerifyCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<VerifyArgs>();
  CLI::App* cmd = app.add_subcommand("verify", "Verify evidence offline against collateral");
  cmd->add_option("--type", args->type, "sgx | openenclave | tdx | sevsnp | tpm | azure-cvm")
      ->required();
  cmd->add_option("--evidence", args->evidence, "Evidence file (quote, OE report or evidence)");
  cmd->add_option("--collateral", args->collateral,
                  "Collateral directory (Intel PCS formats, vectors layout) or a collateral "
                  "bundle (directory or tar)");
  cmd->add_option("--at", args->at,
                  "RFC 3339 time at which collateral and certificates are judged (default: now)");
  cmd->add_option("--runtime-data", args->runtime_data,
                  "Runtime data whose SHA-256 must equal report_data[0:32]");
  cmd->add_flag("--runtime-data-json", args->runtime_data_json, "Runtime data is JSON");
  cmd->add_option("--endorsements", args->endorsements,
                  "Open Enclave endorsements (oe_endorsements_t) to use as collateral");
  AddSnpVerifyOptions(cmd, &args->snp);
  cmd->add_flag("--allow-missing-pck-crl", args->allow_missing_pck_crl,
                "Skip the PCK revocation check when no PCK CRL is available");
  auto tpm_args = AddTpmVerifyOptions(cmd);
  auto cvm_args = AddCvmVerifyOptions(cmd);
  CLI::Option* signature_format = cmd->get_option("--signature-format");
  cmd->callback([args, tpm_args, cvm_args, signature_format, exit_code] {
    if (IsCvmVerifyType(args->type)) {
      *exit_code = RunCvmVerify(*cvm_args, *tpm_args, signature_format->count() > 0,
                                args->collateral, args->at);
      return;
    }
    *exit_code = IsTpmVerifyType(args->type) ? RunTpmVerify(*tpm_args, args->at) : RunVerify(*args);
  });
}

}  // namespace attest::cli
