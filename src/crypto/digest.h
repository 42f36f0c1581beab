// Message digests over byte spans. Thread-safe.
#pragma once

#include <array>
#include <cstdint>

#include "base/bytes.h"

namespace attest::crypto {

using Sha256Digest = std::array<uint8_t, 32>;

Sha256Digest Sha256(ByteSpan data);
Sha256Digest Sha256(ByteSpan a, ByteSpan b);  // SHA-256(a ‖ b) without a copy

// The SHA-2 hash a structure names (e.g. an HCL report's report_data_hash_type).
enum class Sha2 { kSha256, kSha384, kSha512 };
Bytes Sha2Digest(Sha2 alg, ByteSpan data);  // 32, 48 or 64 bytes

}  // namespace attest::crypto
