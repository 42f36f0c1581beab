// JMESPath interpreter and built-in functions (JMESPath specification, "Built-in Functions",
// plus Microsoft's equals_ignore_case used by MAA samples).
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "base/reasons.h"
#include "base/strings.h"
#include "policy/jmespath.h"
#include "policy/jmespath_node.h"
#include "policy/json_limits.h"

namespace attest::policy::jmespath {
namespace {

using json = nlohmann::json;

constexpr int kMaxVisitDepth = 256;

Status EvalError(std::string_view message) {
  return Status::InvalidArgument(reason::kJmespathEvaluationError, std::string(message));
}

// An integer argument as int64_t; unsigned values above INT64_MAX (JSON texts may hold
// them) do not fit and are an overflow, not a silent wrap.
StatusOr<int64_t> AsInt64(const json& v, std::string_view fn) {
  if (v.is_number_unsigned() &&
      v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return Err(EvalError(std::string(fn) + "(): integer overflow (the value exceeds 64 bits)"));
  }
  return v.get<int64_t>();
}

bool Truthy(const json& v) {
  if (v.is_null()) return false;
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_string()) return !v.get_ref<const std::string&>().empty();
  if (v.is_array() || v.is_object()) return !v.empty();
  return true;
}

std::string TypeOf(const json& v) {
  if (v.is_number()) return "number";
  if (v.is_string()) return "string";
  if (v.is_boolean()) return "boolean";
  if (v.is_array()) return "array";
  if (v.is_object()) return "object";
  return "null";
}

// JMESPath array slicing (specification "Slices").
json Slice(const json& array, const Node& n) {
  int64_t len = static_cast<int64_t>(array.size());
  int64_t step = n.slice[2].value_or(1);
  auto clamp = [&](std::optional<int64_t> v, int64_t def) {
    if (!v.has_value()) return def;
    int64_t x = *v;
    if (x < 0) {
      x += len;
      if (x < 0) x = step < 0 ? -1 : 0;
    } else if (x >= len) {
      x = step < 0 ? len - 1 : len;
    }
    return x;
  };
  int64_t start = clamp(n.slice[0], step < 0 ? len - 1 : 0);
  int64_t stop = clamp(n.slice[1], step < 0 ? -1 : len);
  json out = json::array();
  if (step > 0) {
    // `stop - i <= step` rather than `i + step >= stop`: a step near INT64_MAX must not
    // overflow.
    for (int64_t i = start; i < stop; i = stop - i <= step ? stop : i + step) {
      out.push_back(array[static_cast<size_t>(i)]);
    }
  } else {
    // i >= 0 and step >= INT64_MIN, so i + step cannot overflow.
    for (int64_t i = start; i > stop; i += step) {
      out.push_back(array[static_cast<size_t>(i)]);
    }
  }
  return out;
}

class Interpreter {
 public:
  explicit Interpreter(Budget* budget) : budget_(budget) {}

  StatusOr<json> Visit(const Node& n, const json& v) {
    if (--budget_->steps < 0) {
      return Err(Status::InvalidArgument(std::string(kStepLimitReason), "step limit"));
    }
    if (++depth_ > kMaxVisitDepth) return Err(EvalError("query nested too deeply"));
    auto result = VisitInner(n, v);
    --depth_;
    if (result.has_value()) {
      // Every value a node produces is charged by its size, so the budget bounds memory as
      // well as time: steps alone let `[@,@]|[@,@]|...` build 2^k values in 4k steps.
      JsonSize size = MeasureJson(*result, budget_->bytes, budget_->max_depth);
      if (size.depth > budget_->max_depth) {
        return Err(Status::InvalidArgument(
            std::string(kSizeLimitReason),
            "a value nests deeper than " + std::to_string(budget_->max_depth)));
      }
      budget_->bytes -= size.bytes;
      if (size.exceeded || budget_->bytes < 0) {
        return Err(Status::InvalidArgument(std::string(kSizeLimitReason),
                                           "the values built exceed the size budget"));
      }
    }
    return result;
  }

