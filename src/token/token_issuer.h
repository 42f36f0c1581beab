// TokenIssuer: turns a claim object into a signed MAA-shaped JWT.
//
// Adds the registered claims (spec/maa-tokens.md §1): iss = base URI, iat = nbf = now,
// exp = iat + lifetime, jti = 64 lower-case hex of 32 random bytes (attestation tokens
// only), and signs with header {"alg":"RS256","jku":"<base>/certs","kid":...,"typ":"JWT"}.
// Holds references to a SigningKey (or a KeyRing: the ring's signing key at the time of each
// token) and a Clock that must outlive it. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "base/status.h"
#include "base/time.h"
#include "token/key_ring.h"
#include "token/signing_key.h"

namespace attest::token {

// spec/maa-tokens.md §1: attestation tokens live 8 h, policy/certificate results 1 h.
inline constexpr int64_t kAttestationTokenLifetime = 28800;
inline constexpr int64_t kManagementTokenLifetime = 3600;

// The largest attestation token (compact JWS, signed or unsigned) issued; beyond it the
// answer is kInvalidArgument TOKEN_TOO_LARGE (docs/policy-limits.md). Policy-issued claims
// are capped at 64 KiB by the policy engine; this bounds the rest (runtime data, verifier
// claims) so that no request can make the service build or send an unbounded response.
inline constexpr size_t kMaxAttestationTokenBytes = 256 * 1024;

class TokenIssuer {
 public:
  TokenIssuer(const SigningKey& key, std::string base_url, const Clock& clock)
      : key_(&key), base_url_(std::move(base_url)), clock_(clock) {}
  // Keys rotate (issue 12): each token is signed by the ring's key of the moment.
  TokenIssuer(const KeyRing& ring, std::string base_url, const Clock& clock)
      : ring_(&ring), base_url_(std::move(base_url)), clock_(clock) {}

  // `claims` must be a JSON object; its iss/iat/nbf/exp/jti members are overwritten.
  // Attestation tokens (signed or unsigned) larger than kMaxAttestationTokenBytes are
  // refused: kInvalidArgument TOKEN_TOO_LARGE.
  // `lifetime_seconds`: exp - iat (a policy's report_validity_in_minutes, else 8 h).
  StatusOr<std::string> IssueAttestationToken(
      nlohmann::json claims, int64_t lifetime_seconds = kAttestationTokenLifetime) const;
  StatusOr<std::string> IssueManagementToken(nlohmann::json claims) const;
  // The same claims as an unsigned {"alg":"none"} token (draft-policy results).
  StatusOr<std::string> IssueUnsecuredToken(
      nlohmann::json claims, int64_t lifetime_seconds = kAttestationTokenLifetime) const;

  const std::string& base_url() const { return base_url_; }

 private:
  Status AddRegisteredClaims(nlohmann::json& claims, int64_t lifetime, bool with_jti) const;
  nlohmann::json Header(const SigningKey& key) const;
  // The signing key for one token; `hold` keeps a ring key alive while it is used.
  StatusOr<const SigningKey*> KeyForToken(std::shared_ptr<const SigningKey>& hold) const;

  const SigningKey* key_ = nullptr;
  const KeyRing* ring_ = nullptr;
  std::string base_url_;
  const Clock& clock_;
};

}  // namespace attest::token
