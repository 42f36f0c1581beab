#include "base/byte_reader.h"

#include <cstring>

namespace attest {

bool ConstantTimeEquals(ByteSpan a, ByteSpan b) {
  if (a.size() != b.size()) return false;
  uint8_t diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= a[i] ^ b[i];
  return diff == 0;
}

Status ByteReader::Truncated(size_t n, std::string_view field) const {
  return Status::InvalidEvidence(
      std::string(reason_), std::string(what_) + " truncated: '" + std::string(field) +
                                "' at offset " + std::to_string(pos_) + " needs " +
                                std::to_string(n) + " bytes, " + std::to_string(remaining()) +
                                " remain");
}

Status ByteReader::Error(std::string_view message) const {
  return Status::InvalidEvidence(std::string(reason_),
                                 std::string(what_) + ": " + std::string(message));
}

StatusOr<ByteSpan> ByteReader::Take(size_t n, std::string_view field) {
  if (n > remaining()) return Err(Truncated(n, field));
  ByteSpan out = data_.subspan(pos_, n);
  pos_ += n;
  return out;
}

Status ByteReader::Skip(size_t n, std::string_view field) {
  if (n > remaining()) return Truncated(n, field);
  pos_ += n;
  return Status::Ok();
}

StatusOr<uint8_t> ByteReader::U8(std::string_view field) {
  if (remaining() < 1) return Err(Truncated(1, field));
  return data_[pos_++];
}

StatusOr<uint16_t> ByteReader::U16(std::string_view field) {
  if (remaining() < 2) return Err(Truncated(2, field));
  uint16_t v = LoadLe16(data_, pos_);
  pos_ += 2;
  return v;
}

StatusOr<uint32_t> ByteReader::U32(std::string_view field) {
  if (remaining() < 4) return Err(Truncated(4, field));
  uint32_t v = LoadLe32(data_, pos_);
  pos_ += 4;
  return v;
}

StatusOr<uint64_t> ByteReader::U64(std::string_view field) {
  if (remaining() < 8) return Err(Truncated(8, field));
  uint64_t v = LoadLe64(data_, pos_);
  pos_ += 8;
  return v;
}

}  // namespace attest