 private:
  StatusOr<json> VisitInner(const Node& n, const json& v) {
    using K = Node::Kind;
    switch (n.kind) {
      case K::kField:
        if (v.is_object()) {
          auto it = v.find(n.name);
          if (it != v.end()) return *it;
        }
        return json();
      case K::kSubexpression:
      case K::kIndexExpression:
      case K::kPipe: {
        ATTEST_ASSIGN_OR_RETURN(json left, Visit(*n.children[0], v));
        if (n.kind == K::kSubexpression && left.is_null()) return json();
        return Visit(*n.children[1], left);
      }
      case K::kIndex: {
        if (!v.is_array()) return json();
        int64_t i = n.index < 0 ? n.index + static_cast<int64_t>(v.size()) : n.index;
        if (i < 0 || i >= static_cast<int64_t>(v.size())) return json();
        return v[static_cast<size_t>(i)];
      }
      case K::kSlice:
        if (!v.is_array()) return json();
        if (n.slice[2].has_value() && *n.slice[2] == 0) return Err(EvalError("slice step 0"));
        return Slice(v, n);
      case K::kProjection:
      case K::kValueProjection: {
        ATTEST_ASSIGN_OR_RETURN(json base, Visit(*n.children[0], v));
        if (n.kind == K::kProjection ? !base.is_array() : !base.is_object()) return json();
        json out = json::array();
        for (const json& item : base) {
          ATTEST_ASSIGN_OR_RETURN(json r, Visit(*n.children[1], item));
          if (!r.is_null()) out.push_back(std::move(r));
        }
        return out;
      }
      case K::kFilterProjection: {
        ATTEST_ASSIGN_OR_RETURN(json base, Visit(*n.children[0], v));
        if (!base.is_array()) return json();
        json out = json::array();
        for (const json& item : base) {
          ATTEST_ASSIGN_OR_RETURN(json keep, Visit(*n.children[2], item));
          if (!Truthy(keep)) continue;
          ATTEST_ASSIGN_OR_RETURN(json r, Visit(*n.children[1], item));
          if (!r.is_null()) out.push_back(std::move(r));
        }
        return out;
      }
      case K::kFlatten: {
        ATTEST_ASSIGN_OR_RETURN(json base, Visit(*n.children[0], v));
        if (!base.is_array()) return json();
        json out = json::array();
        for (const json& item : base) {
          if (item.is_array()) {
            for (const json& inner : item) out.push_back(inner);
          } else {
            out.push_back(item);
          }
        }
        return out;
      }
      case K::kIdentity:
        return v;
      case K::kLiteral:
        return n.literal;
      case K::kOr: {
        ATTEST_ASSIGN_OR_RETURN(json left, Visit(*n.children[0], v));
        if (Truthy(left)) return left;
        return Visit(*n.children[1], v);
      }
      case K::kAnd: {
        ATTEST_ASSIGN_OR_RETURN(json left, Visit(*n.children[0], v));
        if (!Truthy(left)) return left;
        return Visit(*n.children[1], v);
      }
      case K::kNot: {
        ATTEST_ASSIGN_OR_RETURN(json e, Visit(*n.children[0], v));
        return !Truthy(e);
      }
      case K::kComparator: {
        ATTEST_ASSIGN_OR_RETURN(json a, Visit(*n.children[0], v));
        ATTEST_ASSIGN_OR_RETURN(json b, Visit(*n.children[1], v));
        if (n.name == "==") return a == b;
        if (n.name == "!=") return a != b;
        if (!a.is_number() || !b.is_number()) return json();
        double x = a.get<double>(), y = b.get<double>();
        if (n.name == "<") return x < y;
        if (n.name == "<=") return x <= y;
        if (n.name == ">") return x > y;
        return x >= y;
      }
      case K::kMultiSelectList: {
        if (v.is_null()) return json();
        json out = json::array();
        for (const auto& child : n.children) {
          ATTEST_ASSIGN_OR_RETURN(json r, Visit(*child, v));
          out.push_back(std::move(r));
        }
        return out;
      }
      case K::kMultiSelectHash: {
        if (v.is_null()) return json();
        json out = json::object();
        for (size_t i = 0; i < n.children.size(); ++i) {
          ATTEST_ASSIGN_OR_RETURN(json r, Visit(*n.children[i], v));
          out[n.keys[i]] = std::move(r);
        }
        return out;
      }
      case K::kFunction:
        return CallFunction(n, v);
      case K::kExpressionRef:
        return Err(EvalError("an expression reference (&) is only valid as a function argument"));
    }
    return Err(EvalError("unknown node"));
  }

