// AttestationSigner: one token-signing key published at GET /certs (a JWKS with x5c,
// maa-rest-api.md §3.2), as the SDKs' getAttestationSigners() returns it.
// Immutable value; thread-safe to share once built.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "crypto/x509.h"

namespace attest::client {

struct AttestationSigner {
  std::string key_id;                              // JWK "kid" (opaque)
  std::vector<crypto::Certificate> certificates;   // x5c, leaf (the signing cert) first
};

// Parses a JWKS body. Every key must have a string "kid" and an "x5c" whose members are
// standard base64 DER certificates; keys without x5c are skipped (they cannot be used the way
// MAA clients use /certs). Reason on failure: INVALID_JWKS.
StatusOr<std::vector<AttestationSigner>> ParseJwks(std::string_view body);

// The signer whose key_id equals `kid`, or nullptr.
const AttestationSigner* FindSigner(const std::vector<AttestationSigner>& signers,
                                    std::string_view kid);

}  // namespace attest::client
