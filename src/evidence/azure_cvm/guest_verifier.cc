#include "evidence/azure_cvm/guest_verifier.h"

#include <algorithm>

#include "base/encoding.h"
#include "base/reasons.h"
#include "claims/claim_names.h"
#include "crypto/jwk.h"
#include "evidence/azure_cvm/ak_trust.h"
#include "evidence/azure_cvm/guest_request.h"
#include "evidence/azure_cvm/isolation_evidence.h"
#include "evidence/azure_cvm/sealed_answer.h"
#include "evidence/azure_cvm/variable_data.h"
#include "evidence/tpm/ak_trust.h"
#include "evidence/tpm/certify.h"
#include "evidence/tpm/event_log.h"
#include "evidence/tpm/quote_verifier.h"
#include "evidence/tpm/tpm_claims.h"

namespace attest::evidence::azure_cvm {
namespace {

using tpm::AkPublic;
using tpm::PcrValues;

Status Invalid(const char* reason, std::string message) {
  return Status::InvalidEvidence(reason, std::move(message));
}

// AikPub: a TPM2B_PUBLIC; the Python tool sends ReadPublic's whole response (the public area
// followed by its name and qualified name, at most two TPM2B_NAMEs more).
StatusOr<AkPublic> ParseAikPub(ByteSpan in) {
  if (in.size() > 2) {
    const size_t n = (size_t{in[0]} << 8) | in[1];
    if (n + 2 < in.size() && in.size() - (n + 2) <= 2 * (2 + 2 + 64)) {
      return tpm::ParseTpmtPublic(in.subspan(2, n));
    }
  }
  return tpm::ParseTpmPublic(in);
}

// PcrSignature / EncKeyCertifyInfoSignature: the clients send the raw RSASSA signature; a
// TPMT_SIGNATURE is accepted too.
tpm::Signature ParseGuestSignature(ByteSpan sig, const AkPublic& ak) {
  if (auto parsed = tpm::ParseSignature(sig); parsed.has_value()) return *parsed;
  return tpm::RawRsassaSignature(sig, ak.scheme_hash.value_or(tpm::kAlgSha256));
}

}  // namespace

AzureGuestVerifier::AzureGuestVerifier(const VerifierConfig& config)
    : tpm_(config.tpm), dcap_(config.dcap) {}

StatusOr<claims::ClaimSet> AzureGuestVerifier::Verify(const Evidence& evidence,
                                                      const VerifyContext& context) const {
  ATTEST_ASSIGN_OR_RETURN(AzureGuestRequest req, ParseAttestationInfo(evidence.blob));
  claims::ClaimSet out;
  nlohmann::json verdict = {{"isolation", std::string(IsolationTypeName(req.isolation.type))}};

  // 1. Isolation evidence (isolation_evidence.h): the hardware report verified by its vendor's
  //    verifier, RunTimeData bound to it, then parsed.
  std::optional<HclVariableData> variable_data;
  if (req.isolation.type != GuestIsolationType::kTrustedLaunch) {
    const bool snp = req.isolation.type == GuestIsolationType::kSevSnp;
    IsolationEvidence in;
    in.type = snp ? IsolationType::kSevSnp : IsolationType::kTdx;
    in.hardware_evidence = snp ? ByteSpan(req.isolation.snp_report) : ByteSpan(req.isolation.td_quote);
    in.cert_chain = AsBytes(req.isolation.vcek_cert_chain);
    in.variable_data = req.isolation.runtime_data;
    ATTEST_ASSIGN_OR_RETURN(IsolationResult iso, VerifyIsolationEvidence(in, context, dcap_));
    out.Set(claims::kIsolationTee, std::move(iso.tee));
    variable_data = std::move(iso.variable_data);
    const nlohmann::json& vm = variable_data->claims;
    if (vm.contains("vm-configuration") && vm["vm-configuration"].is_object() &&
        vm["vm-configuration"].contains("vmUniqueId") &&
        vm["vm-configuration"]["vmUniqueId"].is_string()) {
      out.Set("x-ms-azurevm-vmid", vm["vm-configuration"]["vmUniqueId"]);
    }
  }

  // 2. The attestation key and why it is trusted.
  AkPublic ak;
  std::optional<AkPublic> aik_pub;
  if (!req.tpm.aik_pub.empty()) {
    auto parsed = ParseAikPub(req.tpm.aik_pub);
    if (!parsed.has_value()) return Err(parsed.error().WithContext("TpmInfo.AikPub"));
    aik_pub = std::move(*parsed);
  }
  std::vector<crypto::Certificate> presented;
  if (!req.tpm.aik_cert.empty()) {
    auto cert = crypto::Certificate::FromDer(req.tpm.aik_cert);
    if (!cert.has_value()) {
      return Err(Invalid("TPM_AK_CERT_CHAIN_INVALID", "TpmInfo.AikCert is not a DER certificate"));
    }
    presented.push_back(std::move(*cert));
  }
  if (variable_data.has_value()) {
    // The AK is HCLAkPub (AikPub, when sent, must be the same key: HCL_AK_MISMATCH); an Azure
    // vTPM AK certificate chained to Microsoft's root upgrades the trust (ak_trust.h).
    ATTEST_ASSIGN_OR_RETURN(
        AzureAkTrust trust,
        EstablishAzureAkTrust(variable_data->ak_public.get(), aik_pub ? &*aik_pub : nullptr,
                              presented, context.anchors, context.clock.Now()));
    ak = aik_pub ? *aik_pub : tpm::AkFromKey(variable_data->ak_public.get());
    verdict["ak-trust"] = trust.mode;
  } else {
    if (!aik_pub.has_value()) {
      return Err(Invalid("TPM_AK_MALFORMED",
                         "a Trusted Launch VM must send TpmInfo.AikPub (and its AikCert)"));
    }
    ak = *aik_pub;
    ATTEST_ASSIGN_OR_RETURN(tpm::AkTrustMode mode,
                            tpm::EstablishAkTrust(ak, presented, tpm_.ak_trust, context.clock.Now()));
    verdict["ak-trust"] = std::string(tpm::AkTrustModeName(mode));
  }
  ATTEST_RETURN_IF_ERROR(tpm::CheckAkAttributes(ak));

  // 3. The quote: empty qualifying data, over exactly PcrSet, with the values of PCRs.
  PcrValues pcrs;
  for (const GuestPcr& p : req.tpm.pcrs) pcrs[tpm::kAlgSha256][p.index] = p.digest;
  tpm::QuoteVerifyOptions options;
  options.allow_sha1_signatures = tpm_.allow_sha1_signatures;
  ATTEST_ASSIGN_OR_RETURN(tpm::Quote quote,
                          tpm::VerifyQuote(req.tpm.pcr_quote, ParseGuestSignature(req.tpm.pcr_signature, ak),
                                           ak, {}, &pcrs, options));
  std::vector<uint32_t> quoted;
  for (const tpm::PcrSelection& sel : quote.selections) {
    if (sel.hash == tpm::kAlgSha256) quoted = sel.pcrs;
  }
  std::vector<uint32_t> declared = req.tpm.pcr_set;
  std::sort(declared.begin(), declared.end());
  if (declared != quoted) {
    return Err(Invalid("TPM_PCR_VALUES_NOT_QUOTED",
                       "TpmInfo.PcrSet does not list exactly the PCRs of the quote's SHA-256 bank"));
  }

  // 4. The TCG log, replayed against the quoted PCRs.
  std::optional<tpm::EventLog> log;
  if (!req.tcg_logs.empty()) {
    ATTEST_ASSIGN_OR_RETURN(log, tpm::ParseEventLog(req.tcg_logs));
    ATTEST_ASSIGN_OR_RETURN(tpm::ReplayedPcrs replayed, tpm::ReplayEventLog(*log));
    ATTEST_RETURN_IF_ERROR(tpm::CompareReplay(replayed, pcrs));
  }
  verdict["eventlog"] = log.has_value() ? "replayed" : "absent";

  // 5. The sealing key: certified by the AK, usable only in the quoted PCR state.
  ATTEST_ASSIGN_OR_RETURN(
      tpm::CertifiedKey sealing,
      tpm::VerifyPcrBoundEncryptionKey(req.tpm.enc_key_pub, req.tpm.enc_key_certify_info,
                                       ParseGuestSignature(req.tpm.enc_key_certify_info_signature, ak),
                                       ak, req.tpm.pcr_quote, pcrs, options));

  // Claims (reference token azure-cvm/reference-maa-token-azurevm-sevsnp, docs/claims.md).
  claims::ClaimSet tpm_claims = tpm::TpmClaims(ak, tpm::AkTrustMode::kRegisteredKey, pcrs,
                                               log.has_value() ? &*log : nullptr);
  if (const nlohmann::json* sb = tpm_claims.FindValue("secureBootEnabled")) {
    out.Set("secureboot", *sb);
  }
  out.Set("x-ms-azurevm-attestation-protocol-ver", req.protocol_version);
  out.Set("x-ms-azurevm-attested-pcrs", quoted);
  out.Set("x-ms-azurevm-ostype", req.os_type);
  out.Set("x-ms-azurevm-osdistro", req.os_distro);
  out.Set("x-ms-azurevm-osbuild", req.os_build);
  out.Set("x-ms-azurevm-osversion-major", req.os_version_major);
  out.Set("x-ms-azurevm-osversion-minor", req.os_version_minor);
  out.Set("x-ms-azurevm-is-windows", req.os_type == "Windows");
  if (log.has_value()) {
    // The Windows boot properties, from the SIPA trust boundaries of the replayed log
    // (tpm/sipa.h). MAA's derivation is not published; attestd's reading is in docs/claims.md.
    // Each claim is emitted only when the log records what it is derived from.
    tpm::WindowsBootState win = tpm::VerifiedWindowsBootState(*log, pcrs);
    if (win.present) {
      auto set = [&out](const char* name, const std::optional<bool>& v) {
        if (v.has_value()) out.Set(name, *v);
      };
      set("x-ms-azurevm-bootdebug-enabled", win.boot_debugging);
      set("x-ms-azurevm-kerneldebug-enabled", win.kernel_debug);
      set("x-ms-azurevm-hypervisordebug-enabled", win.hypervisor_debug);
      set("x-ms-azurevm-testsigning-enabled", win.test_signing);
      set("x-ms-azurevm-flightsigning-enabled", win.flight_signing);
      if (win.boot_debugging && win.kernel_debug) {
        out.Set("x-ms-azurevm-debuggersdisabled",
                !*win.boot_debugging && !*win.kernel_debug && !win.hypervisor_debug.value_or(false));
      }
      if (win.test_signing) {
        out.Set("x-ms-azurevm-signingdisabled",
                !*win.test_signing && !win.flight_signing.value_or(false));
      }
      out.Set("x-ms-azurevm-elam-enabled", win.elam_measured);
      out.Set("x-ms-azurevm-hvci-policy", win.hvci_policy.value_or(0));
      verdict["windows-boot"] = "sipa";
    } else if (!win.reason.empty()) {
      verdict["windows-boot"] = win.reason;
    }
  }
  nlohmann::json payload = nlohmann::json::object();
  for (const auto& [name, value] : req.client_payload) payload[name] = value;
  ATTEST_ASSIGN_OR_RETURN(nlohmann::json jwk, crypto::PublicJwk(sealing.key.get()));
  jwk["kid"] = kEphemeralKeyKid;
  jwk["key_ops"] = {"encrypt"};
  out.Set(claims::kRuntime, {{"client-payload", std::move(payload)}, {"keys", {std::move(jwk)}}});
  out.Set("x-attestd-azurevm", std::move(verdict));
  return out;
}

crypto::EvpPkeyPtr SealingKeyFromClaims(const nlohmann::json& token_claims) {
  auto runtime = token_claims.find(claims::kRuntime);
  if (runtime == token_claims.end() || !runtime->is_object()) return nullptr;
  auto keys = runtime->find("keys");
  if (keys == runtime->end() || !keys->is_array()) return nullptr;
  for (const nlohmann::json& k : *keys) {
    if (k.is_object() && k.value("kid", "") == kEphemeralKeyKid) {
      auto key = crypto::PublicKeyFromJwk(k, "JWK_UNSUPPORTED_KEY");
      if (key.has_value() && EVP_PKEY_get_base_id(key->get()) == EVP_PKEY_RSA) {
        return std::move(*key);
      }
    }
  }
  return nullptr;
}

StatusOr<std::string> SealAnswerToAttestedKey(const std::string& token) {
  const size_t first = token.find('.');
  const size_t second = first == std::string::npos ? first : token.find('.', first + 1);
  if (second == std::string::npos) return Err(Status::Internal("the issued token is not a JWS"));
  auto payload = Base64UrlDecode(std::string_view(token).substr(first + 1, second - first - 1));
  if (!payload.has_value()) return Err(Status::Internal("the issued token's payload is not base64url"));
  nlohmann::json claims_json = nlohmann::json::parse(payload->begin(), payload->end(), nullptr, false);
  crypto::EvpPkeyPtr key = SealingKeyFromClaims(claims_json);
  if (!key) return Err(Status::Internal("the issued AzureGuest token names no sealing key"));
  return SealGuestAnswer(token, key.get());
}

}  // namespace attest::evidence::azure_cvm