  StatusOr<json> CallFunction(const Node& n, const json& current) {
    const std::string& name = n.name;
    // Functions taking an expression reference evaluate it per element.
    if (name == "sort_by" || name == "max_by" || name == "min_by" || name == "map") {
      return ExprRefFunction(n, current);
    }
    std::vector<json> args;
    for (const auto& child : n.children) {
      if (child->kind == Node::Kind::kExpressionRef) {
        return Err(EvalError(name + "() does not take an expression reference"));
      }
      ATTEST_ASSIGN_OR_RETURN(json a, Visit(*child, current));
      args.push_back(std::move(a));
    }
    auto arity = [&](size_t want) -> Status {
      if (args.size() != want) {
        return EvalError(name + "() takes " + std::to_string(want) + " argument(s), given " +
                         std::to_string(args.size()));
      }
      return Status::Ok();
    };
    auto type_error = [&](size_t i, std::string_view want) {
      return Err(EvalError(name + "() argument " + std::to_string(i + 1) + " must be " +
                           std::string(want) + ", given " + TypeOf(args[i])));
    };
    if (name == "length") {
      ATTEST_RETURN_IF_ERROR(arity(1));
      const json& a = args[0];
      if (a.is_string()) {
        // Code points, not bytes.
        int64_t count = 0;
        for (unsigned char c : a.get_ref<const std::string&>()) count += (c & 0xC0) != 0x80;
        return count;
      }
      if (a.is_array() || a.is_object()) return a.size();
      return type_error(0, "a string, array or object");
    }
    if (name == "equals_ignore_case") {
      ATTEST_RETURN_IF_ERROR(arity(2));
      if (!args[0].is_string()) return type_error(0, "a string");
      if (!args[1].is_string()) return type_error(1, "a string");
      return EqualsIgnoreCase(args[0].get<std::string>(), args[1].get<std::string>());
    }
    if (name == "contains") {
      ATTEST_RETURN_IF_ERROR(arity(2));
      if (args[0].is_string()) {
        if (!args[1].is_string()) return false;
        return args[0].get_ref<const std::string&>().find(args[1].get<std::string>()) !=
               std::string::npos;
      }
      if (!args[0].is_array()) return type_error(0, "an array or string");
      return std::find(args[0].begin(), args[0].end(), args[1]) != args[0].end();
    }
    if (name == "starts_with" || name == "ends_with") {
      ATTEST_RETURN_IF_ERROR(arity(2));
      if (!args[0].is_string()) return type_error(0, "a string");
      if (!args[1].is_string()) return type_error(1, "a string");
      const std::string& s = args[0].get_ref<const std::string&>();
      const std::string& p = args[1].get_ref<const std::string&>();
      return name == "starts_with" ? s.starts_with(p) : s.ends_with(p);
    }
    if (name == "keys" || name == "values") {
      ATTEST_RETURN_IF_ERROR(arity(1));
      if (!args[0].is_object()) return type_error(0, "an object");
      json out = json::array();
      for (auto it = args[0].begin(); it != args[0].end(); ++it) {
        out.push_back(name == "keys" ? json(it.key()) : it.value());
      }
      return out;
    }
    if (name == "type") {
      ATTEST_RETURN_IF_ERROR(arity(1));
      return TypeOf(args[0]);
    }
    if (name == "not_null") {
      for (const json& a : args) {
        if (!a.is_null()) return a;
      }
      return json();
    }
    if (name == "to_string") {
      ATTEST_RETURN_IF_ERROR(arity(1));
      return args[0].is_string() ? args[0] : json(args[0].dump(-1, ' ', false, json::error_handler_t::replace));
    }
    if (name == "to_number") {
      ATTEST_RETURN_IF_ERROR(arity(1));
      if (args[0].is_number()) return args[0];
      if (args[0].is_string()) {
        json parsed = json::parse(args[0].get<std::string>(), nullptr, false);
        if (parsed.is_number()) return parsed;
      }
      return json();
    }
    if (name == "to_array") {
      ATTEST_RETURN_IF_ERROR(arity(1));
      return args[0].is_array() ? args[0] : json::array({args[0]});
    }
    if (name == "abs" || name == "ceil" || name == "floor") {
      ATTEST_RETURN_IF_ERROR(arity(1));
      if (!args[0].is_number()) return type_error(0, "a number");
      if (args[0].is_number_unsigned() || (args[0].is_number_integer() && name != "abs")) {
        return args[0];
      }
      if (args[0].is_number_integer()) {
        int64_t x = args[0].get<int64_t>();
        // -INT64_MIN is not representable.
        if (x == std::numeric_limits<int64_t>::min()) {
          return Err(EvalError("abs(): integer overflow (the result exceeds 64 bits)"));
        }
        return x < 0 ? -x : x;
      }
      double d = args[0].get<double>();
      return name == "abs" ? std::fabs(d) : (name == "ceil" ? std::ceil(d) : std::floor(d));
    }
    if (name == "sum" || name == "avg" || name == "max" || name == "min" || name == "sort" ||
        name == "reverse" || name == "join") {
      return ArrayFunction(name, args);
    }
    if (name == "merge") {
      json out = json::object();
      for (size_t i = 0; i < args.size(); ++i) {
        if (!args[i].is_object()) return type_error(i, "an object");
        out.update(args[i]);
      }
      return out;
    }
    return Err(EvalError("unknown function " + name + "()"));
  }

