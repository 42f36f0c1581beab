// Azure guest attestation from attestctl (issue 11 item 5):
//
//   attestctl azure-cvm simulate --tcti TCTI --out DIR [--vm-id ID]
//     Makes a swtpm vTPM look like an Azure SEV-SNP CVM's: persists the AK at 0x81000003,
//     writes an HCL report into NV 0x01400001 whose variable data holds the AK (HCLAkPub) and
//     whose SNP report (report_data = SHA-256(variable data)) is signed through the TEST AMD
//     world (src/testing/amd_world.h, keys minted for this run). Writes DIR/vcek_chain.pem
//     (VCEK ‖ ASK ‖ ARK), DIR/hcl_report.bin and DIR/test-anchors.json, the roots a server
//     trusts only with its loopback-only test setting (--test-trust-anchors).
//
//   attestctl attest --type AzureGuest --endpoint URL --tcti TCTI [--cert-chain PEM]
//                    [--client-payload KEY=VALUE]... [--pcrs 0,1,...] [--eventlog FILE]
//                    [--ca FILE] [--api-version V] [--print-request] [--unbound-key]
//     The guest of /attest/AzureGuest as Microsoft's C++ client builds it (maa-real-clients.md
//     §3) against a real Azure vTPM or the simulated one: HCL report from NV 0x01400001 (none:
//     Trusted Launch), AK at 0x81000003, AikCert from NV 0x01C101D0 when defined, a quote of
//     the PCRs (Linux 0-7) with empty qualifying data, the PCR-bound ephemeral key certified by
//     the AK, the TCG log. Unseals the answer with the TPM and prints the JWT.
//     --print-request prints the request body instead of sending it; --unbound-key makes an
//     ephemeral key without the PCR policy (to test that servers refuse it).
#include <openssl/pem.h>

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/encoding.h"
#include "base/file.h"
#include "cli/commands.h"
#include "cli/tpm_commands.h"
#include "cli/tpm_device.h"
#include "client/endpoint_url.h"
#include "client/error_envelope.h"
#include "client/http_transport.h"
#include "crypto/digest.h"
#include "crypto/jwk.h"
#include "evidence/azure_cvm/hcl_report.h"
#include "evidence/azure_cvm/sealed_answer.h"
#include "evidence/tpm/tpm_structures.h"
#include "testing/amd_world.h"
#include "testing/hcl_builder.h"

