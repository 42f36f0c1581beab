// JSON Web Keys (RFC 7517, RFC 7518 §6) for signature verification keys: the one JWK
// importer and exporter of attestd, and the x5c certificate arrays of JWS headers and JWKs
// (RFC 7515 §4.1.6, RFC 7517 §4.7). Public keys only; private JWKs are never read.
//
// Stateless; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "crypto/jws.h"
#include "crypto/openssl_ptr.h"
#include "crypto/x509.h"

namespace attest::crypto {

// The certificates of an x5c member: a non-empty array of at most `max_certs` base64 DER
// certificates (standard alphabet; the url-safe one is tolerated). Errors carry `reason`.
StatusOr<std::vector<Certificate>> CertificatesFromX5c(const nlohmann::json& x5c,
                                                       size_t max_certs, std::string_view reason);

// The public key of a JWK: the key of x5c[0] when x5c is present, else kty "RSA" (n, e) or
// kty "EC" with crv "P-256" / "P-384" (x, y of the curve's size). Wrong JSON types are
// refused like missing members. Errors carry `reason` (InvalidArgument).
StatusOr<EvpPkeyPtr> PublicKeyFromJwk(const nlohmann::json& jwk, std::string_view reason);

// {"kty":"RSA","n","e"} or {"kty":"EC","crv","x","y"} for an RSA or P-256/P-384 key.
StatusOr<nlohmann::json> PublicJwk(EVP_PKEY* key);

// RFC 7638 JWK thumbprint (SHA-256 of the required members in lexicographic order),
// base64url.
StatusOr<std::string> JwkThumbprint(EVP_PKEY* key);

// The algorithm a key signs JWS with: RS256 for RSA, ES256 for P-256, ES384 for P-384.
StatusOr<JwsAlg> DefaultJwsAlg(EVP_PKEY* key);

}  // namespace attest::crypto
