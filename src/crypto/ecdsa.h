// ECDSA verification with raw (r ‖ s) signatures and raw (x ‖ y) public keys, as Intel
// DCAP and AMD SEV-SNP encode them. Thread-safe: keys are immutable after construction.
#pragma once

#include <cstddef>

#include "base/bytes.h"
#include "base/status.h"
#include "crypto/openssl_ptr.h"

namespace attest::crypto {

// Builds a P-256 public key from the 64-byte big-endian x ‖ y (no 0x04 prefix). Fails
// (reason `reason`) when the point is not on the curve.
StatusOr<EvpPkeyPtr> EcP256KeyFromRaw(ByteSpan xy, std::string_view reason);

// Verifies a raw big-endian r ‖ s signature (2 × `component_size` bytes) over
// `digest` (already hashed) with `key`. Returns false for any failure, including
// malformed signatures.
bool VerifyEcdsaDigestRaw(EVP_PKEY* key, ByteSpan digest, ByteSpan rs, size_t component_size);

// SHA-256 over `data`, then VerifyEcdsaDigestRaw with 32-byte components.
bool VerifyEcdsaP256Sha256Raw(EVP_PKEY* key, ByteSpan data, ByteSpan rs);

// Converts r ‖ s into a DER ECDSA-Sig-Value.
StatusOr<Bytes> RawEcdsaSignatureToDer(ByteSpan rs, size_t component_size);

}  // namespace attest::crypto
