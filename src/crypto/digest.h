// Message digests over byte spans. Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "base/bytes.h"
#include "base/status.h"

namespace attest::crypto {

using Sha256Digest = std::array<uint8_t, 32>;

Sha256Digest Sha256(ByteSpan data);
Sha256Digest Sha256(ByteSpan a, ByteSpan b);  // SHA-256(a ‖ b) without a copy

// The SHA-2 hash a structure names (e.g. an HCL report's report_data_hash_type).
enum class Sha2 { kSha256, kSha384, kSha512 };
Bytes Sha2Digest(Sha2 alg, ByteSpan data);  // 32, 48 or 64 bytes

// HKDF-SHA256 (RFC 5869): `length` bytes (at most 8160) derived from the secret `ikm`, bound
// to `info`. Used to give each use of one secret its own independent key.
// kInternal when OpenSSL cannot (allocation, a length over the limit).
StatusOr<Bytes> HkdfSha256(ByteSpan ikm, ByteSpan salt, std::string_view info, size_t length);

}  // namespace attest::crypto
