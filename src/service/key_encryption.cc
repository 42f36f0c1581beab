#include "service/key_encryption.h"

#include <openssl/crypto.h>
#include <sys/stat.h>

#include <memory>

#include "base/encoding.h"
#include "base/file.h"
#include "crypto/aes_gcm.h"

namespace attest::service {
namespace {

constexpr uint8_t kFormatVersion = 1;
constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;

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
  // version ‖ nonce ‖ ciphertext ‖ tag
  auto nonce = crypto::RandomBytes(kNonceBytes);
  if (!nonce) {
    return {};
  }
  auto sealed = crypto::AesGcmSeal(kek, *nonce, crypto::AsBytes(associated), plaintext);
  if (!sealed) {
    return {};
  }
  Bytes out = {kFormatVersion};
  out.insert(out.end(), nonce->begin(), nonce->end());
  out.insert(out.end(), sealed->ciphertext.begin(), sealed->ciphertext.end());
  out.insert(out.end(), sealed->tag.begin(), sealed->tag.end());
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
  const size_t ct_len = sealed.size() - 1 - kNonceBytes - kTagBytes;
  auto out = crypto::AesGcmOpen(kek, sealed.subspan(1, kNonceBytes), crypto::AsBytes(associated),
                                sealed.subspan(1 + kNonceBytes, ct_len),
                                sealed.subspan(1 + kNonceBytes + ct_len));
  if (!out) {
    return Err(failed);
  }
  return std::move(*out);
}

}  // namespace attest::service
