// KeyRing: the token-signing keys of a provider over time (issue 12 item 4; spec/maa-
// service-behaviour.md §6 "publish the new key in /certs well before first use; switch
// signing; keep the old key listed for >= max token lifetime").
//
// Each key has an activation time. At time t:
// - the signing key is the one with the latest activation time <= t (when every key
//   activates in the future, the earliest one: a ring is never without a signer);
// - /certs lists every key that has not activated yet (pre-published), the signing key, and
//   each earlier key until `retention` seconds after its successor activated (the longest a
//   token it signed can stay valid).
// The switch is a pure function of the clock, so replicas that hold the same keys switch
// together without talking to each other.
//
// Thread-safe: Replace() swaps the whole set; readers hold shared_ptrs to immutable keys.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/time.h"
#include "token/signing_key.h"

namespace attest::token {

struct RingKey {
  std::shared_ptr<const SigningKey> key;
  int64_t activate_at = 0;
};

class KeyRing {
 public:
  // `clock` must outlive the ring.
  KeyRing(const Clock& clock, int64_t retention_seconds)
      : clock_(clock), retention_(retention_seconds) {}

  void Replace(std::vector<RingKey> keys);
  bool empty() const;

  // The key that signs now; nullptr when the ring is empty.
  std::shared_ptr<const SigningKey> SigningKeyNow() const;
  // The keys /certs lists now, signing key included.
  std::vector<std::shared_ptr<const SigningKey>> PublishedNow() const;

 private:
  const Clock& clock_;
  const int64_t retention_;
  mutable std::mutex mu_;
  std::vector<RingKey> keys_;  // by activation time
};

}  // namespace attest::token
