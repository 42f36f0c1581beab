// ByteReader: bounds-checked sequential reads of untrusted little-endian wire data.
//
// Every read names the field it reads, so a truncated input yields an error such as
// "quote truncated: 'qe_auth_data' at offset 1012 needs 32 bytes, 7 remain". The reader
// never copies: spans point into the caller's buffer, which must outlive them.
// Not thread-safe (a cursor); cheap to copy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/status.h"

namespace attest {

class ByteReader {
 public:
  // `what` names the structure ("quote", "OE report") and `reason` is the machine reason
  // reported when a read runs past the end.
  ByteReader(ByteSpan data, std::string_view what, std::string_view reason)
      : data_(data), what_(what), reason_(reason) {}

  StatusOr<uint8_t> U8(std::string_view field);
  StatusOr<uint16_t> U16(std::string_view field);  // little-endian
  StatusOr<uint32_t> U32(std::string_view field);  // little-endian
  StatusOr<uint64_t> U64(std::string_view field);  // little-endian
  StatusOr<ByteSpan> Take(size_t n, std::string_view field);
  Status Skip(size_t n, std::string_view field);

  size_t offset() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }
  ByteSpan Rest() const { return data_.subspan(pos_); }
  ByteSpan data() const { return data_; }

  // An error of this reader's reason with a message naming the structure.
  Status Error(std::string_view message) const;

 private:
  Status Truncated(size_t n, std::string_view field) const;

  ByteSpan data_;
  size_t pos_ = 0;
  std::string_view what_;
  std::string_view reason_;
};

// Little-endian loads from a span known (by the caller) to be long enough.
inline uint16_t LoadLe16(ByteSpan b, size_t off) {
  return static_cast<uint16_t>(b[off] | (b[off + 1] << 8));
}
inline uint32_t LoadLe32(ByteSpan b, size_t off) {
  return static_cast<uint32_t>(b[off]) | (static_cast<uint32_t>(b[off + 1]) << 8) |
         (static_cast<uint32_t>(b[off + 2]) << 16) | (static_cast<uint32_t>(b[off + 3]) << 24);
}
inline uint64_t LoadLe64(ByteSpan b, size_t off) {
  return static_cast<uint64_t>(LoadLe32(b, off)) |
         (static_cast<uint64_t>(LoadLe32(b, off + 4)) << 32);
}

}  // namespace attest
