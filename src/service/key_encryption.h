// Key-encryption key (KEK) handling for token-signing keys held in the store (issue 12
// item 4: "private keys are encrypted at rest in the store with a key-encryption key from a
// file or environment (0600)").
//
// Sealed format: 0x01 | 12-byte random nonce | AES-256-GCM ciphertext | 16-byte tag, with
// the provider id and kid as associated data, so a sealed key copied to another row or
// provider does not open. Pure functions; thread-safe. Nothing here logs key material, and
// error messages never quote it.
#pragma once

#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/status.h"

namespace attest::service {

inline constexpr size_t kKekBytes = 32;
inline constexpr std::string_view kKekEnvironmentVariable = "ATTESTD_KEK";

// The KEK: 64 hex digits (surrounding whitespace ignored) from `file`, which must not be
// accessible to group or others (mode 0600 or stricter), else from the environment value
// `env_value` (64 hex digits). Errors: kInvalidArgument KEK_INVALID.
StatusOr<Bytes> LoadKek(const std::string& file, const char* env_value);

Bytes SealWithKek(ByteSpan kek, std::string_view associated, ByteSpan plaintext);
// kFailedPrecondition KEY_UNSEALING_FAILED when the KEK is wrong or the record was altered.
StatusOr<Bytes> OpenWithKek(ByteSpan kek, std::string_view associated, ByteSpan sealed);

}  // namespace attest::service
