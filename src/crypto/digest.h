// Message digests over byte spans. Thread-safe.
#pragma once

#include <array>
#include <cstdint>

#include "base/bytes.h"

namespace attest::crypto {

using Sha256Digest = std::array<uint8_t, 32>;

Sha256Digest Sha256(ByteSpan data);
Sha256Digest Sha256(ByteSpan a, ByteSpan b);  // SHA-256(a ‖ b) without a copy

}  // namespace attest::crypto
