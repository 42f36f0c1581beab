// The sealed answer of /attest/AzureGuest (maa-real-clients.md §3): the signed token encrypted
// so that only the attested VM's TPM can read it.
//
//   token = b64url(JSON{
//     "EncryptedInnerKey": base64(RSAES-PKCS1-v1_5(K) to EncKeyPub),
//     "EncryptionParams": {"Cipher":"AES","BlockMode":"ChainingModeGCM","BlockPadding":"PKCS7",
//                          "KeySizeInBits":256,"Iv":base64(12 bytes)},
//     "AuthenticationData": base64(16-byte GCM tag),
//     "Jwt": base64(AES-256-GCM_K(JWT) with additional data "Transport Key")})
//
// The key wrap is RSAES-PKCS1-v1_5, not OAEP: both Microsoft clients unwrap K with
// TPM2_RSA_Decrypt under TPM_ALG_RSAES (the C++ library's "MAA uses RSA-ES", the Python tool's
// TPMS_SCHEME_RSAES), so an OAEP-wrapped key would not open on a real VM. The ephemeral key
// carries no scheme of its own (TPM_ALG_NULL), so the TPM applies the one the caller names.
// Stateless; thread-safe.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include <openssl/evp.h>

#include "base/bytes.h"
#include "base/status.h"

namespace attest::evidence::azure_cvm {

inline constexpr char kSealedAnswerAad[] = "Transport Key";
inline constexpr size_t kMaxSealedAnswerSize = 512 * 1024;

// The `token` value of the AzureGuest response. Internal error only (OpenSSL failure).
StatusOr<std::string> SealGuestAnswer(std::string_view jwt, EVP_PKEY* enc_key);

// Unwraps EncryptedInnerKey (with the TPM, or a private key in tests).
using InnerKeyUnwrapper = std::function<StatusOr<Bytes>(ByteSpan encrypted_inner_key)>;

// The JWT inside a sealed answer. Reason SEALED_ANSWER_INVALID (InvalidArgument) for an answer
// that does not decode, names another cipher, has the wrong IV/tag/key sizes or does not
// authenticate; the unwrapper's own failures pass through.
StatusOr<std::string> OpenGuestAnswer(std::string_view token, const InnerKeyUnwrapper& unwrap);

// An unwrapper holding the private half of EncKeyPub in software (tests, tools).
InnerKeyUnwrapper SoftwareUnwrapper(EVP_PKEY* private_key);

}  // namespace attest::evidence::azure_cvm
