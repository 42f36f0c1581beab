#include "base/json_fields.h"

#include <utility>

#include "base/encoding.h"
#include "base/strings.h"

namespace attest {

using nlohmann::json;

namespace {

std::string Join(std::string_view path, const char* key) { return std::string(path) + "." + key; }

}  // namespace

const json* FindMemberIgnoreCase(const json& object, std::string_view name) {
  if (!object.is_object()) {
    return nullptr;
  }
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (EqualsIgnoreCase(it.key(), name)) {
      return it.value().is_null() ? nullptr : &it.value();
    }
  }
  return nullptr;
}

Status JsonFields::Fail(std::string_view path, std::string_view what) const {
  return Status(code_, std::string(reason_), "'" + std::string(path) + "' " + std::string(what));
}

StatusOr<const json*> JsonFields::Member(const json& obj, const char* key,
                                         std::string_view path) const {
  if (!obj.is_object()) {
    return Err(Fail(path, "is not an object"));
  }
  auto it = obj.find(key);
  if (it == obj.end()) {
    return Err(Fail(Join(path, key), "is missing"));
  }
  return &*it;
}

StatusOr<std::string> JsonFields::Str(const json& obj, const char* key,
                                      std::string_view path) const {
  ATTEST_ASSIGN_OR_RETURN(const json* v, Member(obj, key, path));
  if (!v->is_string()) {
    return Err(Fail(Join(path, key), "is not a string"));
  }
  return v->get<std::string>();
}

StatusOr<uint64_t> JsonFields::UInt(const json& obj, const char* key, std::string_view path,
                                    uint64_t max) const {
  ATTEST_ASSIGN_OR_RETURN(const json* v, Member(obj, key, path));
  if (!v->is_number_unsigned() || v->get<uint64_t>() > max) {
    return Err(Fail(Join(path, key), "is not an integer in 0.." + std::to_string(max)));
  }
  return v->get<uint64_t>();
}

StatusOr<Bytes> JsonFields::Hex(const json& obj, const char* key, std::string_view path,
                                size_t size) const {
  ATTEST_ASSIGN_OR_RETURN(std::string s, Str(obj, key, path));
  auto b = HexDecode(s);
  if (!b || b->size() != size) {
    return Err(Fail(Join(path, key), "is not " + std::to_string(size * 2) + " hex digits"));
  }
  return std::move(*b);
}

StatusOr<UnixTime> JsonFields::Time(const json& obj, const char* key, std::string_view path) const {
  ATTEST_ASSIGN_OR_RETURN(std::string s, Str(obj, key, path));
  auto t = ParseRfc3339(s);
  if (!t) {
    return Err(Fail(Join(path, key), "is not a UTC time"));
  }
  return *t;
}

StatusOr<const json*> JsonFields::Array(const json& obj, const char* key, std::string_view path,
                                        bool non_empty) const {
  ATTEST_ASSIGN_OR_RETURN(const json* v, Member(obj, key, path));
  if (!v->is_array() || (non_empty && v->empty())) {
    return Err(Fail(Join(path, key), non_empty ? "is not a non-empty array" : "is not an array"));
  }
  return v;
}

StatusOr<std::vector<std::string>> JsonFields::OptionalStrings(const json& obj, const char* key,
                                                               std::string_view path) const {
  std::vector<std::string> out;
  if (!obj.is_object()) {
    return Err(Fail(path, "is not an object"));
  }
  auto it = obj.find(key);
  if (it == obj.end()) {
    return out;
  }
  if (!it->is_array()) {
    return Err(Fail(Join(path, key), "is not an array"));
  }
  for (const json& a : *it) {
    if (!a.is_string()) {
      return Err(Fail(Join(path, key), "has a non-string"));
    }
    out.push_back(a.get<std::string>());
  }
  return out;
}

}  // namespace attest
