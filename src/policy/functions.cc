// The policy 1.2 functions (spec/maa-policy-language.md §5).
#include <cmath>
#include <limits>
#include <string>

#include "base/strings.h"
#include "policy/eval_value.h"
#include "policy/jmespath.h"
#include "policy/json_limits.h"

namespace attest::policy {
namespace {

bool IsInteger(const nlohmann::json& v) { return v.is_number_integer(); }

// The single value of a scalar argument, or an error naming the function and argument.
StatusOr<const nlohmann::json*> Scalar(const EvalValue& v, const char* fn, int index,
                                       SourcePos pos) {
  if (!v.is_scalar()) {
    return Err(EvaluationError(pos, std::string(fn) + ": argument " + std::to_string(index) +
                                        (v.empty() ? " is empty" : " is a set") +
                                        ", expected a single value"));
  }
  return &v.items.front();
}

StatusOr<std::string> StringArg(const EvalValue& v, const char* fn, int index, SourcePos pos) {
  ATTEST_ASSIGN_OR_RETURN(const nlohmann::json* j, Scalar(v, fn, index, pos));
  if (!j->is_string()) {
    return Err(EvaluationError(pos, std::string(fn) + ": argument " + std::to_string(index) +
                                        " is " + ValueTypeName(*j) + ", expected String"));
  }
  return j->get<std::string>();
}

// Parses JSON text given to a function, after bounding its size and nesting: the value is
// later copied, compared and serialised recursively.
StatusOr<nlohmann::json> ParseJsonArg(const std::string& text, const char* fn, SourcePos pos,
                                      EvalBudget& budget) {
  if (text.size() > budget.limits.max_value_bytes) {
    return Err(LimitError(pos, std::string(fn) + ": the JSON text is larger than " +
                                   std::to_string(budget.limits.max_value_bytes) + " bytes"));
  }
  if (!JsonTextDepthWithin(text, budget.limits.max_json_depth)) {
    return Err(LimitError(pos, std::string(fn) + ": the JSON text nests deeper than " +
                                   std::to_string(budget.limits.max_json_depth)));
  }
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return Err(EvaluationError(pos, std::string(fn) + ": argument 1 is not valid JSON text"));
  }
  ATTEST_RETURN_IF_ERROR(budget.TakeValue(doc, pos));
  return doc;
}

// JmesPath(json, query): the JSON text of the query result (spec §5).
StatusOr<EvalValue> JmesPathFn(const std::vector<EvalValue>& args, SourcePos pos,
                               EvalBudget& budget) {
  ATTEST_ASSIGN_OR_RETURN(const nlohmann::json* doc_arg, Scalar(args[0], "JmesPath", 1, pos));
  ATTEST_ASSIGN_OR_RETURN(std::string query, StringArg(args[1], "JmesPath", 2, pos));
  nlohmann::json doc;
  if (doc_arg->is_string()) {
    ATTEST_ASSIGN_OR_RETURN(
        doc, ParseJsonArg(doc_arg->get_ref<const std::string&>(), "JmesPath", pos, budget));
  } else {
    ATTEST_RETURN_IF_ERROR(budget.TakeValue(*doc_arg, pos));
    doc = *doc_arg;  // a structured service claim (object/array) is used as is
  }
  auto compiled = jmespath::Compile(query);
  if (!compiled.has_value()) {
    return Err(EvaluationError(pos, "JmesPath: invalid query " + compiled.error().message()));
  }
  jmespath::Budget search_budget{budget.steps_left, budget.bytes_left,
                                 budget.limits.max_json_depth};
  auto result = jmespath::Search(*compiled, doc, &search_budget);
  budget.steps_left = search_budget.steps;
  budget.bytes_left = search_budget.bytes;
  if (!result.has_value()) {
    if (result.error().reason() == jmespath::kStepLimitReason) {
      return Err(LimitError(pos, "evaluation step limit exceeded in JmesPath"));
    }
    if (result.error().reason() == jmespath::kSizeLimitReason) {
      return Err(LimitError(pos, "JmesPath: " + result.error().message() + " (the limits are " +
                                     std::to_string(budget.limits.max_built_bytes) +
                                     " bytes built per evaluation and nesting " +
                                     std::to_string(budget.limits.max_json_depth) + ")"));
    }
    return Err(EvaluationError(pos, "JmesPath: " + result.error().message()));
  }
  std::string text = result->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.size() > budget.limits.max_value_bytes) {
    return Err(LimitError(pos, "JmesPath result is larger than the value limit"));
  }
  ATTEST_RETURN_IF_ERROR(budget.TakeBytes(static_cast<int64_t>(text.size()), pos));
  EvalValue out;
  out.items.emplace_back(std::move(text));
  out.read_only = args[0].read_only || args[1].read_only;
  return out;
}

