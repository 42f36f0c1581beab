#include "evidence/tpm/tpm_protocol.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "base/encoding.h"
#include "base/reasons.h"
#include "crypto/jwk.h"
#include "crypto/jws.h"
#include "evidence/tpm/event_log.h"
#include "evidence/tpm/quote_verifier.h"
#include "evidence/tpm/tpm_claims.h"

namespace attest::evidence::tpm {
namespace {

using nlohmann::json;

constexpr std::string_view kProvider = "Tpm";

// What a context is bound to: the protocol, and the attestd provider that issued it.
std::string ContextUse(const VerifyContext& context) {
  std::string use(kProvider);
  if (!context.attestation_provider.empty()) {
    use += '@';
    use += context.attestation_provider;
  }
  return use;
}

constexpr size_t kMaxJsonDepth = 32;
constexpr size_t kMaxLogs = 8;

Status Malformed(std::string message) {
  return Status::InvalidArgument("TPM_PROTOCOL_MESSAGE_MALFORMED", std::move(message));
}

// Nesting depth of JSON text, strings skipped: untrusted text is bounded before parsing.
bool DepthWithin(std::string_view text, size_t max) {
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max) return false;
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return true;
}

StatusOr<json> ParseJson(std::string_view text, std::string_view what) {
  if (!DepthWithin(text, kMaxJsonDepth)) return Err(Malformed(std::string(what) + " nests too deep"));
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return Err(Malformed(std::string(what) + " is not a JSON object"));
  return j;
}

StatusOr<Bytes> B64Member(const json& obj, std::string_view name, std::string_view what) {
  auto it = obj.find(name);
  if (it == obj.end() || !it->is_string()) {
    return Err(Malformed(std::string(what) + "." + std::string(name) + " is missing"));
  }
  auto b = Base64UrlDecode(it->get<std::string>());
  if (!b) return Err(Malformed(std::string(what) + "." + std::string(name) + " is not base64url"));
  return std::move(*b);
}

// pcrs: [{"algorithm": 4|11|12, "values": [{"index": n, "digest": b64url}]}].
StatusOr<PcrValues> ParsePcrs(const json& att) {
  auto it = att.find("pcrs");
  if (it == att.end() || !it->is_array() || it->size() > 4) {
    return Err(Malformed("current_attestation.pcrs is missing or not an array of banks"));
  }
  PcrValues out;
  for (const json& bank : *it) {
    if (!bank.is_object() || !bank.contains("algorithm") || !bank["algorithm"].is_number_unsigned() ||
        !bank.contains("values") || !bank["values"].is_array() || bank["values"].size() > 24) {
      return Err(Malformed("a pcrs entry is not {algorithm, values}"));
    }
    uint64_t alg = bank["algorithm"].get<uint64_t>();
    if (alg > 0xFFFF || HashSize(static_cast<uint16_t>(alg)) == 0) {
      return Err(Malformed("pcrs algorithm " + std::to_string(alg) + " is not a supported hash"));
    }
    PcrBank& values = out[static_cast<uint16_t>(alg)];
    for (const json& v : bank["values"]) {
      if (!v.is_object() || !v.contains("index") || !v["index"].is_number_unsigned() ||
          v["index"].get<uint64_t>() > 23) {
        return Err(Malformed("a PCR value has no index 0-23"));
      }
      ATTEST_ASSIGN_OR_RETURN(Bytes digest, B64Member(v, "digest", "pcrs.values"));
      values[static_cast<uint32_t>(v["index"].get<uint64_t>())] = std::move(digest);
    }
  }
  return out;
}

}  // namespace

TpmProtocol::TpmProtocol(const VerifierConfig& config) : options_(config.tpm) {
  if (options_.context_key) {
    sealer_ = std::make_unique<ServiceContextSealer>(options_.context_key,
                                                     options_.context_lifetime_seconds);
  }
}

StatusOr<AttestationProtocol::Step> TpmProtocol::Advance(ByteSpan message,
                                                         const VerifyContext& context) const {
  if (sealer_ == nullptr) {
    return Err(Status::Unavailable("TPM_PROTOCOL_UNAVAILABLE",
                                   "no service_context key is configured for /attest/Tpm"));
  }
  if (message.size() > kMaxProtocolMessageSize) {
    return Err(Malformed("protocol message exceeds " + std::to_string(kMaxProtocolMessageSize) +
                         " bytes"));
  }
  ATTEST_ASSIGN_OR_RETURN(json msg, ParseJson(AsChars(message), "protocol message"));
  // maa-real-clients.md §4: extra members (e.g. "metadata") are ignored.
  auto payload = msg.find("payload");
  if (payload == msg.end() || !payload->is_object()) {
    return Err(Malformed("protocol message has no payload object"));
  }
  if (auto type = payload->find("type"); type != payload->end()) {
    // maa-service-behaviour.md §5.4 step 1: "aikcert" is the only init type.
    if (!type->is_string() || type->get<std::string>() != "aikcert") {
      return Err(Malformed("payload.type must be \"aikcert\""));
    }
    ATTEST_ASSIGN_OR_RETURN(auto issued, sealer_->Issue(kChallengeSize, ContextUse(context),
                                                        context.clock.Now()));
    json reply = {{"payload",
                   {{"challenge", Base64UrlEncode(issued.first.challenge)},
                    {"service_context", issued.second}}}};
    Step step;
    step.reply = ToBytes(reply.dump());
    return step;
  }
  auto request = payload->find("request");
  if (request == payload->end() || !request->is_string()) {
    return Err(Malformed("payload has neither \"type\" nor a \"request\" string"));
  }
  return VerifyRequest(request->get<std::string>(), context);
}

