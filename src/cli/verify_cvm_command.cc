// attestctl verify --type azure-cvm: offline verification of an Azure confidential VM's HCL
// report and vTPM quote (issue 11 item 6).
//
//   attestctl verify --type azure-cvm --hcl-report HCL --collateral DIR [--td-quote FILE]
//       [--quote ATTEST --signature SIG [--signature-format rsassa-sha256|tpmt]
//        --pcrs PCRS.json [--nonce HEX]] [--ak-cert FILE] [--at TIME]
//
// DIR holds the SNP chain (vcek_chain.pem, or vcek.der/vcek.pem + ask_ark.pem) or Intel
// collateral (or is a collateral bundle). Without --quote only the HCL part is checked, and the
// verdict's scope says so. Output: {"valid":true,"claims":{...},"verdict":{...}} (exit 0) or
// {"valid":false,"error":{...},"verdict":{...}} (exit 1); usage errors exit 2.
#include <iostream>
#include <nlohmann/json.hpp>

#include "base/encoding.h"
#include "base/file.h"
#include "base/reasons.h"
#include "base/time.h"
#include "cli/verify_cvm.h"
#include "collateral/bundle_provider.h"
#include "collateral/offline_dir_provider.h"
#include "crypto/x509.h"
#include "evidence/azure_cvm/cvm_verifier.h"
#include "evidence/azure_cvm/hcl_report.h"
#include "evidence/tpm/pcr_values_json.h"

