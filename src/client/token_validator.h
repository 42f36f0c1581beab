// ValidateAttestationToken: the relying-party checks on an attestation token
// (maa-rest-api.md §6.3, made strict): RS256 signature by the /certs key named by the
// header "kid" (x5c[0]'s public key), exp/nbf against a clock with a small skew, and
// "iss" equal to the expected issuer. Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "base/time.h"
#include "client/attestation_signer.h"

namespace attest::client {

struct TokenValidationOptions {
  // The provider's base URL (no trailing slash); empty skips the issuer check.
  std::string expected_issuer;
  const Clock* clock = &SystemClock::Get();
  int64_t clock_skew_seconds = 60;
  // MAA tokens always carry exp; a token without one is rejected unless this is false.
  bool require_expiration = true;
};

// Returns the verified claims. Reasons, one per failure:
//   TOKEN_MALFORMED             not a compact JWS with JSON header and payload
//   TOKEN_ALGORITHM_UNSUPPORTED alg other than RS256 (including "none")
//   TOKEN_SIGNER_NOT_FOUND      no "kid", or no /certs key with that kid
//   TOKEN_KEY_UNSUITABLE        the signer's certificate is not RSA >= 2048 bits
//   TOKEN_SIGNATURE_INVALID     the signature does not verify
//   TOKEN_EXPIRED / TOKEN_NOT_YET_VALID / TOKEN_NO_EXPIRATION
//   TOKEN_ISSUER_MISMATCH       "iss" absent or different from expected_issuer
StatusOr<nlohmann::json> ValidateAttestationToken(std::string_view token,
                                                  const std::vector<AttestationSigner>& signers,
                                                  const TokenValidationOptions& options);

}  // namespace attest::client
