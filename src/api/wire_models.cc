#include "api/wire_models.h"

#include <nlohmann/json.hpp>

#include "base/encoding.h"
#include "base/json_fields.h"
#include "base/reasons.h"
#include "base/strings.h"

namespace attest::api {
namespace {

using evidence::AttestationType;
using evidence::BoundData;

Status Invalid(std::string reason, std::string message) {
  return Status::InvalidArgument(std::move(reason), std::move(message));
}

StatusOr<Bytes> DecodeBase64UrlMember(const nlohmann::json& value, std::string_view name) {
  if (!value.is_string()) {
    return Err(Invalid(reason::kInvalidBase64url,
                       "request member '" + std::string(name) + "' must be a base64url string"));
  }
  auto bytes = Base64UrlDecode(value.get_ref<const std::string&>());
  if (!bytes.has_value()) {
    return Err(Invalid(reason::kInvalidBase64url,
                       "request member '" + std::string(name) + "' is not valid base64url"));
  }
  return std::move(*bytes);
}

// spec/maa-rest-api.md §4.1: {"data": base64url, "dataType": "Binary" | "JSON"}.
StatusOr<BoundData> ParseBoundData(const nlohmann::json& value, std::string_view name,
                                   std::string_view reason) {
  if (!value.is_object()) {
    return Err(Invalid(std::string(reason), "request member '" + std::string(name) +
                                                "' must be an object {data, dataType}"));
  }
  BoundData out;
  const nlohmann::json* data = FindMemberIgnoreCase(value, "data");
  if (data == nullptr) {
    return Err(Invalid(std::string(reason), "request member '" + std::string(name) +
                                                ".data' is required"));
  }
  auto bytes = DecodeBase64UrlMember(*data, std::string(name) + ".data");
  if (!bytes.has_value()) return Err(bytes.error());
  out.data = std::move(*bytes);
  if (const nlohmann::json* type = FindMemberIgnoreCase(value, "dataType")) {
    if (type->is_string() && EqualsIgnoreCase(type->get_ref<const std::string&>(), "Binary")) {
      out.kind = BoundData::Kind::kBinary;
    } else if (type->is_string() && EqualsIgnoreCase(type->get_ref<const std::string&>(), "JSON")) {
      out.kind = BoundData::Kind::kJson;
    } else {
      return Err(Invalid(std::string(reason), "request member '" + std::string(name) +
                                                  ".dataType' must be \"Binary\" or \"JSON\""));
    }
  }
  return out;
}

}  // namespace

StatusOr<const evidence::AttestationTypeDescriptor*> ParseRouteAttestationType(
    std::string_view segment) {
  const AttestationTypeVocabulary* maa_type = FindByRestName(segment);
  if (maa_type == nullptr) {
    return Err(
        Status::NotFound(reason::kAttestationTypeUnknown,
                         "unknown attestation type '" + std::string(segment.substr(0, 64)) + "'"));
  }
  const evidence::AttestationTypeDescriptor* descriptor = evidence::FindDescriptor(maa_type->type);
  if (descriptor == nullptr) return Err(evidence::UnsupportedType(maa_type->type));
  return descriptor;
}

StatusOr<service::AttestationRequest> ParseAttestRequest(AttestationType type,
                                                         std::string_view body) {
  if (!JsonTextDepthWithin(body, kMaxJsonDepth)) {
    return Err(Invalid(reason::kInvalidRequestBody, "the request body nests JSON too deeply"));
  }
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return Err(Invalid(reason::kInvalidRequestBody, "the request body is not valid JSON"));
  }
  if (!doc.is_object()) {
    return Err(Invalid(reason::kInvalidRequestBody, "the request body must be a JSON object"));
  }
  service::AttestationRequest out;
  out.type = type;
  // §4.2-4.5: `quote` (SGX, TDX) or `report` (Open Enclave, SEV-SNP), from the vocabulary.
  const std::string_view evidence_name = Vocabulary(type).evidence_member;
  if (evidence_name.empty()) return Err(evidence::UnsupportedType(type));
  const nlohmann::json* evidence = FindMemberIgnoreCase(doc, evidence_name);
  if (evidence == nullptr) {
    return Err(Invalid(reason::kMissingEvidence,
                       "request member '" + std::string(evidence_name) + "' is required"));
  }
  if (type == AttestationType::kAzureGuest) {
    // maa-real-clients.md §3: AttestationInfo is base64url (Python) or base64 (C++); its JSON
    // carries the runtime data, bound by the isolation evidence, so no request member may
    // stand in for it (x-ms-runtime names the key the answer is sealed to).
    if (!evidence->is_string() || !Base64AnyDecode(evidence->get_ref<const std::string&>())) {
      return Err(Invalid(reason::kInvalidBase64url,
                         "request member 'AttestationInfo' is not base64url or base64"));
    }
    out.evidence = *Base64AnyDecode(evidence->get_ref<const std::string&>());
    for (const char* member : {"runtimeData", "initTimeData"}) {
      if (FindMemberIgnoreCase(doc, member) != nullptr) {
        return Err(Invalid(reason::kInvalidRuntimeData,
                           std::string("AzureGuest takes no '") + member +
                               "': the runtime data travels inside AttestationInfo"));
      }
    }
  } else {
    ATTEST_ASSIGN_OR_RETURN(out.evidence, DecodeBase64UrlMember(*evidence, evidence_name));
  }
  if (out.evidence.empty()) {
    return Err(Invalid(reason::kMissingEvidence,
                       "request member '" + std::string(evidence_name) + "' is empty"));
  }
  if (out.evidence.size() > evidence::kMaxEvidenceSize) {
    return Err(Invalid(reason::kEvidenceTooLarge, "the evidence is larger than the limit"));
  }
  if (const nlohmann::json* v = FindMemberIgnoreCase(doc, "runtimeData")) {
    ATTEST_ASSIGN_OR_RETURN(out.runtime_data,
                            ParseBoundData(*v, "runtimeData", reason::kInvalidRuntimeData));
  }
  if (const nlohmann::json* v = FindMemberIgnoreCase(doc, "initTimeData")) {
    ATTEST_ASSIGN_OR_RETURN(out.init_time_data,
                            ParseBoundData(*v, "initTimeData", reason::kInvalidInitTimeData));
  }
  if (const nlohmann::json* v = FindMemberIgnoreCase(doc, "nonce")) {
    // §1.3: string in the swagger, a JSON number from the SKR sidecar; echoed as a string.
    if (v->is_string()) {
      out.nonce = v->get<std::string>();
    } else if (v->is_number()) {
      out.nonce = v->dump();
    } else {
      return Err(
          Invalid(reason::kInvalidNonce, "request member 'nonce' must be a string or a number"));
    }
  }
  if (const nlohmann::json* v = FindMemberIgnoreCase(doc, "draftPolicyForAttestation")) {
    if (!v->is_string()) {
      return Err(Invalid(reason::kInvalidRequestBody,
                         "request member 'draftPolicyForAttestation' must be a string"));
    }
    out.draft_policy = v->get<std::string>();
  }
  return out;
}

}  // namespace attest::api