namespace attest::cli {
namespace {

constexpr size_t kMaxInputFile = 1024 * 1024;

nlohmann::json ErrorJson(const Status& s) {
  nlohmann::json e = {{"code", std::string(StatusCodeName(s.code()))},
                      {"reason", s.reason()},
                      {"message", s.message()}};
  if (!s.category().empty()) {
    e["category"] = s.category();
  }
  return e;
}

int Usage(const Status& s) {
  std::cout << nlohmann::json{{"valid", false}, {"error", ErrorJson(s)}}.dump(2) << std::endl;
  return 2;
}

// A raw RSASSA signature unless the bytes are a TPMT_SIGNATURE (spec/azure-cvm.md §5 step 6:
// the Azure tooling sends the raw 256 bytes; a full TPMT_SIGNATURE starts 00 14 00 0B).
StatusOr<evidence::tpm::Signature> ReadSignature(const Bytes& bytes, const std::string& format,
                                                 bool format_given) {
  if (format_given && format == "tpmt") {
    return evidence::tpm::ParseSignature(bytes);
  }
  if (format_given && format != "rsassa-sha256") {
    return Err(
        Status::InvalidArgument(reason::kUsage, "--signature-format: rsassa-sha256 or tpmt"));
  }
  if (!format_given) {
    auto tpmt = evidence::tpm::ParseSignature(bytes);
    if (tpmt) {
      return tpmt;
    }
  }
  return evidence::tpm::RawRsassaSignature(bytes, evidence::tpm::kAlgSha256);
}

StatusOr<std::vector<crypto::Certificate>> ReadCertificates(const std::string& path) {
  ATTEST_ASSIGN_OR_RETURN(Bytes data, ReadFileBytes(path, kMaxInputFile));
  std::string_view text = AsChars(data);
  if (text.find("-----BEGIN CERTIFICATE-----") != std::string_view::npos) {
    return crypto::Certificate::ParsePemChain(text, 16);
  }
  ATTEST_ASSIGN_OR_RETURN(crypto::Certificate cert, crypto::Certificate::FromDer(data));
  return std::vector<crypto::Certificate>{std::move(cert)};
}

}  // namespace

bool IsCvmVerifyType(std::string_view type) {
  return type == "azure-cvm" || type == "azurecvm" || type == "AzureCvm";
}

std::shared_ptr<CvmVerifyArgs> AddCvmVerifyOptions(CLI::App* verify) {
  auto a = std::make_shared<CvmVerifyArgs>();
  verify->add_option("--hcl-report", a->hcl_report,
                     "azure-cvm: HCL report (vTPM NV 0x01400001 contents)");
  verify->add_option("--td-quote", a->td_quote, "azure-cvm: the TD quote of a TDX HCL report");
  verify->add_option("--ak-cert", a->ak_cert,
                     "azure-cvm: Azure vTPM AK certificate (NV 0x01C101D0) and intermediates, "
                     "DER or PEM");
  return a;
}

int RunCvmVerify(const CvmVerifyArgs& a, const TpmVerifyArgs& t, bool signature_format_given,
                 const std::string& collateral_path, const std::string& at_text) {
  using namespace evidence::azure_cvm;
  if (a.hcl_report.empty()) {
    return Usage(Status::InvalidArgument(reason::kUsage, "--type azure-cvm needs --hcl-report"));
  }
  if (!t.quote.empty() && (t.signature.empty() || t.pcrs.empty())) {
    return Usage(Status::InvalidArgument(reason::kUsage,
                                         "--quote needs --signature and --pcrs (the quoted PCR "
                                         "values)"));
  }
  if (t.quote.empty() && (!t.signature.empty() || !t.pcrs.empty() || !t.nonce.empty())) {
    return Usage(
        Status::InvalidArgument(reason::kUsage, "--signature, --pcrs and --nonce need --quote"));
  }
  UnixTime at = SystemClock::Get().Now();
  if (!at_text.empty()) {
    auto parsed = ParseRfc3339(at_text);
    if (!parsed) {
      return Usage(parsed.error().WithContext("--at"));
    }
    at = *parsed;
  }
  CvmEvidence ev;
  auto hcl = ReadFileBytes(a.hcl_report, kHclMaxBufferSize);
  if (!hcl) {
    return Usage(hcl.error().WithContext("--hcl-report"));
  }
  ev.hcl_report = std::move(*hcl);
  if (!a.td_quote.empty()) {
    auto q = ReadFileBytes(a.td_quote, evidence::kMaxEvidenceSize);
    if (!q) {
      return Usage(q.error().WithContext("--td-quote"));
    }
    ev.td_quote = std::move(*q);
  }
  if (!a.ak_cert.empty()) {
    auto certs = ReadCertificates(a.ak_cert);
    if (!certs) {
      return Usage(certs.error().WithContext("--ak-cert"));
    }
    ev.ak_certificates = std::move(*certs);
  }
  if (!t.quote.empty()) {
    VtpmQuote q;
    auto attest = ReadFileBytes(t.quote, kMaxInputFile);
    if (!attest) {
      return Usage(attest.error().WithContext("--quote"));
    }
    q.attest = std::move(*attest);
    auto sig_bytes = ReadFileBytes(t.signature, kMaxInputFile);
    if (!sig_bytes) {
      return Usage(sig_bytes.error().WithContext("--signature"));
    }
    auto sig = ReadSignature(*sig_bytes, t.signature_format, signature_format_given);
    if (!sig) {
      if (sig.error().code() == StatusCode::kInvalidArgument) {
        return Usage(sig.error());
      }
      std::cout << nlohmann::json{{"valid", false}, {"error", ErrorJson(sig.error())}}.dump(2)
                << std::endl;
      return 1;
    }
    q.signature = std::move(*sig);
    for (const std::string& path : t.pcrs) {
      auto text = ReadFileText(path, kMaxInputFile);
      if (!text) {
        return Usage(text.error().WithContext("--pcrs"));
      }
      Status s = evidence::tpm::ParsePcrValuesJson(*text, q.pcrs);
      if (!s.ok()) {
        return Usage(s.WithContext("--pcrs " + path));
      }
    }
    if (!t.nonce.empty()) {
      auto n = HexDecode(t.nonce);
      if (!n) {
        return Usage(n.error().WithContext("--nonce"));
      }
      q.nonce = std::move(*n);
    }
    ev.quote = std::move(q);
  }

  evidence::VerifierConfig config;
  FixedClock clock(at);
  collateral::OfflineDirProvider directory(collateral_path.empty() ? "/nonexistent"
                                                                   : collateral_path);
  collateral::CollateralProvider* provider = &directory;
  std::unique_ptr<collateral::OnlineCollateralProvider> bundle;
  if (!collateral_path.empty() && collateral::IsCollateralBundle(collateral_path)) {
    collateral::LoadReport report;
    auto opened = collateral::OpenBundleProvider(collateral_path, config.anchors, &report);
    if (!opened) {
      return Usage(opened.error().WithContext("--collateral"));
    }
    bundle = std::move(*opened);
    provider = bundle.get();
  }
  evidence::VerifyContext ctx{clock, *provider, config.anchors};
  CvmOutcome outcome = VerifyCvm(ev, ctx, config.dcap);
  nlohmann::json out = {{"valid", outcome.status.ok()}};
  if (outcome.status.ok()) {
    out["claims"] = outcome.claims.ToJsonObject();
  } else {
    out["error"] = ErrorJson(outcome.status);
  }
  out["verdict"] = outcome.verdict;
  std::cout << out.dump(2) << std::endl;
  return outcome.status.ok() ? 0 : 1;
}

}  // namespace attest::cli
