// attestctl attest: send evidence to an attestd/MAA endpoint and print the token.
//
//   attestctl attest --endpoint URL --type sgx|openenclave|tdx|snp --evidence FILE
//                    [--runtime-data FILE [--json]] [--init-time-data FILE] [--nonce N]
//                    [--ca FILE] [--cert-chain PEM]
//
// For SevSnpVm the evidence is MAA's report document (JSON {SnpReport, VcekCertChain,
// Endorsements?}); a raw 1184-byte report is wrapped into one, with --cert-chain (PEM VCEK ‖
// ASK ‖ ARK) as its VcekCertChain.
//
// Prints only the JWT on stdout (exit 0). On failure prints the error envelope
// {"error":{"code","message","reason"}} on stderr (exit 1); usage errors exit 2.
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "base/attestation_type.h"
#include "base/encoding.h"
#include "base/file.h"
#include "client/attestation_client.h"
#include "client/error_envelope.h"
#include "cli/commands.h"
#include "cli/tpm_commands.h"

namespace attest::cli {
namespace {

constexpr size_t kMaxEvidenceBytes = 4 << 20;
constexpr size_t kMaxRuntimeDataBytes = 1 << 20;

struct AttestFlags {
  std::string endpoint;
  std::string type;
  std::string evidence_file;
  std::string runtime_data_file;
  bool runtime_data_json = false;
  std::string init_time_data_file;
  std::string cert_chain_file;
  std::string nonce;
  std::string ca_file;
  std::string api_version;
  bool skip_validation = false;
};

// attestctl spellings of the types one request can attest (base/attestation_type.h).
std::vector<std::string> AttestableTypeNames() {
  std::vector<std::string> names;
  for (const AttestationTypeVocabulary& t : AttestationTypes()) {
    if (t.evidence_member.empty()) continue;
    names.emplace_back(t.rest_name);
    for (std::string_view cli : t.cli_names) names.emplace_back(cli);
  }
  names.emplace_back("Tpm");  // the multi-round TPM protocol (tpm_attest_command.cc)
  return names;
}

// MAA's SevSnpVm `report` is a JSON document; a raw report file is wrapped into one.
StatusOr<Bytes> SnpDocument(Bytes evidence, const std::string& chain_file) {
  size_t i = 0;
  while (i < evidence.size() && (evidence[i] == ' ' || evidence[i] == '\n' || evidence[i] == '\r')) {
    ++i;
  }
  if (i < evidence.size() && evidence[i] == '{') return evidence;
  std::string doc = "{\"SnpReport\":\"" + Base64UrlEncode(evidence) + "\"";
  if (!chain_file.empty()) {
    auto chain = ReadFileBytes(chain_file, kMaxRuntimeDataBytes);
    if (!chain) return Err(chain.error().WithContext("--cert-chain"));
    doc += ",\"VcekCertChain\":\"" + Base64UrlEncode(*chain) + "\"";
  }
  doc += "}";
  return Bytes(doc.begin(), doc.end());
}

int Fail(const Status& status, int exit_code) {
  std::cerr << client::ErrorEnvelopeJson(status) << "\n";
  return exit_code;
}

int RunAttest(const AttestFlags& flags, bool nonce_given) {
  auto type = client::ParseAttestationType(flags.type);
  if (!type.has_value()) {
    return Fail(type.error(), 2);
  }
  if (flags.evidence_file.empty()) {
    return Fail(Status::InvalidArgument("USAGE", "--evidence FILE is required"), 2);
  }
  auto evidence = ReadFileBytes(flags.evidence_file, kMaxEvidenceBytes);
  if (!evidence.has_value()) {
    return Fail(evidence.error().WithContext("--evidence"), 2);
  }
  client::AttestOptions options;
  if (!flags.runtime_data_file.empty()) {
    auto data = ReadFileBytes(flags.runtime_data_file, kMaxRuntimeDataBytes);
    if (!data.has_value()) {
      return Fail(data.error().WithContext("--runtime-data"), 2);
    }
    options.runtime_data = client::BoundData{std::move(data).value(), flags.runtime_data_json};
  }
  if (!flags.init_time_data_file.empty()) {
    auto data = ReadFileBytes(flags.init_time_data_file, kMaxRuntimeDataBytes);
    if (!data.has_value()) {
      return Fail(data.error().WithContext("--init-time-data"), 2);
    }
    options.init_time_data = client::BoundData{std::move(data).value(), false};
  }
  if (*type == AttestationType::kSevSnpVm) {
    auto doc = SnpDocument(std::move(*evidence), flags.cert_chain_file);
    if (!doc.has_value()) {
      return Fail(doc.error(), 2);
    }
    evidence = std::move(doc);
  }
  if (nonce_given) {
    options.nonce = flags.nonce;
  }
  options.validate_token = !flags.skip_validation;

  client::AttestationClientOptions client_options;
  client_options.endpoint = flags.endpoint;
  client_options.ca_file = flags.ca_file;
  client_options.api_version = flags.api_version;
  auto attestation_client = client::AttestationClient::Create(std::move(client_options));
  if (!attestation_client.has_value()) {
    const Status& s = attestation_client.error();
    return Fail(s, s.code() == StatusCode::kInvalidArgument ? 2 : 1);
  }
  auto result = (*attestation_client)->Attest(*type, *evidence, options);
  if (!result.has_value()) {
    return Fail(result.error(), 1);
  }
  std::cout << result->token << "\n";
  return 0;
}

}  // namespace

void RegisterAttestCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<AttestFlags>();
  CLI::App* cmd = app.add_subcommand(
      "attest", "Send evidence to an attestation endpoint and print the resulting token (JWT)");
  cmd->add_option("--endpoint", flags->endpoint, "Provider base URL (https://host[:port])")
      ->required();
  cmd->add_option("--type", flags->type, "Evidence type")
      ->required()
      ->check(CLI::IsMember(AttestableTypeNames(), CLI::ignore_case));
  cmd->add_option("--evidence", flags->evidence_file,
                  "SGX/TDX quote, Open Enclave report or SEV-SNP report document (binary)");
  CLI::Option* runtime =
      cmd->add_option("--runtime-data", flags->runtime_data_file, "Runtime data file to bind");
  cmd->add_flag("--json", flags->runtime_data_json,
                "Send the runtime data as dataType JSON (claims in x-ms-runtime)")
      ->needs(runtime);
  cmd->add_option("--init-time-data", flags->init_time_data_file,
                  "Init-time data file to bind (SevSnpVm: SHA-256 = HOST_DATA)");
  cmd->add_option("--cert-chain", flags->cert_chain_file,
                  "SevSnpVm with a raw report: PEM VCEK/VLEK, ASK/ASVK, ARK sent as VcekCertChain");
  CLI::Option* nonce = cmd->add_option("--nonce", flags->nonce, "Nonce to echo into the token");
  cmd->add_option("--ca", flags->ca_file, "PEM file of CA certificates to trust for TLS");
  cmd->add_option("--api-version", flags->api_version,
                  "api-version query value (default: 2022-08-01, TDX 2025-06-01)");
  cmd->add_flag("--no-validate", flags->skip_validation,
                "Do not validate the returned token against /certs");
  auto tpm = AddTpmAttestOptions(cmd);
  auto guest = AddAzureGuestAttestOptions(cmd);
  cmd->callback([cmd, flags, nonce, tpm, guest, exit_code] {
    if (IsAzureGuestType(flags->type)) {
      guest->endpoint = flags->endpoint;
      guest->ca_file = flags->ca_file;
      guest->api_version = flags->api_version;
      guest->cert_chain = flags->cert_chain_file;
      guest->tcti = tpm->tcti;
      guest->eventlog = tpm->eventlog;
      guest->print_request = tpm->print_request;
      *exit_code = RunAzureGuestAttest(*guest);
      return;
    }
    if (IsTpmAttestType(flags->type)) {
      tpm->endpoint = flags->endpoint;
      tpm->ca_file = flags->ca_file;
      if (cmd->get_option("--pcrs")->count() > 0) tpm->pcrs = guest->pcrs;
      *exit_code = RunTpmAttest(*tpm);
      return;
    }
    *exit_code = RunAttest(*flags, nonce->count() > 0);
  });
}

}  // namespace attest::cli
