// Byte buffers and views used across layers.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace attest {

using Bytes = std::vector<uint8_t>;
using ByteSpan = std::span<const uint8_t>;

inline ByteSpan AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline std::string_view AsChars(ByteSpan b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}
inline Bytes ToBytes(ByteSpan b) { return Bytes(b.begin(), b.end()); }
inline Bytes ToBytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

// Constant-time comparison of two equal-length spans; false when lengths differ.
bool ConstantTimeEquals(ByteSpan a, ByteSpan b);

}  // namespace attest