// JsonToClaimValue(json): integer, boolean or string; an array of primitives is a set;
// null is empty; fractions and objects are errors (spec §5).
StatusOr<EvalValue> JsonToClaimValueFn(const std::vector<EvalValue>& args, SourcePos pos,
                                       EvalBudget& budget) {
  ATTEST_ASSIGN_OR_RETURN(std::string text, StringArg(args[0], "JsonToClaimValue", 1, pos));
  ATTEST_ASSIGN_OR_RETURN(nlohmann::json doc, ParseJsonArg(text, "JsonToClaimValue", pos, budget));
  EvalValue out;
  out.read_only = args[0].read_only;
  auto primitive = [&](const nlohmann::json& v) -> Status {
    if (v.is_number_float()) {
      return EvaluationError(pos, "JsonToClaimValue: " + v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
                                      " is not an integer (claim values have no fractions)");
    }
    if (v.is_object() || v.is_array()) {
      return EvaluationError(pos, "JsonToClaimValue: a JSON " + std::string(v.type_name()) +
                                      " is not a claim value (only integers, booleans, strings "
                                      "and arrays of them)");
    }
    if (!v.is_null()) out.items.push_back(v);
    return Status::Ok();
  };
  if (doc.is_array()) {
    out.is_set = true;
    for (const nlohmann::json& v : doc) ATTEST_RETURN_IF_ERROR(primitive(v));
  } else {
    ATTEST_RETURN_IF_ERROR(primitive(doc));
  }
  return out;
}

bool SetContains(const EvalValue& set, const nlohmann::json& v) {
  for (const nlohmann::json& item : set.items) {
    if (CompareValues(item, v, CompareOp::kEq)) return true;
  }
  return false;
}

}  // namespace

StatusOr<EvalValue> CallFunction(Function function, std::vector<EvalValue> args, SourcePos pos,
                                 EvalBudget& budget) {
  ATTEST_RETURN_IF_ERROR(budget.Take());
  switch (function) {
    case Function::kJmesPath:
      return JmesPathFn(args, pos, budget);
    case Function::kJsonToClaimValue:
      return JsonToClaimValueFn(args, pos, budget);
    case Function::kIsSubsetOf: {
      ATTEST_RETURN_IF_ERROR(
          budget.Take(static_cast<int64_t>(args[0].items.size() * (args[1].items.size() + 1))));
      bool subset = true;
      for (const nlohmann::json& v : args[0].items) subset = subset && SetContains(args[1], v);
      return EvalValue{{subset}, false, false};
    }
    case Function::kContainsOnlyValue: {
      ATTEST_ASSIGN_OR_RETURN(const nlohmann::json* v,
                              Scalar(args[1], "ContainsOnlyValue", 2, pos));
      ATTEST_RETURN_IF_ERROR(budget.Take(static_cast<int64_t>(args[0].items.size())));
      bool only = !args[0].items.empty();
      for (const nlohmann::json& item : args[0].items) {
        only = only && CompareValues(item, *v, CompareOp::kEq);
      }
      return EvalValue{{only}, false, false};
    }
    case Function::kAppendString: {
      ATTEST_ASSIGN_OR_RETURN(std::string a, StringArg(args[0], "AppendString", 1, pos));
      ATTEST_ASSIGN_OR_RETURN(std::string b, StringArg(args[1], "AppendString", 2, pos));
      if (a.size() + b.size() > budget.limits.max_value_bytes) {
        return Err(LimitError(pos, "AppendString result exceeds the value limit of " +
                                       std::to_string(budget.limits.max_value_bytes) + " bytes"));
      }
      ATTEST_RETURN_IF_ERROR(budget.TakeBytes(static_cast<int64_t>(a.size() + b.size()), pos));
      return EvalValue{{a + b}, false, args[0].read_only || args[1].read_only};
    }
    case Function::kNegateBool: {
      ATTEST_ASSIGN_OR_RETURN(const nlohmann::json* b, Scalar(args[0], "NegateBool", 1, pos));
      if (!b->is_boolean()) {
        return Err(EvaluationError(pos, std::string("NegateBool: argument is ") +
                                            ValueTypeName(*b) + ", expected Boolean"));
      }
      return EvalValue{{!b->get<bool>()}, false, args[0].read_only};
    }
  }
  return Err(Status::Internal("unknown policy function"));
}

