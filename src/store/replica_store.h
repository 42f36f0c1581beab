// ReplicaStore: the Store a replica of a fleet uses (issue 12 "stateless replicas"). It
// passes every call to the shared store, except that the policy in force is held in memory:
//
// - Propagation bound: a held policy is re-read from the store when it is older than
//   `refresh_interval`, so a policy committed by any replica is in force here at most
//   `refresh_interval` (plus one store read) after its commit. A write through this replica
//   is in force here at once.
// - Outage: when the re-read fails kUnavailable, the held policy keeps being answered for up
//   to `max_staleness` after it was last read successfully; after that the read's error is
//   returned (attestation answers 503). A type never read before answers the error at once.
// - While a re-read is in flight (or failed less than `refresh_interval` ago) other callers
//   get the held policy instead of queueing on the store.
//
// Thread-safe when the wrapped store is.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "store/store.h"

namespace attest::store {

struct ReplicaStoreOptions {
  std::chrono::milliseconds refresh_interval{1000};
  std::chrono::seconds max_staleness{300};
};

class ReplicaStore final : public Store {
 public:
  using SteadyNow = std::function<std::chrono::steady_clock::time_point()>;

  ReplicaStore(std::unique_ptr<Store> backing, ReplicaStoreOptions options,
               SteadyNow now = &std::chrono::steady_clock::now)
      : backing_(std::move(backing)), options_(options), now_(std::move(now)) {}

  Status CreateProvider(const Provider& provider,
                        const std::vector<SignerRecord>& initial_signers) override {
    return backing_->CreateProvider(provider, initial_signers);
  }
  StatusOr<std::optional<Provider>> GetProvider(std::string_view provider_id) override {
    return backing_->GetProvider(provider_id);
  }
  StatusOr<std::vector<Provider>> ListProviders() override { return backing_->ListProviders(); }
  // Also forgets the policies held for the provider.
  Status DeleteProvider(std::string_view provider_id) override;
  Status AppendPolicy(std::string_view provider_id, const PolicyRecord& record) override;
  StatusOr<std::optional<PolicyRecord>> CurrentPolicy(std::string_view provider_id,
                                                      std::string_view type) override;
  StatusOr<std::vector<PolicyRecord>> PolicyHistory(std::string_view provider_id,
                                                    std::string_view type) override {
    return backing_->PolicyHistory(provider_id, type);
  }
  StatusOr<std::vector<SignerRecord>> ListSigners(std::string_view provider_id) override {
    return backing_->ListSigners(provider_id);
  }
  StatusOr<bool> AddSigner(std::string_view provider_id, const SignerRecord& signer) override {
    return backing_->AddSigner(provider_id, signer);
  }
  StatusOr<bool> RemoveSigner(std::string_view provider_id, std::string_view thumbprint) override {
    return backing_->RemoveSigner(provider_id, thumbprint);
  }
  Status PutKey(std::string_view provider_id, const KeyRecord& key) override {
    return backing_->PutKey(provider_id, key);
  }
  StatusOr<std::vector<KeyRecord>> ListKeys(std::string_view provider_id) override {
    return backing_->ListKeys(provider_id);
  }

  StatusOr<bool> AddTokenKey(std::string_view provider_id, const TokenKeyRecord& key,
                             bool only_if_none) override {
    return backing_->AddTokenKey(provider_id, key, only_if_none);
  }
  StatusOr<std::vector<TokenKeyRecord>> ListTokenKeys(std::string_view provider_id) override {
    return backing_->ListTokenKeys(provider_id);
  }

  // Policy answers given from memory because the store was unavailable (for /metrics).
  uint64_t stale_answers() const;

 private:
  using TimePoint = std::chrono::steady_clock::time_point;
  struct Held {
    bool loaded = false;
    std::optional<PolicyRecord> policy;
    TimePoint loaded_at{};     // start of the last successful read
    TimePoint attempted_at{};  // start of the last read
    uint64_t generation = 0;   // bumped by writes through this replica
  };
  using Key = std::pair<std::string, std::string>;  // (provider, type)

  std::unique_ptr<Store> backing_;
  const ReplicaStoreOptions options_;
  const SteadyNow now_;
  mutable std::mutex mu_;
  std::map<Key, Held> held_;
  uint64_t stale_answers_ = 0;
};

}  // namespace attest::store
