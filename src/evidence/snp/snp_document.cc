#include "evidence/snp/snp_document.h"

#include <nlohmann/json.hpp>
#include <string>

#include "base/encoding.h"

namespace attest::snp {
namespace {

constexpr int kMaxJsonDepth = 8;

Status Invalid(std::string message) {
  return Status::InvalidEvidence("SNP_DOCUMENT_INVALID", std::move(message));
}

}  // namespace

bool JsonDepthWithin(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) return false;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return true;
}

namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

const nlohmann::json* Member(const nlohmann::json& obj, std::string_view name) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (EqualsIgnoreCase(it.key(), name)) return &it.value();
  }
  return nullptr;
}

// base64url (MAA) or standard base64, padded or not, whitespace ignored.
StatusOr<Bytes> DecodeB64(const nlohmann::json& v, std::string_view what) {
  if (!v.is_string()) return Err(Invalid(std::string(what) + " is not a string"));
  std::string text;
  for (char c : v.get_ref<const std::string&>()) {
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') text += c;
  }
  while (!text.empty() && text.back() == '=') text.pop_back();
  if (auto b = Base64UrlDecode(text)) return std::move(*b);
  if (auto b = Base64Decode(text)) return std::move(*b);
  return Err(Invalid(std::string(what) + " is not base64url"));
}

StatusOr<nlohmann::json> ParseJson(ByteSpan bytes, std::string_view what) {
  std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (!JsonDepthWithin(text, kMaxJsonDepth)) {
    return Err(Invalid(std::string(what) + " nests deeper than " + std::to_string(kMaxJsonDepth)));
  }
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Err(Invalid(std::string(what) + " is not a JSON object"));
  }
  return j;
}

}  // namespace

StatusOr<SnpDocument> ParseSnpDocument(ByteSpan blob) {
  size_t first = 0;
  while (first < blob.size() && (blob[first] == ' ' || blob[first] == '\n' ||
                                 blob[first] == '\r' || blob[first] == '\t')) {
    ++first;
  }
  SnpDocument doc;
  if (first == blob.size() || blob[first] != '{') {
    doc.report.assign(blob.begin(), blob.end());  // a raw report
    return doc;
  }
  ATTEST_ASSIGN_OR_RETURN(nlohmann::json j, ParseJson(blob, "the SevSnpVm report document"));
  const nlohmann::json* report = Member(j, "SnpReport");
  if (report == nullptr) return Err(Invalid("the report document has no SnpReport"));
  ATTEST_ASSIGN_OR_RETURN(doc.report, DecodeB64(*report, "SnpReport"));
  if (const nlohmann::json* chain = Member(j, "VcekCertChain"); chain && !chain->is_null()) {
    ATTEST_ASSIGN_OR_RETURN(doc.cert_chain, DecodeB64(*chain, "VcekCertChain"));
  }
  if (const nlohmann::json* e = Member(j, "Endorsements"); e && !e->is_null()) {
    doc.had_endorsements = true;
    ATTEST_ASSIGN_OR_RETURN(Bytes ej, DecodeB64(*e, "Endorsements"));
    ATTEST_ASSIGN_OR_RETURN(nlohmann::json endorsements, ParseJson(ej, "Endorsements"));
    if (const nlohmann::json* uvm = Member(endorsements, "Uvm"); uvm && !uvm->is_null()) {
      if (!uvm->is_array()) return Err(Invalid("Endorsements.Uvm is not an array"));
      if (uvm->size() > kMaxUvmEndorsements) {
        return Err(Invalid("Endorsements.Uvm holds more than " +
                           std::to_string(kMaxUvmEndorsements) + " entries"));
      }
      for (const nlohmann::json& u : *uvm) {
        ATTEST_ASSIGN_OR_RETURN(Bytes cose, DecodeB64(u, "Endorsements.Uvm[]"));
        doc.uvm.push_back(std::move(cose));
      }
    }
  }
  return doc;
}

}  // namespace attest::snp
