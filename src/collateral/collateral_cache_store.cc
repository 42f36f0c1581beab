#include "collateral/collateral_cache_store.h"

#include <nlohmann/json.hpp>

namespace attest::collateral {

StoredCollateralItem ToStored(const CollateralItem& item) {
  return {item.key, item.url, item.body, item.headers, item.fetched_at};
}

CollateralItem FromStored(const StoredCollateralItem& stored) {
  CollateralItem item;
  item.key = stored.key;
  item.url = stored.url;
  item.body = stored.body;
  item.headers = stored.headers;
  item.fetched_at = stored.fetched_at;
  return item;
}

std::string HeadersToJson(const HeaderList& headers) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& [k, v] : headers) {
    j.push_back({k, v});
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

StatusOr<HeaderList> HeadersFromJson(std::string_view json) {
  auto bad = [] {
    return Err(Status::InvalidArgument("INVALID_COLLATERAL_RECORD",
                                       "headers must be a JSON array of [name, value] pairs"));
  };
  nlohmann::json j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!j.is_array() || j.size() > 64) {
    return bad();
  }
  HeaderList out;
  for (const auto& pair : j) {
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string()) {
      return bad();
    }
    std::string name = pair[0].get<std::string>();
    for (char& c : name) {
      if (c >= 'A' && c <= 'Z') {
        c = static_cast<char>(c - 'A' + 'a');
      }
    }
    out.emplace_back(std::move(name), pair[1].get<std::string>());
  }
  return out;
}

}  // namespace attest::collateral
