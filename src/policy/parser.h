// Recursive-descent parser for MAA policy text (spec/maa-policy-language.md §1-§2).
//
// Builds a PolicyAst from tokens; syntax only (versions, aliases and types are the
// checker's job). Expression nesting is capped so hostile input cannot exhaust the stack.
// Stateless function; thread-safe.
#pragma once

#include <string_view>

#include "base/status.h"
#include "policy/ast.h"

namespace attest::policy {

struct ParseLimits {
  int max_rules = 1000;  // per policy, all sections
  int max_conditions_per_rule = 64;
  int max_properties_per_condition = 16;
  int max_expression_depth = 16;  // nested function calls
};

// Errors: kInvalidArgument POLICY_SYNTAX_ERROR or POLICY_TOO_LARGE, message "line:col: ...".
StatusOr<PolicyAst> ParsePolicy(std::string_view text, const ParseLimits& limits);

}  // namespace attest::policy
