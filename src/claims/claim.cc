#include "claims/claim.h"

#include <map>

namespace attest::claims {

Issuer::Issuer(std::string_view name) {
  if (name == kIssuerAttestationService) {
    view_ = kIssuerAttestationService;
  } else if (name == kIssuerAttestationPolicy) {
    view_ = kIssuerAttestationPolicy;
  } else {
    owned_ = std::make_shared<const std::string>(name);
    view_ = *owned_;
  }
}

void ClaimSet::Add(std::string_view type, nlohmann::json value, std::string_view issuer) {
  claims_.push_back(Claim{std::string(type), std::move(value), Issuer(issuer)});
}

void ClaimSet::Set(std::string_view type, nlohmann::json value, std::string_view issuer) {
  // `type` may view a claim about to be erased: copy it first.
  std::string owned(type);
  std::erase_if(claims_, [&](const Claim& c) { return c.type == owned; });
  Add(owned, std::move(value), issuer);
}

void ClaimSet::Remove(std::string_view type) {
  std::erase_if(claims_, [type](const Claim& c) { return c.type == type; });
}

void ClaimSet::Append(const ClaimSet& other) {
  claims_.insert(claims_.end(), other.claims_.begin(), other.claims_.end());
}

const Claim* ClaimSet::Find(std::string_view type) const {
  for (const Claim& c : claims_) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

const nlohmann::json* ClaimSet::FindValue(std::string_view type) const {
  const Claim* c = Find(type);
  return c ? &c->value : nullptr;
}

nlohmann::json ClaimSet::ToJsonObject() const {
  nlohmann::json out = nlohmann::json::object();
  std::map<std::string, size_t> count;
  for (const Claim& c : claims_) ++count[c.type];
  for (const Claim& c : claims_) {
    if (count[c.type] == 1) {
      out[c.type] = c.value;
    } else {
      nlohmann::json& arr = out[c.type];
      if (!arr.is_array()) arr = nlohmann::json::array();
      arr.push_back(c.value);
    }
  }
  return out;
}

}  // namespace attest::claims
