#include "evidence/azure_cvm/cvm_verifier.h"

#include <algorithm>

#include "base/encoding.h"
#include "base/reasons.h"
#include "claims/claim_names.h"
#include "evidence/azure_cvm/ak_trust.h"
#include "evidence/azure_cvm/hcl_report.h"
#include "evidence/azure_cvm/isolation_evidence.h"
#include "evidence/azure_cvm/variable_data.h"
#include "evidence/tpm/tpm_claims.h"

namespace attest::evidence::azure_cvm {
namespace {

constexpr std::string_view kPass = "pass";
constexpr std::string_view kFail = "fail";
constexpr std::string_view kNotChecked = "not-checked";

class Checks {
 public:
  // Records `s` under `name`; remembers the first failure in the order of `Precedence`.
  void Record(std::string_view name, const Status& s) {
    CvmCheck c{std::string(name), std::string(s.ok() ? kPass : kFail), s.reason(), s.message()};
    checks_.push_back(std::move(c));
    if (!s.ok()) {
      failures_.push_back({std::string(name), s});
    }
  }
  void Skip(std::string_view name, std::string why) {
    checks_.push_back({std::string(name), std::string(kNotChecked), "", std::move(why)});
  }
  // The failure to answer with: the first in spec order (the hardware evidence before the
  // bindings that rest on it, the bindings before the vTPM quote that rests on them).
  Status FirstFailure() const {
    static constexpr std::string_view kOrder[] = {kCheckHclReport,
                                                  kCheckIsolationEvidence,
                                                  kCheckVariableDataBinding,
                                                  kCheckTdQuoteMatchesTdReport,
                                                  kCheckVariableData,
                                                  kCheckVtpmQuote,
                                                  kCheckAkTrust};
    for (std::string_view name : kOrder) {
      for (const auto& [n, s] : failures_) {
        if (n == name) {
          return s;
        }
      }
    }
    return Status::Ok();
  }
  nlohmann::json ToJson() const {
    nlohmann::json out = nlohmann::json::object();
    for (const CvmCheck& c : checks_) {
      if (c.result == kPass) {
        out[c.name] = c.result;
      } else {
        nlohmann::json j = {{"result", c.result}, {"message", c.message}};
        if (!c.reason.empty()) {
          j["reason"] = c.reason;
        }
        out[c.name] = std::move(j);
      }
    }
    return out;
  }
  std::vector<CvmCheck> Take() { return std::move(checks_); }

