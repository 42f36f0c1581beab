#include "service/key_encryption.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>

#include <memory>

#include "base/encoding.h"
#include "base/file.h"

namespace attest::service {
namespace {

constexpr uint8_t kFormatVersion = 1;
constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

Status KekInvalid(std::string message) {
  return Status::InvalidArgument("KEK_INVALID", std::move(message));
}

StatusOr<Bytes> ParseHexKek(std::string text, std::string_view where) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  size_t start = 0;
  while (start < text.size() && std::isspace(static_cast<unsigned char>(text[start]))) ++start;
  auto kek = HexDecode(std::string_view(text).substr(start));
  OPENSSL_cleanse(text.data(), text.size());
  if (!kek.has_value() || kek->size() != kKekBytes) {
    return Err(KekInvalid(std::string(where) + " must hold 64 hex digits (a 256-bit key)"));
  }
  return kek;
}

}  // namespace

StatusOr<Bytes> LoadKek(const std::string& file, const char* env_value) {
  if (!file.empty()) {
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) return Err(KekInvalid("cannot read the KEK file " + file));
    if ((st.st_mode & 077) != 0) {
      return Err(KekInvalid("the KEK file " + file +
                            " must not be accessible to group or others (chmod 600)"));
    }
    ATTEST_ASSIGN_OR_RETURN(std::string text, ReadFileText(file, 1024));
    return ParseHexKek(std::move(text), "the KEK file");
  }
  if (env_value != nullptr && *env_value != '\0') {
    return ParseHexKek(env_value, kKekEnvironmentVariable);
  }
  return Err(KekInvalid("no key-encryption key: set token_key_kek_file or " +
                        std::string(kKekEnvironmentVariable)));
}

Bytes SealWithKek(ByteSpan kek, std::string_view associated, ByteSpan plaintext) {
  Bytes out(1 + kNonceBytes + plaintext.size() + kTagBytes);
  out[0] = kFormatVersion;
  uint8_t* nonce = out.data() + 1;
  uint8_t* ct = nonce + kNonceBytes;
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (kek.size() != kKekBytes || RAND_bytes(nonce, kNonceBytes) != 1 || !ctx ||
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, kek.data(), nonce) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len,
                        reinterpret_cast<const uint8_t*>(associated.data()),
                        static_cast<int>(associated.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), ct, &len, plaintext.data(),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), ct + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, ct + plaintext.size()) != 1) {
    return {};
  }
  return out;
}

StatusOr<Bytes> OpenWithKek(ByteSpan kek, std::string_view associated, ByteSpan sealed) {
  const Status failed = Status::FailedPrecondition(
      "KEY_UNSEALING_FAILED",
      "a stored token key does not open with the configured KEK (wrong KEK or altered record)");
  if (kek.size() != kKekBytes || sealed.size() < 1 + kNonceBytes + kTagBytes ||
      sealed[0] != kFormatVersion) {
    return Err(failed);
  }
  const uint8_t* nonce = sealed.data() + 1;
  const uint8_t* ct = nonce + kNonceBytes;
  const size_t ct_len = sealed.size() - 1 - kNonceBytes - kTagBytes;
  Bytes tag(ct + ct_len, ct + ct_len + kTagBytes);
  Bytes out(ct_len);
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  int final_len = 0;
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, kek.data(), nonce) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len,
                        reinterpret_cast<const uint8_t*>(associated.data()),
                        static_cast<int>(associated.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), out.data(), &len, ct, static_cast<int>(ct_len)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), out.data() + len, &final_len) != 1) {
    OPENSSL_cleanse(out.data(), out.size());
    return Err(failed);
  }
  return out;
}

}  // namespace attest::service
