// attestctl attest --type Tpm: MAA's TPM protocol (/attest/Tpm) against a live TPM through
// tpm2-tss ESAPI (issue 9 item 6).
//
//   attestctl attest --type Tpm --endpoint URL --tcti TCTI [--bearer TOKEN|@FILE]
//                    [--eventlog FILE] [--ca FILE] [--dump-dir DIR]
//                    [--challenge B64URL --service-context CTX --print-request]
//
// --challenge/--service-context take round 1's answer obtained elsewhere (e.g. by the
// official JS client's attestTpm), and --print-request prints the round-2 message instead of
// sending it, so another client can carry it.
//
// The AK is the endorsement-hierarchy primary created from a fixed restricted RSA-2048
// RSASSA-SHA256 template: the same TPM yields the same AK on every run (a primary key is
// re-derived from the hierarchy seed, so "create" and "load" are one operation). Quotes
// sha256 PCR 0-23 with the service's challenge as qualifying data. The TCG log is
// /sys/kernel/security/tpm0/binary_bios_measurements when readable, or --eventlog.
// Prints the token (JWT) on stdout; errors as `attestctl attest`. --dump-dir writes the
// protocol messages and the quote material (quote.msg, quote.sig, pcrs.bin, ak.pem,
// nonce.hex, pcrs.json, ak.tpmt) for independent checks.
#include <algorithm>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>

#include "base/encoding.h"
#include "base/file.h"
#include "cli/tpm_commands.h"
#include "cli/tpm_device.h"
#include "client/endpoint_url.h"
#include "client/error_envelope.h"
#include "client/http_transport.h"
#include "crypto/jwk.h"
#include "crypto/jws.h"
#include "crypto/openssl_ptr.h"
#include "evidence/tpm/pcr_values_json.h"
#include "evidence/tpm/tpm_structures.h"

namespace attest::cli {
namespace {

using nlohmann::json;

constexpr char kDefaultLog[] = "/sys/kernel/security/tpm0/binary_bios_measurements";

std::vector<uint32_t> AllPcrs() {
  std::vector<uint32_t> all;
  for (uint32_t i = 0; i < 24; ++i) all.push_back(i);
  return all;
}

class Exchange {
 public:
  Exchange(client::HttpTransport& http, const client::EndpointUrl& url, std::string bearer)
      : http_(http), url_(url), bearer_(std::move(bearer)) {}

  // One round: {"data": b64url(message)} -> the decoded reply.
  StatusOr<json> Round(const json& message) {
    client::HttpRequest req;
    req.method = "POST";
    req.target = url_.Target("/attest/Tpm") + "?api-version=2022-08-01";
    req.content_type = "application/json";
    req.body = json{{"data", Base64UrlEncode(AsBytes(message.dump()))}}.dump();
    if (!bearer_.empty()) req.authorization = "Bearer " + bearer_;
    ATTEST_ASSIGN_OR_RETURN(client::HttpResponse resp, http_.Send(req));
    if (resp.status != 200) return Err(client::StatusFromHttpError(resp.status, resp.body));
    json body = json::parse(resp.body, nullptr, false);
    if (!body.is_object() || !body["data"].is_string()) {
      return Err(Status::InvalidArgument("BAD_RESPONSE", "reply has no \"data\""));
    }
    auto decoded = Base64UrlDecode(body["data"].get<std::string>());
    if (!decoded) return Err(Status::InvalidArgument("BAD_RESPONSE", "reply data is not base64url"));
    json reply = json::parse(AsChars(*decoded), nullptr, false);
    if (!reply.is_object() || !reply["payload"].is_object()) {
      return Err(Status::InvalidArgument("BAD_RESPONSE", "reply has no payload"));
    }
    return reply;
  }

