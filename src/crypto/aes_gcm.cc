#include "crypto/aes_gcm.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <climits>
#include <memory>

namespace attest::crypto {
namespace {

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

bool SizesOk(ByteSpan key, ByteSpan iv, size_t aad, size_t text) {
  return key.size() == kAesGcmKeySize && iv.size() == kAesGcmIvSize && aad <= INT_MAX &&
         text <= INT_MAX;
}

}  // namespace

std::optional<AesGcmSealed> AesGcmSeal(ByteSpan key, ByteSpan iv, ByteSpan aad,
                                       ByteSpan plaintext) {
  if (!SizesOk(key, iv, aad.size(), plaintext.size())) return std::nullopt;
  AesGcmSealed out{Bytes(plaintext.size()), Bytes(kAesGcmTagSize)};
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int len = 0;
  int final_len = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), iv.data()) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), out.ciphertext.data(), &len, plaintext.data(),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), out.ciphertext.data() + len, &final_len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kAesGcmTagSize, out.tag.data()) != 1) {
    return std::nullopt;
  }
  return out;
}

std::optional<Bytes> AesGcmOpen(ByteSpan key, ByteSpan iv, ByteSpan aad, ByteSpan ciphertext,
                                ByteSpan tag) {
  if (!SizesOk(key, iv, aad.size(), ciphertext.size()) || tag.size() != kAesGcmTagSize) {
    return std::nullopt;
  }
  Bytes out(ciphertext.size());
  Bytes tag_copy(tag.begin(), tag.end());  // EVP_CTRL_GCM_SET_TAG takes a non-const pointer
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int len = 0;
  int final_len = 0;
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), iv.data()) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), out.data(), &len, ciphertext.data(),
                        static_cast<int>(ciphertext.size())) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kAesGcmTagSize, tag_copy.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), out.data() + len, &final_len) != 1) {
    OPENSSL_cleanse(out.data(), out.size());
    return std::nullopt;
  }
  return out;
}

std::optional<Bytes> RandomBytes(size_t n) {
  Bytes out(n);
  if (n > INT_MAX || (n > 0 && RAND_bytes(out.data(), static_cast<int>(n)) != 1)) {
    return std::nullopt;
  }
  return out;
}

}  // namespace attest::crypto
