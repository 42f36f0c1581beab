// Token-signing keys held in the store and shared by every replica (issue 12 item 4), with
// rotation: a new key is published in /certs at once and signs only from its activation
// time, which every replica reaches together (token::KeyRing); the old key stays published
// for the retention after that (the longest a token it signed stays valid).
//
// Private keys reach the store only sealed under the KEK (service/key_encryption.h); key
// material is never logged and never appears in a Status message.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "base/bytes.h"
#include "base/status.h"
#include "store/store.h"
#include "token/key_ring.h"
#include "token/signing_key.h"

namespace attest::service {

struct TokenKeyOptions {
  std::string provider_id;
  std::string base_url;  // CN of new keys' certificates (spec/maa-service-behaviour.md §6)
  Bytes kek;             // 32 bytes
};

// Reads and unseals every stored key of the provider into `ring`.
// Errors: store kUnavailable; KEY_UNSEALING_FAILED (wrong KEK); SIGNING_KEY_UNUSABLE.
Status LoadTokenKeys(store::Store& store, const TokenKeyOptions& options, token::KeyRing& ring);

// Stores `initial` (e.g. the key of a deployment that kept it in its data directory, so that
// its kid survives the move) or else a new key as the provider's first key, active from
// `now`, unless the provider has a key already. True when this call added it.
StatusOr<bool> EnsureFirstTokenKey(store::Store& store, const TokenKeyOptions& options,
                                   const token::SigningKey* initial, int64_t now);

// Creates the next key: published from `now`, signing from `now + overlap_seconds`.
StatusOr<store::TokenKeyRecord> RotateTokenKey(store::Store& store, const TokenKeyOptions& options,
                                               int64_t now, int64_t overlap_seconds);

// Reloads the ring from the store every `interval` on a background thread, so that a key
// rotated through any replica (or attestctl) is published here within `interval`. A failed
// reload keeps the ring as it was and reports the error to `on_error`.
class TokenKeyRefresher {
 public:
  TokenKeyRefresher(store::Store& store, TokenKeyOptions options, token::KeyRing& ring,
                    std::chrono::seconds interval, std::function<void(const Status&)> on_error);
  ~TokenKeyRefresher();
  TokenKeyRefresher(const TokenKeyRefresher&) = delete;
  TokenKeyRefresher& operator=(const TokenKeyRefresher&) = delete;

 private:
  void Run();

  store::Store& store_;
  const TokenKeyOptions options_;
  token::KeyRing& ring_;
  const std::chrono::seconds interval_;
  const std::function<void(const Status&)> on_error_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace attest::service
