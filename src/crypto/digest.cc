#include "crypto/digest.h"

#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/sha.h>

namespace attest::crypto {
namespace {

// SHA-256 fetched from the default provider once: SHA256() and EVP_sha256() look the
// implementation up again on every call, which costs as much as hashing a quote.
const EVP_MD* Sha256Md() {
  static const EVP_MD* md = [] {
    const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
    return fetched != nullptr ? fetched : EVP_sha256();
  }();
  return md;
}

}  // namespace

Sha256Digest Sha256(ByteSpan data) {
  Sha256Digest out;
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &len, Sha256Md(), nullptr);
  return out;
}

Sha256Digest Sha256(ByteSpan a, ByteSpan b) {
  Sha256Digest out;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, Sha256Md(), nullptr);
  EVP_DigestUpdate(ctx, a.data(), a.size());
  EVP_DigestUpdate(ctx, b.data(), b.size());
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, out.data(), &len);
  EVP_MD_CTX_free(ctx);
  return out;
}

Bytes Sha2Digest(Sha2 alg, ByteSpan data) {
  Bytes out(alg == Sha2::kSha256 ? SHA256_DIGEST_LENGTH
            : alg == Sha2::kSha384 ? SHA384_DIGEST_LENGTH
                                   : SHA512_DIGEST_LENGTH);
  switch (alg) {
    case Sha2::kSha256:
      SHA256(data.data(), data.size(), out.data());
      break;
    case Sha2::kSha384:
      SHA384(data.data(), data.size(), out.data());
      break;
    case Sha2::kSha512:
      SHA512(data.data(), data.size(), out.data());
      break;
  }
  return out;
}

StatusOr<Bytes> HkdfSha256(ByteSpan ikm, ByteSpan salt, std::string_view info, size_t length) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nullptr);
  Bytes out(length);
  size_t out_len = length;
  // OpenSSL wants non-null buffers even when empty.
  static const unsigned char kEmpty = 0;
  bool ok = ctx != nullptr && EVP_PKEY_derive_init(ctx) > 0 &&
            EVP_PKEY_CTX_set_hkdf_md(ctx, EVP_sha256()) > 0 &&
            EVP_PKEY_CTX_set1_hkdf_salt(ctx, salt.empty() ? &kEmpty : salt.data(),
                                        static_cast<int>(salt.size())) > 0 &&
            EVP_PKEY_CTX_set1_hkdf_key(ctx, ikm.empty() ? &kEmpty : ikm.data(),
                                       static_cast<int>(ikm.size())) > 0 &&
            EVP_PKEY_CTX_add1_hkdf_info(
                ctx, info.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(info.data()),
                static_cast<int>(info.size())) > 0 &&
            EVP_PKEY_derive(ctx, out.data(), &out_len) > 0 && out_len == length;
  EVP_PKEY_CTX_free(ctx);
  if (!ok) return Err(Status::Internal("HKDF-SHA256 failed"));
  return out;
}

}  // namespace attest::crypto