 private:
  client::HttpTransport& http_;
  const client::EndpointUrl& url_;
  std::string bearer_;
};

int Fail(const Status& status, int exit_code) {
  std::cerr << client::ErrorEnvelopeJson(status) << "\n";
  return exit_code;
}

Status Dump(const std::string& dir, const std::string& name, ByteSpan data) {
  if (dir.empty()) return Status::Ok();
  return WriteFileAtomic(dir + "/" + name, data, 0644);
}

}  // namespace

bool IsTpmAttestType(std::string_view type) { return type == "Tpm" || type == "tpm" || type == "TPM"; }

int RunTpmAttest(const TpmAttestArgs& a) {
  if (a.endpoint.empty() || a.tcti.empty()) {
    return Fail(Status::InvalidArgument("USAGE", "--type Tpm needs --endpoint and --tcti"), 2);
  }
  std::string bearer = a.bearer;
  if (bearer.starts_with("@")) {
    auto text = ReadFileText(bearer.substr(1), 64 * 1024);
    if (!text) return Fail(text.error().WithContext("--bearer"), 2);
    bearer = *text;
    while (!bearer.empty() && (bearer.back() == '\n' || bearer.back() == '\r')) bearer.pop_back();
  }
  Bytes log;
  std::string log_path = a.eventlog.empty() && FileExists(kDefaultLog) ? kDefaultLog : a.eventlog;
  if (!log_path.empty()) {
    auto l = ReadFileBytes(log_path, 16 * 1024 * 1024);
    if (!l) return Fail(l.error().WithContext("--eventlog"), 2);
    log = std::move(*l);
  }
  auto url = client::ParseEndpointUrl(a.endpoint);
  if (!url) return Fail(url.error(), 2);
  client::TransportOptions topts;
  topts.ca_file = a.ca_file;
  auto http = client::HttpTransport::Create(*url, topts);
  if (!http) return Fail(http.error(), 2);
  Exchange exchange(**http, *url, bearer);

  std::vector<uint32_t> selection = AllPcrs();
  if (!a.pcrs.empty()) {
    auto listed = ParsePcrList(a.pcrs);
    if (!listed) return Fail(listed.error().WithContext("--pcrs"), 2);
    selection = std::move(*listed);
    std::sort(selection.begin(), selection.end());
    selection.erase(std::unique(selection.begin(), selection.end()), selection.end());
  }
  TpmDevice tpm;
  if (Status s = tpm.Open(a.tcti); !s.ok()) return Fail(s, 1);
  if (Status s = tpm.CreateAk(); !s.ok()) return Fail(s, 1);
  auto ak = evidence::tpm::ParseTpmtPublic(tpm.ak_public());
  if (!ak) return Fail(ak.error(), 1);

  // Round 1 (maa-service-behaviour.md §5.4), unless its answer is given.
  json init = {{"payload", {{"type", "aikcert"}}}};
  StatusOr<json> r1 = json{{"payload", {{"challenge", a.challenge}, {"service_context", a.service_context}}}};
  if (a.challenge.empty()) r1 = exchange.Round(init);
  if (!r1) return Fail(r1.error(), 1);
  std::string challenge_text = (*r1)["payload"].value("challenge", "");
  std::string context = (*r1)["payload"].value("service_context", "");
  auto challenge = Base64UrlDecode(challenge_text);
  if (!challenge || challenge->empty() || context.empty()) {
    return Fail(Status::InvalidArgument("BAD_RESPONSE", "no challenge / service_context"), 1);
  }

  // The quote over the challenge, and the PCR values it covers.
  auto quote = tpm.Quote(*challenge, selection);
  if (!quote) return Fail(quote.error(), 1);
  auto pcrs = tpm.ReadPcrs(selection);
  if (!pcrs) return Fail(pcrs.error(), 1);
  json values = json::array();
  Bytes concatenated;
  for (const auto& [index, value] : *pcrs) {
    values.push_back({{"index", index}, {"digest", Base64UrlEncode(value)}});
    concatenated.insert(concatenated.end(), value.begin(), value.end());
  }
  auto ak_jwk = crypto::PublicJwk(ak->key.get());
  if (!ak_jwk) return Fail(ak_jwk.error(), 1);
  // The request key: proves possession of the request (a software key; MAA allows it).
  crypto::EvpPkeyPtr request_key(EVP_RSA_gen(2048));
  if (!request_key) return Fail(Status::Internal("RSA key generation failed"), 1);
  auto request_jwk = crypto::PublicJwk(request_key.get());
  if (!request_jwk) return Fail(request_jwk.error(), 1);
  json logs = json::array();
  if (!log.empty()) logs.push_back({{"type", "TCG"}, {"log", Base64UrlEncode(log)}});
  json body = {
      {"att_type", "basic"},
      {"att_data",
       {{"rp_id", "attestctl"},
        {"challenge", challenge_text},
        {"tpm_att_data",
         {{"current_attestation",
           {{"logs", logs},
            {"aik_pub", *ak_jwk},
            {"pcrs", json::array({{{"algorithm", evidence::tpm::kAlgSha256}, {"values", values}}})},
            {"quote", Base64UrlEncode(quote->first)},
            {"signature", Base64UrlEncode(quote->second)}}}}}}},
      {"request_key", {{"jwk", *request_jwk}}},
      {"custom_claims", json::array()},
      {"service_context", context}};
  auto jws = crypto::SignCompactJws(crypto::JwsAlg::kPs256, request_key.get(),
                                    R"({"alg":"PS256","typ":"attReqV2"})", body.dump());
  if (!jws) return Fail(jws.error(), 1);
  json request = {{"payload", {{"request", *jws}}}};

  if (!a.dump_dir.empty()) {
    evidence::tpm::PcrValues pv;
    pv[evidence::tpm::kAlgSha256] = *pcrs;
    json pj = {{"bank", "sha256"}, {"pcrs", evidence::tpm::PcrValuesToJson(pv)["sha256"]}};
    Bytes spki = evidence::tpm::AkSpkiDer(*ak);
    std::string pem = "-----BEGIN PUBLIC KEY-----\n";
    std::string b64 = Base64Encode(spki);
    for (size_t i = 0; i < b64.size(); i += 64) pem += b64.substr(i, 64) + "\n";
    pem += "-----END PUBLIC KEY-----\n";
    for (const auto& [name, data] : std::vector<std::pair<std::string, Bytes>>{
             {"round1.json", ToBytes(init.dump())},
             {"reply1.json", ToBytes(r1->dump())},
             {"round2.json", ToBytes(request.dump())},
             {"quote.msg", quote->first},
             {"quote.sig", quote->second},
             {"pcrs.bin", concatenated},
             {"pcrs.json", ToBytes(pj.dump())},
             {"nonce.hex", ToBytes(HexEncode(*challenge))},
             {"ak.tpmt", tpm.ak_public()},
             {"ak.pem", ToBytes(pem)}}) {
      if (Status s = Dump(a.dump_dir, name, data); !s.ok()) return Fail(s.WithContext("--dump-dir"), 2);
    }
  }

  if (a.print_request) {
    std::cout << request.dump() << "\n";
    return 0;
  }
  // Round 2: the report.
  auto r2 = exchange.Round(request);
  if (!r2) return Fail(r2.error(), 1);
  auto report = (*r2)["payload"].find("report");
  if (report == (*r2)["payload"].end() || !report->is_string()) {
    return Fail(Status::InvalidArgument("BAD_RESPONSE", "no report in the reply"), 1);
  }
  std::cout << report->get<std::string>() << "\n";
  return 0;
}

std::shared_ptr<TpmAttestArgs> AddTpmAttestOptions(CLI::App* attest) {
  auto a = std::make_shared<TpmAttestArgs>();
  attest->add_option("--tcti", a->tcti, "Tpm: TCTI of the TPM (e.g. swtpm:path=/tmp/sock, device:/dev/tpmrm0)");
  attest->add_option("--bearer", a->bearer, "Tpm: bearer token (or @FILE) for /attest/Tpm");
  attest->add_option("--eventlog", a->eventlog, "Tpm: TCG event log (default: the kernel's, when readable)");
  attest->add_option("--dump-dir", a->dump_dir, "Tpm: write the protocol messages and quote material here");
  attest->add_option("--challenge", a->challenge, "Tpm: round 1's challenge (skips round 1)");
  attest->add_option("--service-context", a->service_context, "Tpm: round 1's service_context");
  attest->add_flag("--print-request", a->print_request,
                   "Tpm: print the round-2 message instead of sending it");
  return a;
}

}  // namespace attest::cli
