// Hex and base64/base64url codecs for untrusted text. Decoders reject anything malformed.
#pragma once

#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/status.h"

namespace attest {

std::string HexEncode(ByteSpan data);       // lower case
std::string HexEncodeUpper(ByteSpan data);  // upper case
// Accepts upper or lower case; the length must be even.
StatusOr<Bytes> HexDecode(std::string_view hex);
bool IsHexString(std::string_view s);

// RFC 4648 §5, no padding on output; input may carry '=' padding.
std::string Base64UrlEncode(ByteSpan data);
StatusOr<Bytes> Base64UrlDecode(std::string_view text);
// RFC 4648 §4 with padding; input padding optional.
std::string Base64Encode(ByteSpan data);
StatusOr<Bytes> Base64Decode(std::string_view text);
// Either alphabet (clients differ: Microsoft's Python tools send base64url where its C++
// library sends base64), padding optional; one text may not mix the two alphabets.
StatusOr<Bytes> Base64AnyDecode(std::string_view text);

// UTF-16LE to UTF-8. Unpaired surrogates become U+FFFD; a trailing odd byte is ignored.
// Stops at the first NUL code unit (Windows and UEFI strings are often NUL-terminated).
std::string Utf16LeToUtf8(ByteSpan data);

}  // namespace attest
