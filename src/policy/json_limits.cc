#include "policy/json_limits.h"

#include <utility>
#include <vector>

namespace attest::policy {
namespace {

// A container's own allocation beyond its node (vector / map header); approximate, so that
// arrays of empty arrays are not free.
constexpr int64_t kContainerBytes = 32;

}  // namespace

JsonSize MeasureJson(const nlohmann::json& value, int64_t max_bytes, size_t max_depth) {
  constexpr int64_t kNodeBytes = static_cast<int64_t>(sizeof(nlohmann::json));
  JsonSize size;
  // (value, its depth); an explicit stack instead of recursion. A node's own bytes are
  // counted when it is pushed, so a huge container stops the walk before it is all pushed.
  std::vector<std::pair<const nlohmann::json*, size_t>> stack;
  stack.emplace_back(&value, 0);
  size.bytes = kNodeBytes;
  while (!stack.empty()) {
    auto [v, depth] = stack.back();
    stack.pop_back();
    if (v->is_string()) {
      size.bytes += static_cast<int64_t>(v->get_ref<const std::string&>().size());
    } else if (v->is_array() || v->is_object()) {
      size.bytes += kContainerBytes;
      size_t inner = depth + 1;
      if (inner > size.depth) {
        size.depth = inner;
      }
      if (inner > max_depth) {
        size.exceeded = true;
        return size;
      }
      const bool object = v->is_object();
      for (auto it = v->begin(); it != v->end(); ++it) {
        size.bytes += kNodeBytes + (object ? static_cast<int64_t>(it.key().size()) : 0);
        if (size.bytes > max_bytes) {
          size.exceeded = true;
          return size;
        }
        stack.emplace_back(&it.value(), inner);
      }
    }
    if (size.bytes > max_bytes) {
      size.exceeded = true;
      return size;
    }
  }
  return size;
}

}  // namespace attest::policy