StatusOr<AttestationProtocol::Step> TpmProtocol::VerifyRequest(std::string_view text,
                                                               const VerifyContext& context) const {
  crypto::JwsParseOptions jws_options;
  jws_options.max_size = kMaxProtocolMessageSize;
  auto jws = crypto::ParseCompactJws(text, jws_options);
  if (!jws) return Err(Malformed("request is not a compact JWS: " + jws.error().message()));
  std::string typ = jws->header.value("typ", "");
  if (typ == "attReq") {
    return Err(Status::InvalidArgument(
        "TPM_PROTOCOL_VERSION_UNSUPPORTED",
        "attReq (v1, Windows platform-claim blobs) is not supported; send attReqV2"));
  }
  if (typ != "attReqV2") return Err(Malformed("request JWS typ must be attReqV2"));
  if (jws->alg != "PS256") return Err(Malformed("request JWS alg must be PS256"));
  const json& body = jws->payload;
  if (!body.is_object() || !body.contains("att_data") || !body["att_data"].is_object()) {
    return Err(Malformed("request has no att_data"));
  }
  // Step 4: the context first (authentic, unexpired, ours, unused), so a replayed request is
  // refused before any expensive check.
  auto sc = body.find("service_context");
  if (sc == body.end() || !sc->is_string()) return Err(Malformed("request has no service_context"));
  ATTEST_ASSIGN_OR_RETURN(ServiceContext ctx,
                          sealer_->Open(sc->get<std::string>(), ContextUse(context), context.clock.Now()));
  // Possession of request_key: it signs the JWS.
  auto rk = body.find("request_key");
  if (rk == body.end() || !rk->is_object() || !rk->contains("jwk")) {
    return Err(Malformed("request has no request_key.jwk"));
  }
  auto key = crypto::PublicKeyFromJwk((*rk)["jwk"], "TPM_PROTOCOL_MESSAGE_MALFORMED");
  if (!key) return Err(key.error());
  Status sig = crypto::VerifyJwsSignature(crypto::JwsAlg::kPs256, key->get(), jws->signing_input,
                                          jws->signature);
  if (!sig.ok()) {
    return Err(Status::InvalidEvidence("TPM_REQUEST_SIGNATURE_INVALID",
                                       "request JWS is not signed by request_key: " + sig.message()));
  }
  const json& att_data = body["att_data"];
  ATTEST_ASSIGN_OR_RETURN(Bytes challenge, B64Member(att_data, "challenge", "att_data"));
  if (!ConstantTimeEquals(challenge, ctx.challenge)) {
    return Err(Status::InvalidEvidence("TPM_CHALLENGE_MISMATCH",
                                       "att_data.challenge is not the service_context's challenge"));
  }
  auto tad = att_data.find("tpm_att_data");
  if (tad == att_data.end() || !tad->is_object() || !tad->contains("current_attestation") ||
      !(*tad)["current_attestation"].is_object()) {
    return Err(Malformed("att_data.tpm_att_data.current_attestation is missing"));
  }
  const json& att = (*tad)["current_attestation"];
  ATTEST_ASSIGN_OR_RETURN(Bytes quote, B64Member(att, "quote", "current_attestation"));
  ATTEST_ASSIGN_OR_RETURN(Bytes sig_bytes, B64Member(att, "signature", "current_attestation"));
  ATTEST_ASSIGN_OR_RETURN(PcrValues pcrs, ParsePcrs(att));
  // The AK: aik_pub (JWK) and/or aik_cert (b64url DER).
  std::vector<crypto::Certificate> presented;
  if (att.contains("aik_cert")) {
    ATTEST_ASSIGN_OR_RETURN(Bytes der, B64Member(att, "aik_cert", "current_attestation"));
    auto cert = crypto::Certificate::FromDer(der);
    if (!cert) {
      return Err(Status::InvalidEvidence("TPM_AK_CERT_CHAIN_INVALID", "aik_cert does not parse"));
    }
    presented.push_back(std::move(*cert));
  }
  AkPublic ak;
  if (att.contains("aik_pub")) {
    auto k = crypto::PublicKeyFromJwk(att["aik_pub"], "TPM_AK_MALFORMED");
    if (!k) return Err(Status::InvalidEvidence("TPM_AK_MALFORMED", k.error().message()));
    ak = AkFromKey(k->get());
  } else if (!presented.empty()) {
    ak = AkFromKey(presented.front().public_key());
  } else {
    return Err(Malformed("current_attestation has neither aik_pub nor aik_cert"));
  }
  ATTEST_ASSIGN_OR_RETURN(Signature signature, ParseSignature(sig_bytes));
  QuoteVerifyOptions qo;
  qo.allow_sha1_signatures = options_.allow_sha1_signatures;
  // Steps 1-5 of spec/tpm.md §6 with the challenge as qualifying data.
  ATTEST_ASSIGN_OR_RETURN(Quote verified, VerifyQuote(quote, signature, ak, ctx.challenge, &pcrs, qo));
  uint32_t quoted_mask = 0;
  for (const PcrSelection& s : verified.selections) {
    for (uint32_t pcr : s.pcrs) {
      if (pcr < 24) quoted_mask |= 1u << pcr;
    }
  }
  // Step 6: TCG logs replay to the quoted PCRs.
  std::vector<Bytes> log_bytes;
  std::optional<EventLog> log;
  if (auto logs = att.find("logs"); logs != att.end()) {
    if (!logs->is_array() || logs->size() > kMaxLogs) return Err(Malformed("logs is not an array"));
    for (const json& l : *logs) {
      if (!l.is_object() || l.value("type", "") != "TCG") continue;  // IMA logs: not replayed
      if (log) return Err(Malformed("more than one TCG log"));
      ATTEST_ASSIGN_OR_RETURN(Bytes b, B64Member(l, "log", "logs"));
      log_bytes.push_back(std::move(b));
      ATTEST_ASSIGN_OR_RETURN(EventLog parsed, ParseEventLog(log_bytes.back()));
      ATTEST_ASSIGN_OR_RETURN(ReplayedPcrs replayed, ReplayEventLog(parsed));
      ATTEST_RETURN_IF_ERROR(CompareReplay(replayed, pcrs));
      log = std::move(parsed);
    }
  }
  // Step 7: AK trust.
  ATTEST_ASSIGN_OR_RETURN(AkTrustMode mode,
                          EstablishAkTrust(ak, presented, options_.ak_trust, context.clock.Now()));
  // Step 8: claims.
  claims::ClaimSet out = TpmClaims(ak, mode, pcrs, log ? &*log : nullptr);
  out.Add("x-ms-tpm-request-key", *rk);
  out.Add("cnf", {{"jwk", (*rk)["jwk"]}});
  if (auto rp = att_data.find("rp_data"); rp != att_data.end() && rp->is_string()) {
    out.Add("rp_data", *rp);
  }
  Step step;
  step.claims = std::move(out);
  // spec/maa-service-behaviour.md §5.4 step 4: every PCR of required_pcr_mask is quoted. The
  // policy's configuration rule sets the mask; without one the deployment's (MAA: 0xFFFFFF).
  step.check_configuration = [quoted_mask, fallback = options_.required_pcr_mask](
                                 const claims::ClaimSet& properties) -> Status {
    ATTEST_ASSIGN_OR_RETURN(uint32_t mask, RequiredPcrMask(properties, fallback));
    return CheckRequiredPcrs(quoted_mask, mask);
  };
  return step;
}

StatusOr<uint32_t> RequiredPcrMask(const claims::ClaimSet& properties, uint32_t fallback) {
  const nlohmann::json* v = properties.FindValue("required_pcr_mask");
  if (v == nullptr) return fallback;
  if (!v->is_number_integer() || v->get<int64_t>() < 0 || v->get<int64_t>() > 0xFFFFFF) {
    return Err(Status::InvalidArgument(reason::kPolicyEvaluationError,
                                       "configuration rule required_pcr_mask must be an integer "
                                       "from 0 to 0xFFFFFF"));
  }
  return static_cast<uint32_t>(v->get<int64_t>());
}

Status CheckRequiredPcrs(uint32_t quoted_mask, uint32_t required_mask) {
  for (uint32_t i = 0; i < 24; ++i) {
    if (((required_mask >> i) & 1) && !((quoted_mask >> i) & 1)) {
      return Status::InvalidEvidence("TPM_REQUIRED_PCRS_MISSING",
                                     "PCR " + std::to_string(i) +
                                         " of the required PCR mask is not quoted");
    }
  }
  return Status::Ok();
}

}  // namespace attest::evidence::tpm
