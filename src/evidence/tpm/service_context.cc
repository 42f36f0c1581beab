#include "evidence/tpm/service_context.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <nlohmann/json.hpp>

#include "base/encoding.h"
#include "base/file.h"
#include "crypto/aes_gcm.h"
#include "crypto/digest.h"
#include "crypto/openssl_ptr.h"

namespace attest::evidence::tpm {
namespace {

constexpr uint8_t kVersion = 1;
constexpr size_t kIvSize = 12;
constexpr size_t kTagSize = 16;
constexpr size_t kMaxSealedSize = 4096;

Status Invalid(std::string message) {
  return Status::InvalidEvidence("TPM_CONTEXT_INVALID", std::move(message));
}

Bytes Random(size_t n) { return crypto::RandomBytes(n).value_or(Bytes{}); }

}  // namespace

StatusOr<std::unique_ptr<ContextKeySource>> LoadOrCreateContextKeyFile(const std::string& path) {
  if (!FileExists(path)) {
    Bytes key = Random(32);
    if (key.empty()) return Err(Status::Unavailable("CONTEXT_KEY_UNAVAILABLE", "RAND_bytes"));
    Status s = WriteFileAtomic(path, key, 0600);
    if (!s.ok()) {
      return Err(Status::Unavailable("CONTEXT_KEY_UNAVAILABLE",
                                     "cannot create TPM context key " + path + ": " + s.message()));
    }
  }
  auto key = ReadFileBytes(path, 64);
  if (!key || key->size() != 32) {
    return Err(Status::Unavailable("CONTEXT_KEY_UNAVAILABLE",
                                   "TPM context key " + path + " is not a 32-byte file"));
  }
  return std::unique_ptr<ContextKeySource>(new FixedContextKey(std::move(*key)));
}

StatusOr<std::unique_ptr<ContextKeySource>> DeriveContextKey(ByteSpan kek,
                                                             std::string_view provider_id) {
  std::string info = "attestd tpm service_context v1";
  info.push_back('\0');
  info.append(provider_id);
  auto key = crypto::HkdfSha256(kek, {}, info, 32);
  if (!key) return Err(Status::Unavailable("CONTEXT_KEY_UNAVAILABLE", key.error().message()));
  return std::unique_ptr<ContextKeySource>(new FixedContextKey(std::move(*key)));
}

ServiceContextSealer::ServiceContextSealer(std::shared_ptr<const ContextKeySource> key,
                                           int64_t lifetime_seconds, size_t max_remembered)
    : key_(std::move(key)), lifetime_(lifetime_seconds), max_remembered_(max_remembered) {}

StatusOr<std::pair<ServiceContext, std::string>> ServiceContextSealer::Issue(
    size_t challenge_size, std::string provider, UnixTime now) const {
  ATTEST_ASSIGN_OR_RETURN(Bytes key, key_->Key());
  ServiceContext ctx{Random(challenge_size), std::move(provider), now + lifetime_, Random(16)};
  Bytes iv = Random(kIvSize);
  if (ctx.challenge.size() != challenge_size || ctx.id.size() != 16 || iv.size() != kIvSize) {
    return Err(Status::Unavailable("RANDOM_UNAVAILABLE", "RAND_bytes failed"));
  }
  std::string plain = nlohmann::json{{"c", Base64UrlEncode(ctx.challenge)},
                                     {"p", ctx.provider},
                                     {"e", ctx.expiry},
                                     {"i", Base64UrlEncode(ctx.id)}}
                          .dump();
  // sealed = version ‖ iv ‖ ciphertext ‖ tag; the version byte is authenticated (AAD).
  auto sealed = crypto::AesGcmSeal(key, iv, ByteSpan(&kVersion, 1), crypto::AsBytes(plain));
  if (!sealed) {
    return Err(Status::Internal("AES-GCM seal failed"));
  }
  Bytes out = {kVersion};
  out.insert(out.end(), iv.begin(), iv.end());
  out.insert(out.end(), sealed->ciphertext.begin(), sealed->ciphertext.end());
  out.insert(out.end(), sealed->tag.begin(), sealed->tag.end());
  return std::make_pair(std::move(ctx), Base64UrlEncode(out));
}

StatusOr<ServiceContext> ServiceContextSealer::Open(std::string_view sealed,
                                                    std::string_view provider, UnixTime now) const {
  if (sealed.size() > kMaxSealedSize) return Err(Invalid("service_context is too large"));
  auto raw = Base64UrlDecode(sealed);
  if (!raw || raw->size() < 1 + kIvSize + kTagSize || (*raw)[0] != kVersion) {
    return Err(Invalid("service_context is not a context issued by this service"));
  }
  ATTEST_ASSIGN_OR_RETURN(Bytes key, key_->Key());
  const ByteSpan box(*raw);
  const size_t ct_size = box.size() - 1 - kIvSize - kTagSize;
  auto plain = crypto::AesGcmOpen(key, box.subspan(1, kIvSize), ByteSpan(&kVersion, 1),
                                  box.subspan(1 + kIvSize, ct_size),
                                  box.subspan(1 + kIvSize + ct_size));
  if (!plain) {
    return Err(Invalid("service_context does not authenticate under this service's key"));
  }
  nlohmann::json j = nlohmann::json::parse(plain->begin(), plain->end(), nullptr, false);
  if (!j.is_object() || !j["c"].is_string() || !j["p"].is_string() || !j["e"].is_number_integer() ||
      !j["i"].is_string()) {
    return Err(Invalid("service_context content is malformed"));
  }
  ServiceContext ctx;
  ctx.challenge = Base64UrlDecode(j["c"].get<std::string>()).value_or(Bytes{});
  ctx.provider = j["p"].get<std::string>();
  ctx.expiry = j["e"].get<int64_t>();
  ctx.id = Base64UrlDecode(j["i"].get<std::string>()).value_or(Bytes{});
  if (ctx.provider != provider) {
    return Err(Invalid("service_context was issued for " + ctx.provider + ", not " +
                       std::string(provider)));
  }
  if (now > ctx.expiry) {
    return Err(Status::InvalidEvidence("TPM_CONTEXT_EXPIRED", "service_context has expired"));
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (used_.contains(ctx.id)) {
    return Err(Status::InvalidEvidence("TPM_CONTEXT_REPLAYED", "service_context was already used"));
  }
  if (used_.size() >= max_remembered_) {
    std::erase_if(used_, [now](const auto& e) { return e.second < now; });
    if (used_.size() >= max_remembered_) {
      return Err(Status::Unavailable("CONTEXT_CACHE_FULL",
                                     "too many TPM protocol contexts in flight; retry later"));
    }
  }
  used_.emplace(ctx.id, ctx.expiry);
  return ctx;
}

}  // namespace attest::evidence::tpm
