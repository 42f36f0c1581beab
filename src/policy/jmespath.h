// JMESPath (https://jmespath.org/specification.html) for the policy 1.2 function
// JmesPath(json, query) (spec/maa-policy-language.md §5), plus Microsoft's extension
// equals_ignore_case(a, b).
//
// Compile() parses a query once (the checker does this when a policy is set, so a bad
// query literal is a compile error); Search() runs it over a JSON document with a step
// budget, so a hostile query over a large document cannot run unbounded. Expressions are
// immutable and thread-safe to share.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

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

// Runs `expression` over `data`, decrementing *steps per node visited. Errors:
// kInvalidArgument JMESPATH_EVALUATION_ERROR (e.g. a function given the wrong types) or
// JMESPATH_STEP_LIMIT when *steps reaches zero.
StatusOr<nlohmann::json> Search(const Expression& expression, const nlohmann::json& data,
                                int64_t* steps);

}  // namespace attest::policy::jmespath
