// The sealed `service_context` of MAA's TPM protocol (spec/maa-service-behaviour.md §5.4):
// what the second round needs from the first (the challenge, the provider, an expiry),
// carried by the client, AEAD-sealed (AES-256-GCM) under a server key. Replicas sharing the
// key accept each other's contexts; each context is accepted once within its lifetime.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "base/bytes.h"
#include "base/status.h"
#include "base/time.h"

namespace attest::evidence::tpm {

// Where the sealing key comes from: a file today, the fleet's shared store later. Keys are
// 32 bytes (AES-256).
class ContextKeySource {
 public:
  virtual ~ContextKeySource() = default;
  virtual StatusOr<Bytes> Key() const = 0;
};

// A key held in memory (tests, or loaded once by a caller).
class FixedContextKey final : public ContextKeySource {
 public:
  explicit FixedContextKey(Bytes key) : key_(std::move(key)) {}
  StatusOr<Bytes> Key() const override { return key_; }

 private:
  Bytes key_;
};

// Loads a 32-byte key file; creates it (random, mode 0600) when absent. Reason on failure:
// CONTEXT_KEY_UNAVAILABLE.
StatusOr<std::unique_ptr<ContextKeySource>> LoadOrCreateContextKeyFile(const std::string& path);

// The sealing key of one attestd provider, derived (HKDF-SHA256) from the fleet's key-encryption
// key: every replica holding the KEK derives the same key, with nothing stored, and each
// provider gets its own. Reason on failure: CONTEXT_KEY_UNAVAILABLE.
StatusOr<std::unique_ptr<ContextKeySource>> DeriveContextKey(ByteSpan kek,
                                                             std::string_view provider_id);

struct ServiceContext {
  Bytes challenge;
  std::string provider;  // its use: "Tpm", or "Tpm@<attestd provider>"; another use is refused
  UnixTime expiry = 0;
  Bytes id;              // 16 random bytes: the single-use identity
};

class ServiceContextSealer {
 public:
  // `max_remembered`: used context ids kept until their expiry (bounded memory).
  ServiceContextSealer(std::shared_ptr<const ContextKeySource> key, int64_t lifetime_seconds,
                       size_t max_remembered = 100000);

  // A new context (random challenge and id) valid for the lifetime from `now`, and its
  // sealed base64url text.
  StatusOr<std::pair<ServiceContext, std::string>> Issue(size_t challenge_size, std::string provider,
                                                         UnixTime now) const;

  // Opens and consumes a context. Reasons: TPM_CONTEXT_INVALID (not ours: bad encoding,
  // authentication fails under our key, another provider), TPM_CONTEXT_EXPIRED,
  // TPM_CONTEXT_REPLAYED (already used); kUnavailable CONTEXT_CACHE_FULL when the replay
  // memory is full of live contexts.
  StatusOr<ServiceContext> Open(std::string_view sealed, std::string_view provider,
                                UnixTime now) const;

 private:
  std::shared_ptr<const ContextKeySource> key_;
  int64_t lifetime_;
  size_t max_remembered_;
  mutable std::mutex mu_;
  mutable std::map<Bytes, UnixTime> used_;  // id -> expiry
};

}  // namespace attest::evidence::tpm
