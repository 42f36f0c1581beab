// Bounds on JSON values the policy engine parses or builds (internal to policy/).
//
// nlohmann::json copies, compares, serialises and destroys values recursively, so a value
// nested a hundred thousand deep overflows the stack. Every JSON text the engine parses is
// checked with JsonTextDepthWithin() (base/strings.h) first, and every value it builds is measured
// with MeasureJson(), which walks iteratively and stops early. Stateless; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "base/strings.h"

namespace attest::policy {

// The deepest array/object nesting accepted anywhere in policy evaluation: the same bound
// request bodies and runtime/init-time JSON have (service::kMaxBoundJsonDepth).
inline constexpr size_t kMaxJsonDepth = 64;

struct JsonSize {
  // What building a copy of the value costs, in bytes: sizeof(json) per node, the bytes of
  // every string and object key, and a container header per array/object.
  int64_t bytes = 0;
  // Deepest array/object nesting (a scalar is 0).
  size_t depth = 0;
  // True when the walk stopped early because bytes passed `max_bytes` or depth passed
  // `max_depth`; bytes/depth are then lower bounds.
  bool exceeded = false;
};

// Measures `value` without recursion, stopping once it is over either bound (so the cost of
// measuring is bounded by the cost being charged).
JsonSize MeasureJson(const nlohmann::json& value, int64_t max_bytes, size_t max_depth);

}  // namespace attest::policy
