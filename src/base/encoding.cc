#include "base/encoding.h"

#include <array>

#include "base/reasons.h"

namespace attest {
namespace {

constexpr char kHexLower[] = "0123456789abcdef";
constexpr char kHexUpper[] = "0123456789ABCDEF";
constexpr char kB64Std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kB64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string HexEncodeWith(ByteSpan data, const char* digits) {
  std::string out(data.size() * 2, '\0');
  for (size_t i = 0; i < data.size(); ++i) {
    out[2 * i] = digits[data[i] >> 4];
    out[2 * i + 1] = digits[data[i] & 0xf];
  }
  return out;
}

std::string Base64EncodeWith(ByteSpan data, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    uint32_t v = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  size_t rest = data.size() - i;
  if (rest == 1) {
    uint32_t v = data[i] << 16;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    if (pad) out += "==";
  } else if (rest == 2) {
    uint32_t v = (data[i] << 16) | (data[i + 1] << 8);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    if (pad) out += '=';
  }
  return out;
}

StatusOr<Bytes> Base64DecodeWith(std::string_view text, const char* alphabet,
                                 std::string_view name) {
  std::array<int8_t, 256> table;
  table.fill(-1);
  for (int i = 0; i < 64; ++i) table[static_cast<uint8_t>(alphabet[i])] = static_cast<int8_t>(i);
  // Strip padding (at most two '=').
  size_t end = text.size();
  int pads = 0;
  while (end > 0 && text[end - 1] == '=' && pads < 2) {
    --end;
    ++pads;
  }
  if (pads > 0 && text.size() % 4 != 0) {
    return Err(
        Status::InvalidArgument(reason::kInvalidEncoding, std::string(name) + ": bad padding"));
  }
  if (end % 4 == 1) {
    return Err(Status::InvalidArgument(reason::kInvalidEncoding,
                                       std::string(name) + ": impossible length"));
  }
  Bytes out;
  out.reserve(end * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < end; ++i) {
    int8_t v = table[static_cast<uint8_t>(text[i])];
    if (v < 0) {
      return Err(Status::InvalidArgument(
          reason::kInvalidEncoding,
          std::string(name) + ": invalid character at position " + std::to_string(i)));
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>((acc >> bits) & 0xff));
    }
  }
  // Non-canonical trailing bits are rejected so every byte string has one encoding.
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) {
    return Err(Status::InvalidArgument(reason::kInvalidEncoding,
                                       std::string(name) + ": non-zero trailing bits"));
  }
  return out;
}

}  // namespace

std::string HexEncode(ByteSpan data) { return HexEncodeWith(data, kHexLower); }
std::string HexEncodeUpper(ByteSpan data) { return HexEncodeWith(data, kHexUpper); }

bool IsHexString(std::string_view s) {
  if (s.size() % 2 != 0) return false;
  for (char c : s) {
    if (HexValue(c) < 0) return false;
  }
  return true;
}

StatusOr<Bytes> HexDecode(std::string_view hex) {
  if (hex.size() % 2 != 0) {
    return Err(Status::InvalidArgument(reason::kInvalidEncoding, "hex: odd number of digits"));
  }
  Bytes out(hex.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = HexValue(hex[2 * i]);
    int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return Err(Status::InvalidArgument(
          reason::kInvalidEncoding, "hex: invalid digit at position " + std::to_string(2 * i)));
    }
    out[i] = static_cast<uint8_t>((hi << 4) | lo);
  }
  return out;
}

std::string Base64UrlEncode(ByteSpan data) { return Base64EncodeWith(data, kB64Url, false); }
StatusOr<Bytes> Base64UrlDecode(std::string_view text) {
  return Base64DecodeWith(text, kB64Url, "base64url");
}
std::string Base64Encode(ByteSpan data) { return Base64EncodeWith(data, kB64Std, true); }
StatusOr<Bytes> Base64Decode(std::string_view text) {
  return Base64DecodeWith(text, kB64Std, "base64");
}

StatusOr<Bytes> Base64AnyDecode(std::string_view text) {
  if (text.find_first_of("-_") != std::string_view::npos) return Base64UrlDecode(text);
  return Base64Decode(text);
}

std::string Utf16LeToUtf8(ByteSpan data) {
  std::string out;
  out.reserve(data.size() / 2);
  auto put = [&out](uint32_t c) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      out += static_cast<char>(0xE0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (c >> 18));
      out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  };
  for (size_t i = 0; i + 1 < data.size(); i += 2) {
    uint32_t c = data[i] | (static_cast<uint32_t>(data[i + 1]) << 8);
    if (c == 0) break;
    if (c >= 0xD800 && c <= 0xDBFF && i + 3 < data.size()) {
      uint32_t low = data[i + 2] | (static_cast<uint32_t>(data[i + 3]) << 8);
      if (low >= 0xDC00 && low <= 0xDFFF) {
        put(0x10000 + ((c - 0xD800) << 10) + (low - 0xDC00));
        i += 2;
        continue;
      }
    }
    put(c >= 0xD800 && c <= 0xDFFF ? 0xFFFD : c);
  }
  return out;
}

}  // namespace attest