 private:
  std::vector<CvmCheck> checks_;
  std::vector<std::pair<std::string, Status>> failures_;
};

nlohmann::json HeaderJson(const HclReport& r) {
  return {{"version", r.version},
          {"report_size", r.report_size},
          {"request_type", r.request_type},
          {"status", r.status},
          {"report_type", r.report_type == HclReportType::kTdx ? "tdx" : "sevsnp"},
          {"report_data_hash_type", r.hash_type == HclHashType::kSha512   ? "sha512"
                                    : r.hash_type == HclHashType::kSha384 ? "sha384"
                                                                          : "sha256"},
          {"variable_data_size", r.variable_data.size()}};
}

}  // namespace

CvmOutcome VerifyCvm(const CvmEvidence& in, const VerifyContext& context,
                     const DcapOptions& dcap_options) {
  CvmOutcome out;
  Checks checks;
  nlohmann::json verdict;

  // spec/azure-cvm.md §5 step 1.
  auto hcl = ParseHclReport(in.hcl_report);
  checks.Record(kCheckHclReport, hcl ? Status::Ok() : hcl.error());
  if (!hcl) {
    for (std::string_view name : {kCheckIsolationEvidence, kCheckVariableDataBinding,
                                  kCheckVariableData, kCheckVtpmQuote, kCheckAkTrust}) {
      checks.Skip(name, "the HCL report does not parse");
    }
    out.status = checks.FirstFailure();
    verdict["checks"] = checks.ToJson();
    out.verdict = std::move(verdict);
    out.checks = checks.Take();
    return out;
  }
  verdict["hcl"] = HeaderJson(*hcl);
  const bool tdx = hcl->report_type == HclReportType::kTdx;

  // Steps 2-3 (SNP) / §7 steps 3-4 (TDX): the hardware evidence, by its vendor's verifier.
  std::optional<IsolationResult> isolation;
  if (tdx && !in.td_quote) {
    checks.Record(kCheckIsolationEvidence,
                  Status::InvalidEvidence(reason::kHclReportUnsupported,
                                          "a TDX HCL report is verifiable only with its TD quote "
                                          "(the TDREPORT is MAC-bound to its platform)"));
  } else {
    IsolationEvidence iso;
    iso.type = tdx ? IsolationType::kTdx : IsolationType::kSevSnp;
    iso.hardware_evidence = tdx ? ByteSpan(*in.td_quote) : hcl->hardware_report;
    iso.cert_chain = in.snp_cert_chain;
    iso.variable_data = hcl->variable_data;
    iso.hash_type = hcl->hash_type;
    if (tdx) {
      iso.td_report = hcl->hardware_report;
    }
    auto verified = VerifyIsolationEvidence(iso, context, dcap_options);
    // VerifyIsolationEvidence checks the bindings only after the hardware evidence verified:
    // a binding failure means the hardware part held, and the binding's own check below
    // reports it (once).
    const bool binding_failure =
        !verified && (verified.error().reason() == reason::kHclVariableDataMismatch ||
                      verified.error().reason() == reason::kHclVariableDataInvalid ||
                      verified.error().reason() == reason::kHclTdQuoteMismatch);
    checks.Record(kCheckIsolationEvidence,
                  verified || binding_failure ? Status::Ok() : verified.error());
    if (verified) {
      verdict["isolation"] = verified->verdict;
      isolation = std::move(*verified);
    }
  }

  // Step 4 / §7 step 5, on the report_data the HCL report carries: reported on its own so
  // that a verdict says whether the binding held even when the hardware evidence could not be
  // verified (VerifyIsolationEvidence repeats it on the verified report_data).
  checks.Record(kCheckVariableDataBinding,
                CheckVariableDataBinding(*hcl, HardwareReportData(*hcl)));
  if (tdx) {
    if (in.td_quote) {
      checks.Record(kCheckTdQuoteMatchesTdReport,
                    CheckTdQuoteMatchesTdReport(*in.td_quote, hcl->hardware_report));
    } else {
      checks.Skip(kCheckTdQuoteMatchesTdReport, "no TD quote was given");
    }
  }

  // Step 5: the AK.
  auto vars = ParseHclVariableData(hcl->variable_data);
  checks.Record(kCheckVariableData, vars ? Status::Ok() : vars.error());

  // Step 6: the vTPM quote, with HCLAkPub, through the TPM quote verifier.
  std::optional<tpm::Quote> quote;
  if (!vars) {
    checks.Skip(kCheckVtpmQuote, "no attestation key: the variable data does not parse");
    checks.Skip(kCheckAkTrust, "no attestation key: the variable data does not parse");
  } else {
    if (!in.quote) {
      checks.Skip(kCheckVtpmQuote, "no vTPM quote was given: only the HCL report is checked");
    } else {
      tpm::AkPublic ak = tpm::AkFromKey(vars->ak_public.get());
      auto q = tpm::VerifyQuote(in.quote->attest, in.quote->signature, ak, in.quote->nonce,
                                in.quote->pcrs.empty() ? nullptr : &in.quote->pcrs);
      checks.Record(kCheckVtpmQuote, q ? Status::Ok() : q.error());
      if (q) {
        quote = std::move(*q);
      }
    }
    // Step 7 (optional freshness through user-data, trustee evidence v2): reported, not
    // required — most attesters leave user-data zero.
    if (in.quote && !in.quote->nonce.empty() && vars->user_data) {
      const Bytes& ud = *vars->user_data;
      const Bytes& n = in.quote->nonce;
      verdict[std::string(kCheckUserDataNonce)] =
          n.size() <= ud.size() && std::equal(n.begin(), n.end(), ud.begin());
    }
    auto trust = EstablishAzureAkTrust(vars->ak_public.get(), nullptr, in.ak_certificates,
                                       context.anchors, context.clock.Now());
    checks.Record(kCheckAkTrust, trust ? Status::Ok() : trust.error());
    if (trust) {
      verdict["ak_trust"] = trust->verdict;
    }
  }
  verdict["scope"] = in.quote ? "hcl-report-and-vtpm-quote" : "hcl-report-only";
  out.status = checks.FirstFailure();
  verdict["checks"] = checks.ToJson();
  out.checks = checks.Take();

  if (out.status.ok() && isolation && vars) {
    namespace c = claims;
    out.claims.Add(std::string(c::kIsolationTee), isolation->tee);
    const std::string mode = verdict["ak_trust"]["mode"].get<std::string>();
    if (quote) {
      tpm::AkPublic ak = tpm::AkFromKey(vars->ak_public.get());
      claims::ClaimSet t =
          tpm::TpmClaims(ak,
                         mode == kAkTrustAzureCertificate ? tpm::AkTrustMode::kCertificate
                                                          : tpm::AkTrustMode::kAsPresented,
                         in.quote->pcrs, nullptr);
      t.Set("x-ms-tpm-ak-trust", mode);
      for (const claims::Claim& claim : t.claims()) {
        out.claims.Set(claim.type, claim.value);
      }
      out.claims.Add("x-ms-tpm-quote-nonce", HexEncode(quote->extra_data));
    }
    const nlohmann::json& config = vars->claims.value("vm-configuration", nlohmann::json());
    if (config.is_object() && config.contains("vmUniqueId") && config["vmUniqueId"].is_string()) {
      out.claims.Add(std::string(c::kAzureVmVmId), config["vmUniqueId"]);
    }
    out.claims.Add(std::string(c::kAttestdAzureCvm), verdict);
  }
  out.verdict = std::move(verdict);
  return out;
}

}  // namespace attest::evidence::azure_cvm
