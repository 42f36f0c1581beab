#include "evidence/azure_cvm/variable_data.h"

#include <string>

#include "base/encoding.h"
#include "base/reasons.h"
#include "base/strings.h"
#include "crypto/jwk.h"

namespace attest::evidence::azure_cvm {
namespace {

constexpr std::string_view kAkKid = "HCLAkPub";
constexpr std::string_view kEkKid = "HCLEkPub";

Status Invalid(std::string message) {
  return Status::InvalidEvidence(reason::kHclVariableDataInvalid,
                                 "HCL variable data: " + std::move(message));
}

}  // namespace

StatusOr<HclVariableData> ParseHclVariableData(ByteSpan bytes) {
  if (bytes.size() > kMaxVariableDataSize) {
    return Err(Invalid(std::to_string(bytes.size()) + " bytes; the limit is " +
                       std::to_string(kMaxVariableDataSize)));
  }
  std::string_view text = AsChars(bytes);
  if (!JsonTextDepthWithin(text, kMaxVariableDataDepth)) {
    return Err(Invalid("nested deeper than " + std::to_string(kMaxVariableDataDepth)));
  }
  HclVariableData out;
  out.claims = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!out.claims.is_object()) {
    return Err(Invalid("not a JSON object"));
  }
  auto keys = out.claims.find("keys");
  if (keys == out.claims.end() || !keys->is_array()) {
    return Err(Invalid("`keys` is missing or not an array"));
  }
  for (const nlohmann::json& jwk : *keys) {
    if (!jwk.is_object()) {
      return Err(Invalid("a member of `keys` is not a JWK object"));
    }
    auto kid = jwk.find("kid");
    if (kid == jwk.end() || !kid->is_string()) {
      continue;  // keys attestd does not use may be of any shape
    }
    const std::string& name = kid->get_ref<const std::string&>();
    crypto::EvpPkeyPtr* slot = name == kAkKid ? &out.ak_public
                               : name == kEkKid ? &out.ek_public
                                                : nullptr;
    if (slot == nullptr) {
      continue;
    }
    if (*slot) {
      return Err(Invalid("`keys` holds " + name + " twice"));
    }
    auto key = crypto::PublicKeyFromJwk(jwk, reason::kHclVariableDataInvalid);
    if (!key.has_value()) {
      return Err(Invalid(name + ": " + key.error().message()));
    }
    *slot = std::move(*key);
  }
  if (!out.ak_public) {
    return Err(Invalid("no attestation key (a JWK with kid \"HCLAkPub\")"));
  }
  auto config = out.claims.find("vm-configuration");
  if (config != out.claims.end() && !config->is_object()) {
    return Err(Invalid("`vm-configuration` is not an object"));
  }
  auto user_data = out.claims.find("user-data");
  if (user_data != out.claims.end()) {
    if (!user_data->is_string() || user_data->get_ref<const std::string&>().size() != 128) {
      return Err(Invalid("`user-data` is not 128 hex digits"));
    }
    auto decoded = HexDecode(user_data->get_ref<const std::string&>());
    if (!decoded.has_value()) {
      return Err(Invalid("`user-data` is not 128 hex digits"));
    }
    out.user_data = std::move(*decoded);
  }
  return out;
}

}  // namespace attest::evidence::azure_cvm
