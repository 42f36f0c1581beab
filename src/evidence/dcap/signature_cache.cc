#include "evidence/dcap/signature_cache.h"

#include <cstdint>

#include "crypto/ecdsa.h"

namespace attest::dcap {
namespace {

void AppendPrefixed(std::string& out, ByteSpan b) {
  uint32_t n = static_cast<uint32_t>(b.size());
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(n >> (8 * i)));
  out.append(AsChars(b));
}

}  // namespace

bool SignatureCache::VerifyP256Sha256(EVP_PKEY* key, ByteSpan key_id, ByteSpan message,
                                      ByteSpan signature) {
  // The exact bytes, length-prefixed: no hash, so no collision can make a forged triple hit.
  std::string triple;
  triple.reserve(12 + key_id.size() + message.size() + signature.size());
  AppendPrefixed(triple, key_id);
  AppendPrefixed(triple, message);
  AppendPrefixed(triple, signature);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (verified_.contains(triple)) {
      return true;
    }
  }
  if (!crypto::VerifyEcdsaP256Sha256Raw(key, message, signature)) {
    return false;
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (verified_.size() >= max_entries_) {
    verified_.clear();
  }
  verified_.insert(std::move(triple));
  return true;
}

void SignatureCache::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  verified_.clear();
}

size_t SignatureCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return verified_.size();
}

}  // namespace attest::dcap
