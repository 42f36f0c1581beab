#include "token/key_ring.h"

#include <algorithm>

namespace attest::token {

void KeyRing::Replace(std::vector<RingKey> keys) {
  std::stable_sort(keys.begin(), keys.end(), [](const RingKey& a, const RingKey& b) {
    return a.activate_at < b.activate_at;
  });
  std::lock_guard lock(mu_);
  keys_ = std::move(keys);
}

bool KeyRing::empty() const {
  std::lock_guard lock(mu_);
  return keys_.empty();
}

std::shared_ptr<const SigningKey> KeyRing::SigningKeyNow() const {
  const int64_t now = clock_.Now();
  std::lock_guard lock(mu_);
  if (keys_.empty()) return nullptr;
  std::shared_ptr<const SigningKey> signer = keys_.front().key;
  for (const RingKey& k : keys_) {
    if (k.activate_at <= now) signer = k.key;
  }
  return signer;
}

std::vector<std::shared_ptr<const SigningKey>> KeyRing::PublishedNow() const {
  const int64_t now = clock_.Now();
  const std::shared_ptr<const SigningKey> signer = SigningKeyNow();
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<const SigningKey>> out;
  for (size_t i = 0; i < keys_.size(); ++i) {
    const RingKey& k = keys_[i];
    const bool upcoming = k.activate_at > now;
    // Signing ended when the next key activated; its tokens live `retention_` at most.
    const bool tokens_may_live =
        i + 1 < keys_.size() && keys_[i + 1].activate_at + retention_ > now;
    if (upcoming || k.key == signer || tokens_may_live) out.push_back(k.key);
  }
  return out;
}

}  // namespace attest::token
