// SignatureCache: remembers ECDSA P-256 (message, signature, key) triples that verified, keyed
// by their exact bytes. Every quote from one platform's quoting enclave carries the same QE
// report and PCK signature over it, so a warm quote skips that verify. ECDSA verification is
// deterministic: a remembered triple would verify again, so the answer never changes. Only
// successes are remembered (a failure costs the attacker a verify, not us memory).
//
// Bounded (forgets everything when full) and thread-safe.
#pragma once

#include <mutex>
#include <string>
#include <unordered_set>

#include <openssl/evp.h>

#include "base/bytes.h"

namespace attest::dcap {

class SignatureCache {
 public:
  explicit SignatureCache(size_t max_entries) : max_entries_(max_entries) {}

  // Whether `signature` (raw r‖s) over SHA-256(`message`) verifies with `key`, whose public
  // key is exactly `key_id` (e.g. its DER SubjectPublicKeyInfo): the cache is only as exact as
  // `key_id`.
  bool VerifyP256Sha256(EVP_PKEY* key, ByteSpan key_id, ByteSpan message, ByteSpan signature);

  void Clear();
  size_t size() const;

 private:
  const size_t max_entries_;
  mutable std::mutex mu_;
  std::unordered_set<std::string> verified_;
};

}  // namespace attest::dcap
