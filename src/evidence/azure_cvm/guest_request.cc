#include "evidence/azure_cvm/guest_request.h"

#include <charconv>

#include <nlohmann/json.hpp>

#include "base/encoding.h"
#include "base/json_fields.h"
#include "base/reasons.h"
#include "base/strings.h"

namespace attest::evidence::azure_cvm {
namespace {

using nlohmann::json;

constexpr size_t kMaxBodyDepth = 4;
constexpr size_t kMaxPcrs = 24;

Status Invalid(std::string message) {
  return Status::InvalidArgument(reason::kInvalidRequestBody, std::move(message));
}

std::string Text(const Bytes& b) { return std::string(b.begin(), b.end()); }

StatusOr<const json*> Required(const json& obj, std::string_view name, std::string_view path) {
  const json* v = FindMemberIgnoreCase(obj, name);
  if (v == nullptr) {
    return Err(Status::InvalidArgument(reason::kMissingEvidence,
                                       "'" + std::string(path) + "' is required"));
  }
  return v;
}

StatusOr<Bytes> DecodeString(const json& v, std::string_view path) {
  if (!v.is_string()) return Err(Invalid("'" + std::string(path) + "' must be a base64 string"));
  auto bytes = Base64AnyDecode(v.get_ref<const std::string&>());
  if (!bytes.has_value()) {
    return Err(Status::InvalidArgument(reason::kInvalidBase64url,
                                       "'" + std::string(path) + "' is not base64 or base64url"));
  }
  return std::move(*bytes);
}

StatusOr<Bytes> RequiredBinary(const json& obj, std::string_view name, std::string_view path) {
  ATTEST_ASSIGN_OR_RETURN(const json* v, Required(obj, name, path));
  return DecodeString(*v, path);
}

// An optional binary member: absent or null is empty.
StatusOr<Bytes> OptionalBinary(const json& obj, std::string_view name, std::string_view path) {
  const json* v = FindMemberIgnoreCase(obj, name);
  if (v == nullptr) return Bytes{};
  return DecodeString(*v, path);
}

// base64 of a short printable string (OSType, OSDistro, OSBuild).
StatusOr<std::string> EncodedText(const json& obj, std::string_view name, std::string_view path,
                                  bool required) {
  const json* v = FindMemberIgnoreCase(obj, name);
  if (v == nullptr) {
    if (required) {
      return Err(Status::InvalidArgument(reason::kMissingEvidence,
                                         "'" + std::string(path) + "' is required"));
    }
    return std::string();
  }
  ATTEST_ASSIGN_OR_RETURN(Bytes b, DecodeString(*v, path));
  if (b.size() > 256) return Err(Invalid("'" + std::string(path) + "' is longer than 256 bytes"));
  for (uint8_t c : b) {
    if (c < 0x20 || c == 0x7F) {
      return Err(Invalid("'" + std::string(path) + "' holds control characters"));
    }
  }
  return Text(b);
}

// An integer, or a decimal string (Python), of at most 32 bits.
StatusOr<uint32_t> Version(const json& obj, std::string_view name, std::string_view path) {
  ATTEST_ASSIGN_OR_RETURN(const json* v, Required(obj, name, path));
  if (v->is_number_unsigned() && v->get<uint64_t>() <= UINT32_MAX) {
    return static_cast<uint32_t>(v->get<uint64_t>());
  }
  if (v->is_string()) {
    const std::string& s = v->get_ref<const std::string&>();
    uint32_t out = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (!s.empty() && ec == std::errc() && end == s.data() + s.size()) return out;
  }
  return Err(Invalid("'" + std::string(path) + "' must be a non-negative 32-bit integer"));
}

StatusOr<uint32_t> PcrIndex(const json& v, std::string_view path) {
  if (!v.is_number_unsigned() || v.get<uint64_t>() >= kMaxPcrs) {
    return Err(Invalid("'" + std::string(path) + "' must be a PCR index 0-23"));
  }
  return static_cast<uint32_t>(v.get<uint64_t>());
}

StatusOr<GuestTpmInfo> ParseTpmInfo(const json& obj) {
  if (!obj.is_object()) return Err(Invalid("'TpmInfo' must be an object"));
  GuestTpmInfo t;
  ATTEST_ASSIGN_OR_RETURN(t.aik_cert, OptionalBinary(obj, "AikCert", "TpmInfo.AikCert"));
  ATTEST_ASSIGN_OR_RETURN(t.aik_pub, OptionalBinary(obj, "AikPub", "TpmInfo.AikPub"));
  ATTEST_ASSIGN_OR_RETURN(t.pcr_quote, RequiredBinary(obj, "PcrQuote", "TpmInfo.PcrQuote"));
  ATTEST_ASSIGN_OR_RETURN(t.pcr_signature,
                          RequiredBinary(obj, "PcrSignature", "TpmInfo.PcrSignature"));
  ATTEST_ASSIGN_OR_RETURN(t.enc_key_pub, RequiredBinary(obj, "EncKeyPub", "TpmInfo.EncKeyPub"));
  ATTEST_ASSIGN_OR_RETURN(t.enc_key_certify_info,
                          RequiredBinary(obj, "EncKeyCertifyInfo", "TpmInfo.EncKeyCertifyInfo"));
  ATTEST_ASSIGN_OR_RETURN(t.enc_key_certify_info_signature,
                          RequiredBinary(obj, "EncKeyCertifyInfoSignature",
                                         "TpmInfo.EncKeyCertifyInfoSignature"));
  ATTEST_ASSIGN_OR_RETURN(const json* set, Required(obj, "PcrSet", "TpmInfo.PcrSet"));
  if (!set->is_array() || set->size() > kMaxPcrs) {
    return Err(Invalid("'TpmInfo.PcrSet' must be an array of at most 24 PCR indices"));
  }
  for (const json& i : *set) {
    ATTEST_ASSIGN_OR_RETURN(uint32_t index, PcrIndex(i, "TpmInfo.PcrSet[]"));
    t.pcr_set.push_back(index);
  }
  ATTEST_ASSIGN_OR_RETURN(const json* pcrs, Required(obj, "PCRs", "TpmInfo.PCRs"));
  if (!pcrs->is_array() || pcrs->size() > kMaxPcrs) {
    return Err(Invalid("'TpmInfo.PCRs' must be an array of at most 24 {Index, Digest} objects"));
  }
  for (const json& p : *pcrs) {
    if (!p.is_object()) return Err(Invalid("'TpmInfo.PCRs[]' must be {Index, Digest} objects"));
    GuestPcr pcr;
    ATTEST_ASSIGN_OR_RETURN(const json* index, Required(p, "Index", "TpmInfo.PCRs[].Index"));
    ATTEST_ASSIGN_OR_RETURN(pcr.index, PcrIndex(*index, "TpmInfo.PCRs[].Index"));
    ATTEST_ASSIGN_OR_RETURN(pcr.digest, RequiredBinary(p, "Digest", "TpmInfo.PCRs[].Digest"));
    for (const GuestPcr& seen : t.pcrs) {
      if (seen.index == pcr.index) {
        return Err(Invalid("'TpmInfo.PCRs' lists PCR " + std::to_string(pcr.index) + " twice"));
      }
    }
    t.pcrs.push_back(std::move(pcr));
  }
  return t;
}

// SevSnp Proof: base64(JSON{"SnpReport": b64url(report), "VcekCertChain": b64(url)(PEM)}).
Status ParseSnpProof(ByteSpan proof, GuestIsolation& out) {
  std::string_view text(reinterpret_cast<const char*>(proof.data()), proof.size());
  if (!JsonTextDepthWithin(text, 2)) return Invalid("'IsolationInfo.Evidence.Proof' nests too deeply");
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) {
    return Invalid("'IsolationInfo.Evidence.Proof' must be base64 of a JSON object {SnpReport, VcekCertChain}");
  }
  ATTEST_ASSIGN_OR_RETURN(out.snp_report,
                          RequiredBinary(doc, "SnpReport", "IsolationInfo.Evidence.Proof.SnpReport"));
  if (const json* chain = FindMemberIgnoreCase(doc, "VcekCertChain")) {
    if (!chain->is_string()) {
      return Invalid("'IsolationInfo.Evidence.Proof.VcekCertChain' must be a string");
    }
    const std::string& s = chain->get_ref<const std::string&>();
    if (TrimWhitespace(s).starts_with("-----BEGIN")) {
      out.vcek_cert_chain = s;  // PEM as is
    } else {
      ATTEST_ASSIGN_OR_RETURN(Bytes pem,
                              DecodeString(*chain, "IsolationInfo.Evidence.Proof.VcekCertChain"));
      out.vcek_cert_chain = Text(pem);
    }
  }
  return Status::Ok();
}

StatusOr<GuestIsolation> ParseIsolation(const json& obj) {
  if (!obj.is_object()) return Err(Invalid("'IsolationInfo' must be an object"));
  ATTEST_ASSIGN_OR_RETURN(const json* type, Required(obj, "Type", "IsolationInfo.Type"));
  if (!type->is_string()) return Err(Invalid("'IsolationInfo.Type' must be a string"));
  const std::string& name = type->get_ref<const std::string&>();
  GuestIsolation out;
  if (EqualsIgnoreCase(name, "TrustedLaunch")) {
    out.type = GuestIsolationType::kTrustedLaunch;
    return out;  // no isolation evidence; any Evidence member is ignored
  }
  if (EqualsIgnoreCase(name, "SevSnp")) {
    out.type = GuestIsolationType::kSevSnp;
  } else if (EqualsIgnoreCase(name, "Tdx")) {
    out.type = GuestIsolationType::kTdx;
  } else {
    return Err(Invalid("'IsolationInfo.Type' must be \"SevSnp\", \"Tdx\" or \"TrustedLaunch\""));
  }
  ATTEST_ASSIGN_OR_RETURN(const json* evidence, Required(obj, "Evidence", "IsolationInfo.Evidence"));
  if (!evidence->is_object()) return Err(Invalid("'IsolationInfo.Evidence' must be an object"));
  ATTEST_ASSIGN_OR_RETURN(Bytes proof,
                          RequiredBinary(*evidence, "Proof", "IsolationInfo.Evidence.Proof"));
  ATTEST_ASSIGN_OR_RETURN(out.runtime_data, RequiredBinary(*evidence, "RunTimeData",
                                                           "IsolationInfo.Evidence.RunTimeData"));
  if (out.type == GuestIsolationType::kSevSnp) {
    ATTEST_RETURN_IF_ERROR(ParseSnpProof(proof, out));
    out.proof = std::move(proof);
  } else {
    out.td_quote = std::move(proof);
  }
  return out;
}

}  // namespace

