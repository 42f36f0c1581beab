// TestKey: a fresh ECDSA P-256 key pair for minting test certificates, CRLs, signed
// collateral and quotes, with DCAP's raw encodings (x ‖ y public key, r ‖ s signature).
//
// Cheap to copy (the key is shared and immutable). Thread-safe.
#pragma once

#include <openssl/evp.h>

#include <memory>

#include "base/bytes.h"

namespace attest::testing {

class TestKey {
 public:
  // A new random P-256 key.
  static TestKey Generate();

  EVP_PKEY* get() const { return key_.get(); }
  // Big-endian x ‖ y (64 bytes, no 0x04 prefix), as in a quote's attestation key.
  Bytes PublicRaw() const;
  // DER SubjectPublicKeyInfo.
  Bytes SpkiDer() const;
  // ECDSA-P256-SHA256 over `data`, returned as big-endian r ‖ s (64 bytes).
  Bytes SignRaw(ByteSpan data) const;

 private:
  explicit TestKey(std::shared_ptr<EVP_PKEY> key) : key_(std::move(key)) {}
  std::shared_ptr<EVP_PKEY> key_;
};

}  // namespace attest::testing
