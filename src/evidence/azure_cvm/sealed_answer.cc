#include "evidence/azure_cvm/sealed_answer.h"

#include <openssl/crypto.h>
#include <openssl/rsa.h>

#include <nlohmann/json.hpp>

#include "base/encoding.h"
#include "base/reasons.h"
#include "base/strings.h"
#include "crypto/aes_gcm.h"
#include "crypto/openssl_ptr.h"

namespace attest::evidence::azure_cvm {
namespace {

Status Invalid(std::string message) {
  return Status::InvalidArgument(reason::kSealedAnswerInvalid, std::move(message));
}

StatusOr<Bytes> Base64Member(const nlohmann::json& obj, const char* name) {
  auto it = obj.find(name);
  if (it == obj.end() || !it->is_string()) {
    return Err(Invalid(std::string("sealed answer has no string member '") + name + "'"));
  }
  auto bytes = Base64Decode(it->get_ref<const std::string&>());
  if (!bytes.has_value()) return Err(Invalid(std::string("sealed answer '") + name + "' is not base64"));
  return std::move(*bytes);
}

}  // namespace

StatusOr<std::string> SealGuestAnswer(std::string_view jwt, EVP_PKEY* enc_key) {
  auto key = crypto::RandomBytes(crypto::kAesGcmKeySize);
  auto iv = crypto::RandomBytes(crypto::kAesGcmIvSize);
  if (!key || !iv) return Err(Status::Internal("RAND_bytes failed"));
  auto sealed = crypto::AesGcmSeal(*key, *iv, crypto::AsBytes(kSealedAnswerAad), crypto::AsBytes(jwt));
  if (!sealed) {
    OPENSSL_cleanse(key->data(), key->size());
    return Err(Status::Internal("AES-256-GCM failed"));
  }
  crypto::EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new(enc_key, nullptr));
  size_t wrapped_size = 0;
  Bytes wrapped;
  bool ok = ctx && EVP_PKEY_encrypt_init(ctx.get()) == 1 &&
            EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) == 1 &&
            EVP_PKEY_encrypt(ctx.get(), nullptr, &wrapped_size, key->data(), key->size()) == 1;
  if (ok) {
    wrapped.resize(wrapped_size);
    ok = EVP_PKEY_encrypt(ctx.get(), wrapped.data(), &wrapped_size, key->data(), key->size()) == 1;
    wrapped.resize(wrapped_size);
  }
  OPENSSL_cleanse(key->data(), key->size());
  if (!ok) return Err(Status::Internal("RSA key wrap to EncKeyPub failed"));
  nlohmann::ordered_json answer = {
      {"EncryptedInnerKey", Base64Encode(wrapped)},
      {"EncryptionParams",
       {{"Cipher", "AES"},
        {"BlockMode", "ChainingModeGCM"},
        {"BlockPadding", "PKCS7"},
        {"KeySizeInBits", 256},
        {"Iv", Base64Encode(*iv)}}},
      {"AuthenticationData", Base64Encode(sealed->tag)},
      {"Jwt", Base64Encode(sealed->ciphertext)}};
  return Base64UrlEncode(crypto::AsBytes(answer.dump()));
}

StatusOr<std::string> OpenGuestAnswer(std::string_view token, const InnerKeyUnwrapper& unwrap) {
  if (token.size() > kMaxSealedAnswerSize) return Err(Invalid("sealed answer is too large"));
  auto raw = Base64UrlDecode(token);
  if (!raw.has_value()) return Err(Invalid("sealed answer is not base64url"));
  std::string_view text(reinterpret_cast<const char*>(raw->data()), raw->size());
  if (!JsonTextDepthWithin(text, 8)) return Err(Invalid("sealed answer nests too deeply"));
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return Err(Invalid("sealed answer is not a JSON object"));
  auto params = doc.find("EncryptionParams");
  if (params == doc.end() || !params->is_object()) {
    return Err(Invalid("sealed answer has no EncryptionParams object"));
  }
  auto is = [&](const char* name, const nlohmann::json& want) {
    auto it = params->find(name);
    return it != params->end() && *it == want;
  };
  if (!is("Cipher", "AES") || !is("BlockMode", "ChainingModeGCM") || !is("KeySizeInBits", 256)) {
    return Err(Invalid("sealed answer does not use AES-256-GCM"));
  }
  ATTEST_ASSIGN_OR_RETURN(Bytes iv, Base64Member(*params, "Iv"));
  ATTEST_ASSIGN_OR_RETURN(Bytes wrapped, Base64Member(doc, "EncryptedInnerKey"));
  ATTEST_ASSIGN_OR_RETURN(Bytes tag, Base64Member(doc, "AuthenticationData"));
  ATTEST_ASSIGN_OR_RETURN(Bytes ciphertext, Base64Member(doc, "Jwt"));
  if (iv.size() != crypto::kAesGcmIvSize || tag.size() != crypto::kAesGcmTagSize) {
    return Err(Invalid("sealed answer IV or tag has the wrong size"));
  }
  ATTEST_ASSIGN_OR_RETURN(Bytes key, unwrap(wrapped));
  auto plain = crypto::AesGcmOpen(key, iv, crypto::AsBytes(kSealedAnswerAad), ciphertext, tag);
  OPENSSL_cleanse(key.data(), key.size());
  if (!plain.has_value()) {
    return Err(Invalid("sealed answer does not authenticate under its inner key"));
  }
  return std::string(plain->begin(), plain->end());
}

InnerKeyUnwrapper SoftwareUnwrapper(EVP_PKEY* private_key) {
  EVP_PKEY_up_ref(private_key);
  std::shared_ptr<EVP_PKEY> key(private_key, EVP_PKEY_free);
  return [key](ByteSpan wrapped) -> StatusOr<Bytes> {
    crypto::EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new(key.get(), nullptr));
    Bytes out(crypto::kAesGcmKeySize + 256);
    size_t size = out.size();
    if (!ctx || EVP_PKEY_decrypt_init(ctx.get()) != 1 ||
        EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1 ||
        EVP_PKEY_decrypt(ctx.get(), out.data(), &size, wrapped.data(), wrapped.size()) != 1 ||
        size != crypto::kAesGcmKeySize) {
      return Err(Invalid("EncryptedInnerKey does not unwrap to a 256-bit key with this key"));
    }
    out.resize(size);
    return out;
  };
}

}  // namespace attest::evidence::azure_cvm
