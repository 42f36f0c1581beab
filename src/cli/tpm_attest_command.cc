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

Status TpmError(std::string_view what, TSS2_RC rc) {
  return Status::Unavailable("TPM_ERROR", std::string(what) + ": " + Tss2_RC_Decode(rc));
}

// Owns the TCTI and ESAPI contexts and the AK handle.
class Tpm {
 public:
  ~Tpm() {
    if (esys_ != nullptr && ak_ != ESYS_TR_NONE) Esys_FlushContext(esys_, ak_);
    if (esys_ != nullptr) Esys_Finalize(&esys_);
    if (tcti_ != nullptr) Tss2_TctiLdr_Finalize(&tcti_);
  }

  Status Open(const std::string& tcti) {
    TSS2_RC rc = Tss2_TctiLdr_Initialize(tcti.c_str(), &tcti_);
    if (rc != TSS2_RC_SUCCESS) return TpmError("TCTI " + tcti, rc);
    rc = Esys_Initialize(&esys_, tcti_, nullptr);
    if (rc != TSS2_RC_SUCCESS) return TpmError("Esys_Initialize", rc);
    rc = Esys_Startup(esys_, TPM2_SU_CLEAR);
    if (rc != TSS2_RC_SUCCESS && rc != TPM2_RC_INITIALIZE) return TpmError("Esys_Startup", rc);
    return Status::Ok();
  }

  // spec/tpm.md §4: a restricted, fixedTPM, fixedParent, sensitiveDataOrigin signing key.
  Status CreateAk() {
    TPM2B_SENSITIVE_CREATE sensitive{};
    TPM2B_PUBLIC in{};
    in.publicArea.type = TPM2_ALG_RSA;
    in.publicArea.nameAlg = TPM2_ALG_SHA256;
    in.publicArea.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                                     TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
                                     TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT;
    in.publicArea.parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
    in.publicArea.parameters.rsaDetail.scheme.scheme = TPM2_ALG_RSASSA;
    in.publicArea.parameters.rsaDetail.scheme.details.rsassa.hashAlg = TPM2_ALG_SHA256;
    in.publicArea.parameters.rsaDetail.keyBits = 2048;
    TPM2B_DATA outside{};
    TPML_PCR_SELECTION creation_pcr{};
    TPM2B_PUBLIC* out = nullptr;
    TPM2B_CREATION_DATA* creation = nullptr;
    TPM2B_DIGEST* hash = nullptr;
    TPMT_TK_CREATION* ticket = nullptr;
    TSS2_RC rc = Esys_CreatePrimary(esys_, ESYS_TR_RH_ENDORSEMENT, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                    ESYS_TR_NONE, &sensitive, &in, &outside, &creation_pcr, &ak_,
                                    &out, &creation, &hash, &ticket);
    if (rc != TSS2_RC_SUCCESS) return TpmError("Esys_CreatePrimary (AK)", rc);
    uint8_t buf[sizeof(TPMT_PUBLIC)];
    size_t off = 0;
    rc = Tss2_MU_TPMT_PUBLIC_Marshal(&out->publicArea, buf, sizeof buf, &off);
    Esys_Free(out);
    Esys_Free(creation);
    Esys_Free(hash);
    Esys_Free(ticket);
    if (rc != TSS2_RC_SUCCESS) return TpmError("marshal AK public", rc);
    ak_public_.assign(buf, buf + off);
    return Status::Ok();
  }

  // Quote of sha256 PCR 0-23 over `nonce`: (TPMS_ATTEST bytes, TPMT_SIGNATURE bytes).
  StatusOr<std::pair<Bytes, Bytes>> Quote(ByteSpan nonce) {
    TPM2B_DATA qualifying{};
    if (nonce.size() > sizeof qualifying.buffer) return Err(Status::Internal("nonce too long"));
    qualifying.size = static_cast<uint16_t>(nonce.size());
    std::memcpy(qualifying.buffer, nonce.data(), nonce.size());
    TPMT_SIG_SCHEME scheme{};
    scheme.scheme = TPM2_ALG_NULL;  // the AK's own scheme
    TPML_PCR_SELECTION sel = AllSha256();
    TPM2B_ATTEST* quoted = nullptr;
    TPMT_SIGNATURE* sig = nullptr;
    TSS2_RC rc = Esys_Quote(esys_, ak_, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &qualifying,
                            &scheme, &sel, &quoted, &sig);
    if (rc != TSS2_RC_SUCCESS) return Err(TpmError("Esys_Quote", rc));
    Bytes attest(quoted->attestationData, quoted->attestationData + quoted->size);
    uint8_t buf[sizeof(TPMT_SIGNATURE)];
    size_t off = 0;
    rc = Tss2_MU_TPMT_SIGNATURE_Marshal(sig, buf, sizeof buf, &off);
    Esys_Free(quoted);
    Esys_Free(sig);
    if (rc != TSS2_RC_SUCCESS) return Err(TpmError("marshal signature", rc));
    return std::make_pair(std::move(attest), Bytes(buf, buf + off));
  }

  // sha256 PCR 0-23 (PCR_Read answers at most 8 per call).
  StatusOr<evidence::tpm::PcrBank> ReadPcrs() {
    evidence::tpm::PcrBank out;
    TPML_PCR_SELECTION want = AllSha256();
    for (int round = 0; round < 8 && out.size() < 24; ++round) {
      UINT32 counter = 0;
      TPML_PCR_SELECTION* got = nullptr;
      TPML_DIGEST* values = nullptr;
      TSS2_RC rc = Esys_PCR_Read(esys_, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &want, &counter,
                                 &got, &values);
      if (rc != TSS2_RC_SUCCESS) return Err(TpmError("Esys_PCR_Read", rc));
      size_t v = 0;
      for (uint32_t s = 0; s < got->count; ++s) {
        for (uint32_t i = 0; i < 24 && v < values->count; ++i) {
          if (got->pcrSelections[s].pcrSelect[i / 8] & (1u << (i % 8))) {
            out[i] = Bytes(values->digests[v].buffer, values->digests[v].buffer + values->digests[v].size);
            want.pcrSelections[0].pcrSelect[i / 8] &= static_cast<uint8_t>(~(1u << (i % 8)));
            ++v;
          }
        }
      }
      Esys_Free(got);
      Esys_Free(values);
      if (v == 0) break;
    }
    if (out.size() != 24) return Err(Status::Unavailable("TPM_ERROR", "the TPM has no sha256 PCR bank"));
    return out;
  }

  const Bytes& ak_public() const { return ak_public_; }

 private:
  static TPML_PCR_SELECTION AllSha256() {
    TPML_PCR_SELECTION sel{};
    sel.count = 1;
    sel.pcrSelections[0].hash = TPM2_ALG_SHA256;
    sel.pcrSelections[0].sizeofSelect = 3;
    sel.pcrSelections[0].pcrSelect[0] = sel.pcrSelections[0].pcrSelect[1] =
        sel.pcrSelections[0].pcrSelect[2] = 0xff;
    return sel;
  }

  TSS2_TCTI_CONTEXT* tcti_ = nullptr;
  ESYS_CONTEXT* esys_ = nullptr;
  ESYS_TR ak_ = ESYS_TR_NONE;
  Bytes ak_public_;
};

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

  Tpm tpm;
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
  auto quote = tpm.Quote(*challenge);
  if (!quote) return Fail(quote.error(), 1);
  auto pcrs = tpm.ReadPcrs();
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
