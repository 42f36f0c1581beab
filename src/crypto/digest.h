// Message digests over byte spans. Thread-safe.
#pragma once

#include <array>
#include <cstdint>

#include "base/bytes.h"

namespace attest::crypto {

using Sha256Digest = std::array<uint8_t, 32>;
using Sha384Digest = std::array<uint8_t, 48>;

Sha256Digest Sha256(ByteSpan data);
Sha256Digest Sha256(ByteSpan a, ByteSpan b);  // SHA-256(a ‖ b) without a copy
Sha384Digest Sha384(ByteSpan data);

}  // namespace attest::crypto