namespace attest::cli {
namespace {

using nlohmann::json;

constexpr TPM2_HANDLE kAkHandle = 0x81000003;
constexpr TPM2_HANDLE kHclReportIndex = 0x01400001;
constexpr TPM2_HANDLE kAikCertIndex = 0x01C101D0;
constexpr char kDefaultLog[] = "/sys/kernel/security/tpm0/binary_bios_measurements";

int Fail(const Status& status, int exit_code) {
  std::cerr << client::ErrorEnvelopeJson(status) << "\n";
  return exit_code;
}

std::string B64(ByteSpan b) { return Base64Encode(b); }
std::string B64(std::string_view s) { return Base64Encode(AsBytes(s)); }

struct SimulateArgs {
  std::string tcti;
  std::string out;
  std::string vm_id = "6F2D9C1E-3B4A-4C5D-8E7F-901A2B3C4D5E";
};

int RunSimulate(const SimulateArgs& a) {
  TpmDevice tpm;
  if (Status s = tpm.Open(a.tcti); !s.ok()) return Fail(s, 1);
  if (Status s = tpm.UsePersistentAk(kAkHandle, /*create=*/true); !s.ok()) return Fail(s, 1);
  auto ak = evidence::tpm::ParseTpmtPublic(tpm.ak_public());
  if (!ak) return Fail(ak.error(), 1);
  auto jwk = crypto::PublicJwk(ak->key.get());
  if (!jwk) return Fail(jwk.error(), 1);
  (*jwk)["kid"] = "HCLAkPub";
  (*jwk)["key_ops"] = {"sign"};
  // Compact, as the NV index of swtpm holds at most 2048 bytes.
  json var = {{"keys", {*jwk}},
              {"vm-configuration",
               {{"console-enabled", false},
                {"secure-boot", true},
                {"tpm-enabled", true},
                {"tpm-persisted", true},
                {"vmUniqueId", a.vm_id}}},
              {"user-data", std::string(128, '0')}};
  const std::string var_text = var.dump();
  testing::AmdWorld world = testing::AmdWorld::Milan();
  crypto::Sha256Digest digest = crypto::Sha256(AsBytes(var_text));
  world.report.report_data.fill(0);  // SHA-256(variable data) ‖ zeros (spec/azure-cvm.md §5)
  std::copy(digest.begin(), digest.end(), world.report.report_data.begin());
  testing::AmdCase c = world.Build();
  Bytes hcl = testing::BuildHclReport(c.report, var_text);
  if (Status s = tpm.NvWrite(kHclReportIndex, hcl); !s.ok()) return Fail(s, 1);
  for (const auto& [name, data] : std::vector<std::pair<std::string, Bytes>>{
           {"vcek_chain.pem", ToBytes(c.ChainPem())},
           {"hcl_report.bin", hcl},
           {"test-anchors.json", ToBytes(evidence::TestAnchorsJson(c.anchors))}}) {
    if (Status s = WriteFileAtomic(a.out + "/" + name, data, 0644); !s.ok()) return Fail(s, 2);
  }
  std::cout << "simulated Azure SEV-SNP CVM: AK 0x81000003, HCL report (" << hcl.size()
            << " bytes) in NV 0x01400001; " << a.out << "/test-anchors.json holds the TEST roots\n";
  return 0;
}

// /etc/os-release NAME and VERSION_ID ("12" -> 12.0, "22.04" -> 22.4).
void OsRelease(std::string& distro, uint32_t& major, uint32_t& minor) {
  std::ifstream in("/etc/os-release");
  std::string line;
  while (std::getline(in, line)) {
    auto value = [&](std::string_view key) -> std::optional<std::string> {
      if (!line.starts_with(key)) return std::nullopt;
      std::string v = line.substr(key.size());
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      return v;
    };
    if (auto v = value("NAME=")) distro = *v;
    if (auto v = value("VERSION_ID=")) {
      std::istringstream s(*v);
      char dot = 0;
      s >> major;
      if (s >> dot >> minor) {
      }
    }
  }
}

}  // namespace

StatusOr<std::vector<uint32_t>> ParsePcrList(const std::string& text) {
  std::vector<uint32_t> out;
  std::stringstream s(text);
  std::string item;
  while (std::getline(s, item, ',')) {
    if (item.empty() || item.size() > 2 || item.find_first_not_of("0123456789") != std::string::npos ||
        std::stoul(item) > 23) {
      return Err(Status::InvalidArgument("USAGE", "--pcrs must be a comma-separated list of 0-23"));
    }
    out.push_back(static_cast<uint32_t>(std::stoul(item)));
  }
  if (out.empty()) return Err(Status::InvalidArgument("USAGE", "--pcrs names no PCR"));
  return out;
}

bool IsAzureGuestType(std::string_view type) {
  return type == "AzureGuest" || type == "azureguest" || type == "azure-guest";
}

std::shared_ptr<AzureGuestArgs> AddAzureGuestAttestOptions(CLI::App* attest) {
  auto a = std::make_shared<AzureGuestArgs>();
  attest->add_option("--client-payload", a->client_payload,
                     "AzureGuest: KEY=VALUE into ClientPayload (repeatable)");
  attest->add_option("--pcrs", a->pcrs, "AzureGuest, Tpm: PCRs to quote (default AzureGuest 0-7, Tpm 0-23)");
  attest->add_flag("--unbound-key", a->unbound_key,
                   "AzureGuest: ephemeral key without the PCR policy (servers must refuse it)");
  return a;
}

int RunAzureGuestAttest(const AzureGuestArgs& a) {
  if (a.endpoint.empty() && !a.print_request) {
    return Fail(Status::InvalidArgument("USAGE", "--type AzureGuest needs --endpoint"), 2);
  }
  if (a.tcti.empty()) return Fail(Status::InvalidArgument("USAGE", "--type AzureGuest needs --tcti"), 2);
  auto pcrs = ParsePcrList(a.pcrs);
  if (!pcrs) return Fail(pcrs.error(), 2);
  Bytes log;
  std::string log_path = a.eventlog.empty() && FileExists(kDefaultLog) ? kDefaultLog : a.eventlog;
  if (!log_path.empty()) {
    auto l = ReadFileBytes(log_path, 16 * 1024 * 1024);
    if (!l) return Fail(l.error().WithContext("--eventlog"), 2);
    log = std::move(*l);
  }
  std::string chain;
  if (!a.cert_chain.empty()) {
    auto text = ReadFileText(a.cert_chain, 64 * 1024);
    if (!text) return Fail(text.error().WithContext("--cert-chain"), 2);
    chain = std::move(*text);
  }

  TpmDevice tpm;
  if (Status s = tpm.Open(a.tcti); !s.ok()) return Fail(s, 1);
  if (Status s = tpm.UsePersistentAk(kAkHandle, /*create=*/false); !s.ok()) return Fail(s, 1);
  json isolation = {{"Type", "TrustedLaunch"}};
  if (auto hcl = tpm.NvRead(kHclReportIndex); hcl.has_value()) {
    auto report = evidence::azure_cvm::ParseHclReport(*hcl);
    if (!report) return Fail(report.error().WithContext("HCL report in NV 0x01400001"), 1);
    if (report->report_type != evidence::azure_cvm::HclReportType::kSnp) {
      return Fail(Status::InvalidArgument(
                      "USAGE", "a TDX CVM's TD quote comes from the Azure IMDS (/acc/tdquote), "
                               "which attestctl does not call yet"),
                  1);
    }
    json proof = {{"SnpReport", Base64UrlEncode(report->hardware_report)}};
    if (!chain.empty()) proof["VcekCertChain"] = Base64UrlEncode(AsBytes(chain));
    isolation = {{"Type", "SevSnp"},
                 {"Evidence", {{"Proof", B64(proof.dump())}, {"RunTimeData", B64(report->variable_data)}}}};
  }
  Bytes aik_cert = tpm.NvRead(kAikCertIndex).value_or(Bytes{});
  auto quote = tpm.Quote({}, *pcrs);
  if (!quote) return Fail(quote.error(), 1);
  auto quote_sig = evidence::tpm::ParseSignature(quote->second);
  if (!quote_sig) return Fail(quote_sig.error(), 1);
  auto values = tpm.ReadPcrs(*pcrs);
  if (!values) return Fail(values.error(), 1);
  auto enc_key = tpm.CreateEphemeralKey(*pcrs, !a.unbound_key);
  if (!enc_key) return Fail(enc_key.error(), 1);
  auto certify = tpm.CertifyEphemeralKey();
  if (!certify) return Fail(certify.error(), 1);

  json pcr_list = json::array();
  for (const auto& [index, value] : *values) pcr_list.push_back({{"Index", index}, {"Digest", B64(value)}});
  json payload = json::object();
  for (const std::string& kv : a.client_payload) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Fail(Status::InvalidArgument("USAGE", "--client-payload takes KEY=VALUE"), 2);
    }
    payload[kv.substr(0, eq)] = B64(std::string_view(kv).substr(eq + 1));
  }
  std::string distro = "Linux";
  uint32_t major = 0, minor = 0;
  OsRelease(distro, major, minor);
  json info = {{"AttestationProtocolVersion", "2.0"},
               {"OSType", B64("Linux")},
               {"OSDistro", B64(distro)},
               {"OSVersionMajor", major},
               {"OSVersionMinor", minor},
               {"OSBuild", B64("NotApplication")},
               {"TcgLogs", B64(log)},
               {"ClientPayload", payload},
               {"TpmInfo",
                {{"AikCert", B64(aik_cert)},
                 {"AikPub", B64(tpm.ak_tpm2b_public())},
                 {"PcrQuote", B64(quote->first)},
                 {"PcrSignature", B64(quote_sig->rsa)},
                 {"EncKeyPub", B64(*enc_key)},
                 {"EncKeyCertifyInfo", B64(certify->first)},
                 {"EncKeyCertifyInfoSignature", B64(certify->second)},
                 {"PcrSet", *pcrs},
                 {"PCRs", pcr_list}}},
               {"IsolationInfo", isolation}};
  const std::string body = json{{"AttestationInfo", Base64UrlEncode(AsBytes(info.dump()))}}.dump();
  if (a.print_request) {
    std::cout << body << "\n";
    return 0;
  }

  auto url = client::ParseEndpointUrl(a.endpoint);
  if (!url) return Fail(url.error(), 2);
  client::TransportOptions topts;
  topts.ca_file = a.ca_file;
  auto http = client::HttpTransport::Create(*url, topts);
  if (!http) return Fail(http.error(), 2);
  client::HttpRequest req;
  req.method = "POST";
  req.target = url->Target("/attest/AzureGuest") + "?api-version=" +
               (a.api_version.empty() ? "2020-10-01" : a.api_version);
  req.content_type = "application/json";
  req.body = body;
  auto resp = (*http)->Send(req);
  if (!resp) return Fail(resp.error(), 1);
  if (resp->status != 200) return Fail(client::StatusFromHttpError(resp->status, resp->body), 1);
  json answer = json::parse(resp->body, nullptr, false);
  if (!answer.is_object() || !answer["token"].is_string()) {
    return Fail(Status::InvalidArgument("BAD_RESPONSE", "the answer has no \"token\""), 1);
  }
  auto jwt = evidence::azure_cvm::OpenGuestAnswer(
      answer["token"].get<std::string>(),
      [&](ByteSpan wrapped) { return tpm.DecryptWithEphemeralKey(*pcrs, wrapped); });
  if (!jwt) return Fail(jwt.error(), 1);
  std::cout << *jwt << "\n";
  return 0;
}

void RegisterAzureCvmCommand(CLI::App& app, int* exit_code) {
  CLI::App* cvm = app.add_subcommand("azure-cvm", "Azure confidential VM tools");
  cvm->require_subcommand(1);
  auto sim = std::make_shared<SimulateArgs>();
  CLI::App* s = cvm->add_subcommand(
      "simulate", "make a swtpm vTPM an Azure SEV-SNP CVM's, signed by a TEST AMD root");
  s->add_option("--tcti", sim->tcti, "TCTI of the (simulated) vTPM")->required();
  s->add_option("--out", sim->out, "directory for vcek_chain.pem, hcl_report.bin, test-anchors.json")
      ->required()
      ->check(CLI::ExistingDirectory);
  s->add_option("--vm-id", sim->vm_id, "vmUniqueId of the simulated VM");
  s->callback([sim, exit_code] { *exit_code = RunSimulate(*sim); });
}

}  // namespace attest::cli
