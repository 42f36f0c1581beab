// Semantic checks of a parsed policy (spec/maa-policy-language.md §1, §2, §4, §5, §6).
//
// Versions vs features (configurationrules ≥1.1; functions and '!' ≥1.2), which actions each
// section allows, alias binding (bound before use, unique, never by a negated condition),
// function names, arities and argument types, comparison operators vs value types,
// valueType, typed configuration properties and JmesPath query literals. Annotates the tree
// (alias indices, static types, set gathering). Stateless function; thread-safe.
#pragma once

#include "base/status.h"
#include "policy/ast.h"

namespace attest::policy {

// Errors: kInvalidArgument POLICY_TYPE_ERROR, message "line:col: ...".
Status CheckPolicy(PolicyAst& ast);

}  // namespace attest::policy