std::string_view IsolationTypeName(GuestIsolationType type) {
  switch (type) {
    case GuestIsolationType::kSevSnp:
      return "SevSnp";
    case GuestIsolationType::kTdx:
      return "Tdx";
    case GuestIsolationType::kTrustedLaunch:
      return "TrustedLaunch";
  }
  return "TrustedLaunch";
}

StatusOr<AzureGuestRequest> ParseAzureGuestRequest(std::string_view body) {
  if (!JsonTextDepthWithin(body, kMaxBodyDepth)) {
    return Err(Invalid("the request body nests JSON too deeply"));
  }
  json outer = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!outer.is_object()) return Err(Invalid("the request body must be a JSON object"));
  ATTEST_ASSIGN_OR_RETURN(Bytes info_bytes, RequiredBinary(outer, "AttestationInfo", "AttestationInfo"));
  return ParseAttestationInfo(info_bytes);
}

StatusOr<AzureGuestRequest> ParseAttestationInfo(ByteSpan info_bytes) {
  if (info_bytes.size() > kMaxAttestationInfoSize) {
    return Err(Status::InvalidArgument(reason::kEvidenceTooLarge,
                                       "'AttestationInfo' is larger than the limit"));
  }
  std::string_view text(reinterpret_cast<const char*>(info_bytes.data()), info_bytes.size());
  if (!JsonTextDepthWithin(text, kMaxAttestationInfoDepth)) {
    return Err(Invalid("'AttestationInfo' nests JSON too deeply"));
  }
  json info = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!info.is_object()) return Err(Invalid("'AttestationInfo' must be base64url of a JSON object"));

  AzureGuestRequest out;
  ATTEST_ASSIGN_OR_RETURN(const json* version, Required(info, "AttestationProtocolVersion",
                                                        "AttestationInfo.AttestationProtocolVersion"));
  if (!version->is_string() || version->get_ref<const std::string&>().size() > 16) {
    return Err(Invalid("'AttestationInfo.AttestationProtocolVersion' must be a short string"));
  }
  out.protocol_version = version->get<std::string>();
  ATTEST_ASSIGN_OR_RETURN(out.os_type, EncodedText(info, "OSType", "AttestationInfo.OSType", true));
  ATTEST_ASSIGN_OR_RETURN(out.os_distro,
                          EncodedText(info, "OSDistro", "AttestationInfo.OSDistro", false));
  ATTEST_ASSIGN_OR_RETURN(out.os_build, EncodedText(info, "OSBuild", "AttestationInfo.OSBuild", false));
  ATTEST_ASSIGN_OR_RETURN(out.os_version_major,
                          Version(info, "OSVersionMajor", "AttestationInfo.OSVersionMajor"));
  ATTEST_ASSIGN_OR_RETURN(out.os_version_minor,
                          Version(info, "OSVersionMinor", "AttestationInfo.OSVersionMinor"));
  ATTEST_ASSIGN_OR_RETURN(out.tcg_logs, OptionalBinary(info, "TcgLogs", "AttestationInfo.TcgLogs"));
  if (const json* payload = FindMemberIgnoreCase(info, "ClientPayload")) {
    if (!payload->is_object() || payload->size() > kMaxClientPayloadEntries) {
      return Err(Invalid("'AttestationInfo.ClientPayload' must be an object of at most " +
                         std::to_string(kMaxClientPayloadEntries) + " string members"));
    }
    for (auto it = payload->begin(); it != payload->end(); ++it) {
      if (!it.value().is_string() || it.value().get_ref<const std::string&>().size() >
                                         kMaxClientPayloadValueSize ||
          it.key().size() > 256) {
        return Err(Invalid("'AttestationInfo.ClientPayload." + it.key().substr(0, 64) +
                           "' must be a string of at most 8 KiB"));
      }
      out.client_payload.emplace_back(it.key(), it.value().get<std::string>());
    }
  }
  ATTEST_ASSIGN_OR_RETURN(const json* tpm, Required(info, "TpmInfo", "AttestationInfo.TpmInfo"));
  ATTEST_ASSIGN_OR_RETURN(out.tpm, ParseTpmInfo(*tpm));
  ATTEST_ASSIGN_OR_RETURN(const json* isolation,
                          Required(info, "IsolationInfo", "AttestationInfo.IsolationInfo"));
  ATTEST_ASSIGN_OR_RETURN(out.isolation, ParseIsolation(*isolation));
  return out;
}

}  // namespace attest::evidence::azure_cvm
