#include "evidence/tpm/pcr_values_json.h"

#include <charconv>
#include <string>

#include "base/encoding.h"

namespace attest::evidence::tpm {
namespace {

Status Bad(std::string message) {
  return Status::InvalidArgument("TPM_PCR_VALUES_MALFORMED", std::move(message));
}

}  // namespace

Status ParsePcrValuesJson(std::string_view text, PcrValues& out) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("bank") || !j["bank"].is_string() || !j.contains("pcrs") ||
      !j["pcrs"].is_object()) {
    return Bad(R"(PCR values are not {"bank":"<hash>","pcrs":{"<index>":"<hex>",...}})");
  }
  std::string bank_name = j["bank"].get<std::string>();
  std::optional<uint16_t> bank = HashFromName(bank_name);
  if (!bank) return Bad("unknown PCR bank '" + bank_name + "'");
  if (out.contains(*bank)) return Bad("PCR bank " + bank_name + " given twice");
  PcrBank values;
  for (const auto& [key, value] : j["pcrs"].items()) {
    uint32_t index = 0;
    auto [ptr, ec] = std::from_chars(key.data(), key.data() + key.size(), index);
    if (ec != std::errc() || ptr != key.data() + key.size() || index > 23) {
      return Bad("PCR index '" + key + "' is not 0-23");
    }
    if (!value.is_string()) return Bad("PCR " + key + " is not a hex string");
    auto bytes = HexDecode(value.get<std::string>());
    if (!bytes || bytes->size() != HashSize(*bank)) {
      return Bad("PCR " + key + " is not a " + std::to_string(HashSize(*bank)) + "-byte hex value");
    }
    values[index] = std::move(*bytes);
  }
  out[*bank] = std::move(values);
  return Status::Ok();
}

nlohmann::json PcrValuesToJson(const PcrValues& pcrs) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [bank, values] : pcrs) {
    nlohmann::json b = nlohmann::json::object();
    for (const auto& [index, value] : values) b[std::to_string(index)] = HexEncode(value);
    out[std::string(HashName(bank))] = std::move(b);
  }
  return out;
}

}  // namespace attest::evidence::tpm
