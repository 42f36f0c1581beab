#include "service/token_keys.h"

#include <openssl/crypto.h>

#include "service/key_encryption.h"

namespace attest::service {
namespace {

// Associated data of a sealed key: a sealed key moved to another kid or provider fails.
std::string SealContext(const TokenKeyOptions& options, std::string_view kid) {
  return "attestd token key/" + options.provider_id + "/" + std::string(kid);
}

StatusOr<store::TokenKeyRecord> SealKey(const TokenKeyOptions& options,
                                        const token::SigningKey& key, int64_t now,
                                        int64_t activate_at) {
  ATTEST_ASSIGN_OR_RETURN(Bytes der, key.PrivateKeyDer());
  store::TokenKeyRecord record;
  record.kid = key.kid();
  record.cert_der = key.certificate_der();
  record.sealed_private_key = SealWithKek(options.kek, SealContext(options, key.kid()), der);
  OPENSSL_cleanse(der.data(), der.size());
  if (record.sealed_private_key.empty()) return Err(Status::Internal("sealing a token key failed"));
  record.created_at = now;
  record.activate_at = activate_at;
  return record;
}

}  // namespace

Status LoadTokenKeys(store::Store& store, const TokenKeyOptions& options, token::KeyRing& ring) {
  auto records = store.ListTokenKeys(options.provider_id);
  if (!records.has_value()) return records.error();
  std::vector<token::RingKey> keys;
  for (const store::TokenKeyRecord& r : *records) {
    auto opened = OpenWithKek(options.kek, SealContext(options, r.kid), r.sealed_private_key);
    if (!opened.has_value()) return opened.error();
    Bytes der = std::move(*opened);
    auto key = token::SigningKey::FromDer(der, r.cert_der);
    OPENSSL_cleanse(der.data(), der.size());
    if (!key.has_value()) return key.error();
    if (key->kid() != r.kid) {
      return Status::FailedPrecondition("SIGNING_KEY_UNUSABLE",
                                        "stored token key " + r.kid + " has another kid");
    }
    keys.push_back({std::make_shared<const token::SigningKey>(std::move(*key)), r.activate_at});
  }
  ring.Replace(std::move(keys));
  return Status::Ok();
}

StatusOr<bool> EnsureFirstTokenKey(store::Store& store, const TokenKeyOptions& options,
                                   const token::SigningKey* initial, int64_t now) {
  ATTEST_ASSIGN_OR_RETURN(std::vector<store::TokenKeyRecord> existing,
                          store.ListTokenKeys(options.provider_id));
  if (!existing.empty()) return false;
  std::optional<token::SigningKey> generated;
  if (initial == nullptr) {
    ATTEST_ASSIGN_OR_RETURN(generated, token::SigningKey::Generate(options.base_url));
    initial = &*generated;
  }
  ATTEST_ASSIGN_OR_RETURN(store::TokenKeyRecord record, SealKey(options, *initial, now, now));
  return store.AddTokenKey(options.provider_id, record, /*only_if_none=*/true);
}

StatusOr<store::TokenKeyRecord> RotateTokenKey(store::Store& store, const TokenKeyOptions& options,
                                               int64_t now, int64_t overlap_seconds) {
  ATTEST_ASSIGN_OR_RETURN(token::SigningKey key, token::SigningKey::Generate(options.base_url));
  ATTEST_ASSIGN_OR_RETURN(store::TokenKeyRecord record,
                          SealKey(options, key, now, now + overlap_seconds));
  ATTEST_ASSIGN_OR_RETURN(bool added,
                          store.AddTokenKey(options.provider_id, record, /*only_if_none=*/false));
  (void)added;  // a fresh key's kid cannot be taken (KEY_EXISTS otherwise)
  return record;
}

TokenKeyRefresher::TokenKeyRefresher(store::Store& store, TokenKeyOptions options,
                                     token::KeyRing& ring, std::chrono::seconds interval,
                                     std::function<void(const Status&)> on_error)
    : store_(store),
      options_(std::move(options)),
      ring_(ring),
      interval_(interval),
      on_error_(std::move(on_error)),
      thread_([this] { Run(); }) {}

TokenKeyRefresher::~TokenKeyRefresher() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void TokenKeyRefresher::Run() {
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, interval_, [this] { return stop_; })) {
    lock.unlock();
    Status s = LoadTokenKeys(store_, options_, ring_);
    if (!s.ok() && on_error_) on_error_(s);
    lock.lock();
  }
}

}  // namespace attest::service
