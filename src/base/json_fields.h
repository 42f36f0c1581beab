// Typed, bounds-checked access to members of parsed JSON: every read checks the member's
// JSON type first, so a document of the wrong shape is refused with one `reason` and the
// member's path, never with a nlohmann::json type_error. Stateless; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"
#include "base/time.h"

namespace attest {

// The first member of `object` whose name equals `name` ignoring ASCII case, or nullptr; JSON
// null counts as absent. MAA matches request member names case-insensitively.
const nlohmann::json* FindMemberIgnoreCase(const nlohmann::json& object, std::string_view name);

class JsonFields {
 public:
  // Failures are Status{code, reason, "'<path>' <what is wrong>"}.
  JsonFields(StatusCode code, std::string_view reason) : code_(code), reason_(reason) {}

  Status Fail(std::string_view path, std::string_view what) const;

  // The member `key` of `obj` (which must be an object); missing is a failure.
  StatusOr<const nlohmann::json*> Member(const nlohmann::json& obj, const char* key,
                                         std::string_view path) const;
  StatusOr<std::string> Str(const nlohmann::json& obj, const char* key,
                            std::string_view path) const;
  // A non-negative integer no greater than `max`.
  StatusOr<uint64_t> UInt(const nlohmann::json& obj, const char* key, std::string_view path,
                          uint64_t max) const;
  // A string of exactly 2 * `size` hex digits.
  StatusOr<Bytes> Hex(const nlohmann::json& obj, const char* key, std::string_view path,
                      size_t size) const;
  // An RFC 3339 time string.
  StatusOr<UnixTime> Time(const nlohmann::json& obj, const char* key, std::string_view path) const;
  StatusOr<const nlohmann::json*> Array(const nlohmann::json& obj, const char* key,
                                        std::string_view path, bool non_empty) const;
  // An optional array of strings: absent is empty.
  StatusOr<std::vector<std::string>> OptionalStrings(const nlohmann::json& obj, const char* key,
                                                     std::string_view path) const;

 private:
  StatusCode code_;
  std::string_view reason_;
};

}  // namespace attest
