// Claim and ClaimSet: what verifiers produce, policies read and tokens carry.
//
// A claim is (type, value, issuer). Values are JSON values (string, integer, boolean, or
// for a few service claims objects/arrays). A ClaimSet keeps insertion order and may hold
// several claims of one type (the policy language allows it). Thread-compatible.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace attest::claims {

// The issuer of every claim a verifier produces (MAA's incoming-claim issuer).
inline constexpr std::string_view kIssuerAttestationService = "AttestationService";
// The issuer of every claim a policy adds or issues.
inline constexpr std::string_view kIssuerAttestationPolicy = "AttestationPolicy";

// A claim's issuer. The two names MAA uses (kIssuerAttestationService for what verifiers and
// the service produce, "AttestationPolicy" for what a policy issues) are held by reference,
// so the ~40 claims of a verification allocate nothing for their issuer; any other name is
// kept in a shared string. Copies are cheap; compares by name.
class Issuer {
 public:
  Issuer() : view_(kIssuerAttestationService) {}
  Issuer(std::string_view name);  // NOLINT(google-explicit-constructor): names convert
  // Copy only: a moved-from Issuer would keep a view into the string its successor owns.
  Issuer(const Issuer&) = default;
  Issuer& operator=(const Issuer&) = default;
  operator std::string_view() const { return view_; }  // NOLINT(google-explicit-constructor)
  std::string_view view() const { return view_; }
  std::string str() const { return std::string(view_); }

  friend bool operator==(const Issuer& a, const Issuer& b) { return a.view_ == b.view_; }
  friend bool operator==(const Issuer& a, std::string_view b) { return a.view_ == b; }
  friend std::ostream& operator<<(std::ostream& os, const Issuer& i) { return os << i.view_; }

 private:
  std::shared_ptr<const std::string> owned_;  // set only for names other than the two
  std::string_view view_;
};

struct Claim {
  std::string type;
  nlohmann::json value;
  Issuer issuer;

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
  // Drops every claim of `type`.
  void Remove(std::string_view type);
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
