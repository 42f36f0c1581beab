// Values during policy evaluation and the 1.2 functions over them (internal to policy/).
//
// spec/maa-policy-language.md §3, §5: a value is a single claim value, a *set* of values
// (JsonToClaimValue of an array; an alias gathered for a set function) or empty
// (JsonToClaimValue of null: adding/issuing it is a no-op). Values derived from read-only
// claims stay read-only. Plain values; thread-compatible.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/status.h"
#include "policy/ast.h"
#include "policy/policy.h"

namespace attest::policy {

struct EvalValue {
  std::vector<nlohmann::json> items;
  bool is_set = false;
  bool read_only = false;

  bool empty() const { return items.empty(); }
  bool is_scalar() const { return !is_set && items.size() == 1; }
};

// Shared by the evaluator and the functions: limits and the remaining budgets.
struct EvalBudget {
  const EvaluationLimits& limits;
  int64_t steps_left;
  int64_t bytes_left;  // of limits.max_built_bytes

  // Takes `n` steps; POLICY_LIMIT_EXCEEDED when the budget is spent.
  Status Take(int64_t n = 1);
  // Charges building or copying `value` (its MeasureJson size); POLICY_LIMIT_EXCEEDED
  // ("line:col: ...") when the bytes are spent or the value nests deeper than
  // limits.max_json_depth.
  Status TakeValue(const nlohmann::json& value, SourcePos pos);
  // Charges `n` bytes of a string being built.
  Status TakeBytes(int64_t n, SourcePos pos);
};

// "line:col: message" with reason POLICY_LIMIT_EXCEEDED.
Status LimitError(SourcePos pos, std::string_view message);

// "Integer", "String", "Boolean" or the JSON type name of anything else.
const char* ValueTypeName(const nlohmann::json& v);

// Compares two claim values with `op` (spec §4 item 6): integers with every operator,
// strings and booleans with == and != only; values of different types compare false.
bool CompareValues(const nlohmann::json& a, const nlohmann::json& b, CompareOp op);

// Applies a 1.2 function (spec §5) to evaluated arguments. Errors: kInvalidArgument
// POLICY_EVALUATION_ERROR ("line:col: ..." at `pos`) or POLICY_LIMIT_EXCEEDED.
StatusOr<EvalValue> CallFunction(Function function, std::vector<EvalValue> args, SourcePos pos,
                                 EvalBudget& budget);

// "line:col: message" with reason POLICY_EVALUATION_ERROR.
Status EvaluationError(SourcePos pos, std::string_view message);

}  // namespace attest::policy