  static StatusOr<json> ArrayFunction(const std::string& name, const std::vector<json>& args) {
    if (name == "join") {
      if (args.size() != 2 || !args[0].is_string() || !args[1].is_array()) {
        return Err(EvalError("join() takes a string separator and an array of strings"));
      }
      std::string out;
      for (size_t i = 0; i < args[1].size(); ++i) {
        if (!args[1][i].is_string()) return Err(EvalError("join() needs an array of strings"));
        if (i > 0) out += args[0].get<std::string>();
        out += args[1][i].get<std::string>();
      }
      return out;
    }
    if (args.size() != 1) return Err(EvalError(name + "() takes 1 argument"));
    const json& a = args[0];
    if (name == "reverse") {
      if (a.is_string()) {
        // By code point (JMESPath spec), so that UTF-8 stays valid: reverse the bytes, then
        // each multi-byte sequence back into order.
        std::string s = a.get<std::string>();
        std::reverse(s.begin(), s.end());
        for (size_t i = 0; i < s.size();) {
          size_t j = i;
          while (j < s.size() && (static_cast<unsigned char>(s[j]) & 0xC0) == 0x80) ++j;
          if (j < s.size()) ++j;  // the lead byte, now after its continuation bytes
          std::reverse(s.begin() + static_cast<std::ptrdiff_t>(i),
                       s.begin() + static_cast<std::ptrdiff_t>(j));
          i = j;
        }
        return s;
      }
      if (!a.is_array()) return Err(EvalError("reverse() needs an array or string"));
      json out = a;
      std::reverse(out.begin(), out.end());
      return out;
    }
    if (!a.is_array()) return Err(EvalError(name + "() needs an array"));
    bool numbers = std::all_of(a.begin(), a.end(), [](const json& x) { return x.is_number(); });
    bool strings = std::all_of(a.begin(), a.end(), [](const json& x) { return x.is_string(); });
    if (name == "sum" || name == "avg") {
      if (!numbers) return Err(EvalError(name + "() needs an array of numbers"));
      if (name == "avg" && a.empty()) return json();
      bool all_int =
          std::all_of(a.begin(), a.end(), [](const json& x) { return x.is_number_integer(); });
      if (name == "sum" && all_int) {
        int64_t s = 0;
        for (const json& x : a) {
          ATTEST_ASSIGN_OR_RETURN(int64_t term, AsInt64(x, name));
          if (__builtin_add_overflow(s, term, &s)) {
            return Err(EvalError("sum(): integer overflow (the result exceeds 64 bits)"));
          }
        }
        return s;
      }
      double s = 0;
      for (const json& x : a) s += x.get<double>();
      return name == "sum" ? s : s / static_cast<double>(a.size());
    }
    if (!numbers && !strings) return Err(EvalError(name + "() needs numbers or strings"));
    if (a.empty()) return name == "sort" ? json::array() : json();
    json out = a;
    std::stable_sort(out.begin(), out.end(), [](const json& x, const json& y) { return x < y; });
    if (name == "sort") return out;
    return name == "min" ? out.front() : out.back();
  }

  StatusOr<json> ExprRefFunction(const Node& n, const json& current) {
    const std::string& name = n.name;
    // map(&expr, array); sort_by/max_by/min_by(array, &expr).
    size_t ref = name == "map" ? 0 : 1;
    if (n.children.size() != 2 || n.children[ref]->kind != Node::Kind::kExpressionRef) {
      return Err(EvalError(name + "() takes an array and an expression reference (&expr)"));
    }
    const Node& expr = *n.children[ref]->children[0];
    ATTEST_ASSIGN_OR_RETURN(json array, Visit(*n.children[1 - ref], current));
    if (!array.is_array()) return Err(EvalError(name + "() needs an array"));
    std::vector<std::pair<json, json>> keyed;
    for (const json& item : array) {
      ATTEST_ASSIGN_OR_RETURN(json key, Visit(expr, item));
      keyed.emplace_back(std::move(key), item);
    }
    if (name == "map") {
      json out = json::array();
      for (auto& [key, item] : keyed) out.push_back(std::move(key));
      return out;
    }
    for (const auto& [key, item] : keyed) {
      if (!key.is_number() && !key.is_string()) {
        return Err(EvalError(name + "() keys must be numbers or strings"));
      }
    }
    std::stable_sort(keyed.begin(), keyed.end(),
                     [](const auto& x, const auto& y) { return x.first < y.first; });
    if (name == "sort_by") {
      json out = json::array();
      for (auto& [key, item] : keyed) out.push_back(std::move(item));
      return out;
    }
    if (keyed.empty()) return json();
    return name == "min_by" ? keyed.front().second : keyed.back().second;
  }

  Budget* budget_;
  int depth_ = 0;
};

}  // namespace

StatusOr<json> Search(const Expression& expression, const json& data, Budget* budget) {
  try {
    return Interpreter(budget).Visit(expression.root(), data);
  } catch (const json::exception& e) {  // nlohmann throws on type misuse; never escape
    return Err(EvalError(std::string("internal JSON error: ") + e.what()));
  }
}

}  // namespace attest::policy::jmespath
