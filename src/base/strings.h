// Small string and JSON-text helpers shared by every layer, so that each rule (what counts as
// "equal ignoring case", what HTTP whitespace is) is written once. ASCII only: the names these
// compare (HTTP tokens, policy keywords, attestation types) are ASCII by specification.
// Stateless; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace attest {

// 'A'..'Z' to 'a'..'z'; every other byte unchanged (locale-independent, unlike tolower).
constexpr char AsciiLower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// `s` with ASCII letters lower-cased.
std::string AsciiToLower(std::string_view s);

// True when `a` and `b` are equal after ASCII lower-casing.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// `s` without leading and trailing spaces and tabs (HTTP optional whitespace, RFC 9110 §5.6.3).
std::string_view TrimOws(std::string_view s);

// `s` without leading and trailing spaces, tabs, CRs and LFs (text read from a file or a
// request body).
std::string_view TrimWhitespace(std::string_view s);

// True when `text` nests arrays/objects at most `max_depth` deep. Strings are skipped; the
// text need not be valid JSON (the parser reports that). Checked before nlohmann::json parses
// untrusted text, because its parse, copy and destruction recurse per nesting level.
bool JsonTextDepthWithin(std::string_view text, size_t max_depth);

}  // namespace attest
