// AES-256-GCM with a 12-byte IV and a 16-byte tag (NIST SP 800-38D), the one authenticated
// cipher attestd uses: sealed TPM service contexts, token keys at rest, sealed AzureGuest
// answers. Stateless; thread-safe.
#pragma once

#include <optional>
#include <string_view>

#include "base/bytes.h"

namespace attest::crypto {

inline constexpr size_t kAesGcmKeySize = 32;
inline constexpr size_t kAesGcmIvSize = 12;
inline constexpr size_t kAesGcmTagSize = 16;

struct AesGcmSealed {
  Bytes ciphertext;  // as long as the plaintext
  Bytes tag;         // kAesGcmTagSize bytes
};

// nullopt when the key or IV has the wrong size or OpenSSL fails.
std::optional<AesGcmSealed> AesGcmSeal(ByteSpan key, ByteSpan iv, ByteSpan aad,
                                       ByteSpan plaintext);
// nullopt when the inputs have the wrong sizes or the tag does not authenticate `aad` and
// `ciphertext` under `key`.
std::optional<Bytes> AesGcmOpen(ByteSpan key, ByteSpan iv, ByteSpan aad, ByteSpan ciphertext,
                                ByteSpan tag);

// `n` bytes from OpenSSL's CSPRNG; nullopt when it fails.
std::optional<Bytes> RandomBytes(size_t n);

inline ByteSpan AsBytes(std::string_view s) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

}  // namespace attest::crypto