const char* ValueTypeName(const nlohmann::json& v) {
  if (IsInteger(v)) return "Integer";
  if (v.is_string()) return "String";
  if (v.is_boolean()) return "Boolean";
  return v.type_name();
}

bool CompareValues(const nlohmann::json& a, const nlohmann::json& b, CompareOp op) {
  if (IsInteger(a) && IsInteger(b)) {
    // Compare across signed/unsigned storage without overflow.
    bool a_big = a.is_number_unsigned() &&
                 a.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    bool b_big = b.is_number_unsigned() &&
                 b.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    int cmp;
    if (a_big || b_big) {
      if (a_big && b_big) {
        uint64_t x = a.get<uint64_t>(), y = b.get<uint64_t>();
        cmp = x < y ? -1 : (x > y ? 1 : 0);
      } else {
        cmp = a_big ? 1 : -1;
      }
    } else {
      int64_t x = a.get<int64_t>(), y = b.get<int64_t>();
      cmp = x < y ? -1 : (x > y ? 1 : 0);
    }
    switch (op) {
      case CompareOp::kEq:
        return cmp == 0;
      case CompareOp::kNe:
        return cmp != 0;
      case CompareOp::kLt:
        return cmp < 0;
      case CompareOp::kLe:
        return cmp <= 0;
      case CompareOp::kGt:
        return cmp > 0;
      case CompareOp::kGe:
        return cmp >= 0;
    }
    return false;
  }
  if (a.type() != b.type() || IsInteger(a) != IsInteger(b)) {
    return false;  // different types: every comparison is false (spec §4 item 6)
  }
  switch (op) {
    case CompareOp::kEq:
      return a == b;
    case CompareOp::kNe:
      return a != b;
    default:
      return false;  // ordering is defined for integers only
  }
}

Status EvaluationError(SourcePos pos, std::string_view message) {
  return Status::InvalidArgument(
      std::string(kPolicyEvaluationError),
      std::to_string(pos.line) + ":" + std::to_string(pos.column) + ": " + std::string(message));
}

Status LimitError(SourcePos pos, std::string_view message) {
  return Status::InvalidArgument(
      std::string(kPolicyLimitExceeded),
      std::to_string(pos.line) + ":" + std::to_string(pos.column) + ": " + std::string(message));
}

Status EvalBudget::TakeValue(const nlohmann::json& value, SourcePos pos) {
  JsonSize size = MeasureJson(value, bytes_left, limits.max_json_depth);
  if (size.depth > limits.max_json_depth) {
    return LimitError(pos, "a value nests deeper than " + std::to_string(limits.max_json_depth));
  }
  return TakeBytes(size.bytes, pos);
}

Status EvalBudget::TakeBytes(int64_t n, SourcePos pos) {
  bytes_left -= n;
  if (bytes_left < 0) {
    return LimitError(pos, "policy evaluation built more than " +
                               std::to_string(limits.max_built_bytes) + " bytes of values");
  }
  return Status::Ok();
}

Status EvalBudget::Take(int64_t n) {
  steps_left -= n;
  if (steps_left < 0) {
    return Status::InvalidArgument(
        std::string(kPolicyLimitExceeded),
        "policy evaluation exceeded " + std::to_string(limits.max_steps) + " steps");
  }
  return Status::Ok();
}

}  // namespace attest::policy
