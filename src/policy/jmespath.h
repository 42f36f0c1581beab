// JMESPath (https://jmespath.org/specification.html) for the policy 1.2 function
// JmesPath(json, query) (spec/maa-policy-language.md §5), plus Microsoft's extension
// equals_ignore_case(a, b).
//
// Compile() parses a query once (the checker does this when a policy is set, so a bad
// query literal is a compile error); Search() runs it over a JSON document with a budget of
// steps and of the bytes of the values it builds, and a bound on their nesting, so a hostile
// query cannot run unbounded: `[@,@]|[@,@]|...` builds 2^k values in about 4k steps, and
// `[[[...@...]]]` piped into itself nests without bound. Expressions are immutable and
// thread-safe to share.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/reasons.h"
#include "base/status.h"

namespace attest::policy::jmespath {

struct Node;

class Expression {
 public:
  const Node& root() const { return *root_; }

 private:
  friend StatusOr<Expression> Compile(std::string_view query);
  std::shared_ptr<const Node> root_;
};

// Errors: kInvalidArgument JMESPATH_SYNTAX_ERROR, message "at offset N: ...".
StatusOr<Expression> Compile(std::string_view query);

// What one Search may still spend; Search decrements it in place so that several searches
// of one policy evaluation share it.
struct Budget {
  int64_t steps = 0;   // one per node visited
  int64_t bytes = 0;   // the size (policy::MeasureJson) of every value a node produces
  size_t max_depth = 64;  // nesting of any value produced
};

// Runs `expression` over `data`. Errors: kInvalidArgument JMESPATH_EVALUATION_ERROR (e.g. a
// function given the wrong types, an integer overflow), JMESPATH_STEP_LIMIT when the steps
// are spent, JMESPATH_SIZE_LIMIT when the bytes are spent or a value nests deeper than
// max_depth.
StatusOr<nlohmann::json> Search(const Expression& expression, const nlohmann::json& data,
                                Budget* budget);

inline constexpr std::string_view kStepLimitReason = reason::kJmespathStepLimit;
inline constexpr std::string_view kSizeLimitReason = reason::kJmespathSizeLimit;

}  // namespace attest::policy::jmespath
