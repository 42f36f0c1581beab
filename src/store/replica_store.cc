#include "store/replica_store.h"

namespace attest::store {

Status ReplicaStore::AppendPolicy(std::string_view provider_id, const PolicyRecord& record) {
  Status s = backing_->AppendPolicy(provider_id, record);
  // Forget the held policy even when the write failed: a failed COMMIT acknowledgement may
  // hide a write that happened.
  std::lock_guard lock(mu_);
  Held& held = held_[Key(provider_id, record.attestation_type)];
  held.loaded = false;
  ++held.generation;
  return s;
}

StatusOr<std::optional<PolicyRecord>> ReplicaStore::CurrentPolicy(std::string_view provider_id,
                                                                  std::string_view type) {
  const Key key(provider_id, type);
  const TimePoint start = now_();
  uint64_t generation = 0;
  {
    std::lock_guard lock(mu_);
    Held& held = held_[key];
    if (held.loaded) {
      const bool fresh = start - held.loaded_at < options_.refresh_interval;
      const bool read_recently = start - held.attempted_at < options_.refresh_interval;
      const bool within_staleness = start - held.loaded_at <= options_.max_staleness;
      if (fresh || (read_recently && within_staleness)) return held.policy;
    }
    held.attempted_at = start;
    generation = held.generation;
  }
  auto read = backing_->CurrentPolicy(provider_id, type);
  std::lock_guard lock(mu_);
  Held& held = held_[key];
  if (read.has_value()) {
    if (held.generation == generation) {
      held.loaded = true;
      held.policy = *read;
      held.loaded_at = start;
    }
    return read;
  }
  if (read.error().code() == StatusCode::kUnavailable && held.loaded &&
      held.generation == generation && start - held.loaded_at <= options_.max_staleness) {
    ++stale_answers_;
    return held.policy;
  }
  return read;
}

Status ReplicaStore::DeleteProvider(std::string_view provider_id) {
  Status s = backing_->DeleteProvider(provider_id);
  std::lock_guard lock(mu_);
  for (auto& [key, held] : held_) {
    if (key.first == provider_id) {
      held.loaded = false;
      held.policy.reset();
      ++held.generation;  // a read in flight does not bring the policy back
    }
  }
  return s;
}

uint64_t ReplicaStore::stale_answers() const {
  std::lock_guard lock(mu_);
  return stale_answers_;
}

}  // namespace attest::store
