// Claim and ClaimSet: what verifiers produce, policies read and tokens carry.
//
// A claim is (type, value, issuer). Values are JSON values (string, integer, boolean, or
// for a few service claims objects/arrays). A ClaimSet keeps insertion order and may hold
// several claims of one type (the policy language allows it). Thread-compatible.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace attest::claims {

// The issuer of every claim a verifier produces (MAA's incoming-claim issuer).
inline constexpr std::string_view kIssuerAttestationService = "AttestationService";

struct Claim {
  std::string type;
  nlohmann::json value;
  std::string issuer = std::string(kIssuerAttestationService);

  bool operator==(const Claim&) const = default;
};

class ClaimSet {
 public:
  // Takes views so that callers holding names as constants (std::string_view) need no copy
  // of their own; the set stores its own strings.
  void Add(std::string_view type, nlohmann::json value,
           std::string_view issuer = kIssuerAttestationService);
  // Replaces every claim of `type` with one claim.
  void Set(std::string_view type, nlohmann::json value,
           std::string_view issuer = kIssuerAttestationService);
  void Append(const ClaimSet& other);
  // Room for `n` claims: a verifier that knows its count saves the vector's regrowth.
  void Reserve(size_t n) { claims_.reserve(n); }

  // The first claim of `type`, or nullptr.
  const Claim* Find(std::string_view type) const;
  const nlohmann::json* FindValue(std::string_view type) const;
  bool Contains(std::string_view type) const { return Find(type) != nullptr; }

  const std::vector<Claim>& claims() const { return claims_; }
  size_t size() const { return claims_.size(); }
  bool empty() const { return claims_.empty(); }

  // {"type": value, ...}; several claims of one type become a JSON array.
  nlohmann::json ToJsonObject() const;

 private:
  std::vector<Claim> claims_;
};

}  // namespace attest::claims
