#include "policy/checker.h"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "base/strings.h"
#include "policy/jmespath.h"
#include "policy/lexer.h"

namespace attest::policy {
namespace {

struct FunctionInfo {
  Function function;
  const char* name;
  size_t arity;
};
constexpr std::array<FunctionInfo, 6> kFunctions = {{
    {Function::kJmesPath, "JmesPath", 2},
    {Function::kJsonToClaimValue, "JsonToClaimValue", 1},
    {Function::kIsSubsetOf, "IsSubsetOf", 2},
    {Function::kAppendString, "AppendString", 2},
    {Function::kNegateBool, "NegateBool", 1},
    {Function::kContainsOnlyValue, "ContainsOnlyValue", 2},
}};

// Configuration/token properties with a fixed value type (spec §6).
struct PropertyInfo {
  const char* name;
  StaticType type;
};
constexpr std::array<PropertyInfo, 5> kProperties = {{
    {"require_valid_aik_cert", StaticType::kBoolean},
    {"required_pcr_mask", StaticType::kInteger},
    {"x-ms-sgx-tcbidentifier", StaticType::kString},
    {"report_validity_in_minutes", StaticType::kInteger},
    {"omit_x5c", StaticType::kBoolean},
}};

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = AsciiLower(a[i - 1]) == AsciiLower(b[j - 1]) ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

StaticType LiteralType(const nlohmann::json& v) {
  if (v.is_string()) return StaticType::kString;
  if (v.is_boolean()) return StaticType::kBoolean;
  return StaticType::kInteger;
}

const char* OpText(CompareOp op) {
  switch (op) {
    case CompareOp::kEq:
      return "==";
    case CompareOp::kNe:
      return "!=";
    case CompareOp::kLt:
      return "<";
    case CompareOp::kLe:
      return "<=";
    case CompareOp::kGt:
      return ">";
    case CompareOp::kGe:
      return ">=";
  }
  return "?";
}

Status TypeError(SourcePos pos, std::string_view message) {
  return PolicyError(kReasonType, pos, message);
}

class Checker {
 public:
  explicit Checker(PolicyAst& ast) : ast_(ast) {}

  Status Run() {
    for (Section& section : ast_.sections) {
      if (section.kind == SectionKind::kConfiguration && ast_.version == PolicyVersion::k1_0) {
        return TypeError(section.pos,
                         "configurationrules requires version=1.1 or later (this policy "
                         "declares version=1.0)");
      }
      for (Rule& rule : section.rules) {
        ATTEST_RETURN_IF_ERROR(CheckRule(section.kind, rule));
      }
    }
    return Status::Ok();
  }

 private:
  Status CheckRule(SectionKind section, Rule& rule) {
    rule_ = &rule;
    for (size_t i = 0; i < rule.conditions.size(); ++i) {
      Condition& cond = rule.conditions[i];
      if (cond.negated && ast_.version != PolicyVersion::k1_2) {
        return TypeError(cond.pos, "the '!' operator requires version=1.2");
      }
      visible_ = i;
      for (PropertyCondition& prop : cond.properties) {
        ATTEST_RETURN_IF_ERROR(CheckPropertyCondition(prop));
      }
      if (!cond.alias.empty()) {
        for (size_t j = 0; j < i; ++j) {
          if (rule.conditions[j].alias == cond.alias) {
            return TypeError(cond.pos, "claim alias '" + cond.alias +
                                           "' is already bound by an earlier condition of this "
                                           "rule");
          }
        }
      }
    }
    visible_ = rule.conditions.size();
    return CheckAction(section, rule.action);
  }

  // Resolves `alias` among the conditions visible at this point of the rule.
  StatusOr<int> ResolveAlias(const std::string& alias, SourcePos pos) {
    for (size_t j = 0; j < rule_->conditions.size(); ++j) {
      const Condition& c = rule_->conditions[j];
      if (c.alias != alias) continue;
      if (j >= visible_) {
        return Err(TypeError(pos, "claim alias '" + alias +
                                      "' is used before the condition that binds it (a "
                                      "condition can only refer to aliases bound to its left)"));
      }
      if (c.negated) {
        return Err(TypeError(pos, "claim alias '" + alias +
                                      "' is bound by a negated condition, which matches no "
                                      "claim and binds nothing"));
      }
      return static_cast<int>(j);
    }
    return Err(TypeError(pos, "unknown claim alias '" + alias +
                                  "'; bind it in a condition first, e.g. " + alias +
                                  ":[type==\"...\"]"));
  }

  Status CheckPropertyCondition(PropertyCondition& prop) {
    ATTEST_ASSIGN_OR_RETURN(StaticType t, CheckExpr(prop.operand));
    bool ordering = prop.op != CompareOp::kEq && prop.op != CompareOp::kNe;
    if (prop.property != ClaimProperty::kValue) {
      const char* pname = prop.property == ClaimProperty::kType     ? "type"
                          : prop.property == ClaimProperty::kIssuer ? "issuer"
                                                                    : "valueType";
      if (ordering) {
        return TypeError(prop.pos, std::string("operator '") + OpText(prop.op) +
                                       "' cannot compare the claim " + pname + "; " + pname +
                                       " supports only == and !=");
      }
      if (t != StaticType::kString && t != StaticType::kUnknown) {
        return TypeError(prop.operand.pos, std::string("the claim ") + pname +
                                               " is a string but is compared with a " +
                                               StaticTypeName(t) + " value");
      }
      return Status::Ok();
    }
    // spec §4 item 6: Integer supports all operators, String and Boolean only == and !=.
    if (ordering && (t == StaticType::kString || t == StaticType::kBoolean)) {
      return TypeError(prop.operand.pos, std::string("operator '") + OpText(prop.op) +
                                             "' needs an Integer value; " + StaticTypeName(t) +
                                             " values support only == and !=");
    }
    if (t == StaticType::kSet) {
      return TypeError(prop.operand.pos, "a claim value cannot be compared with a set");
    }
    return Status::Ok();
  }

  StatusOr<StaticType> CheckExpr(Expr& expr) {
    switch (expr.kind) {
      case Expr::Kind::kLiteral:
        expr.type = LiteralType(expr.literal);
        return expr.type;
      case Expr::Kind::kClaimRef: {
        ATTEST_ASSIGN_OR_RETURN(expr.alias_index, ResolveAlias(expr.alias, expr.pos));
        expr.type =
            expr.property == ClaimProperty::kValue ? StaticType::kUnknown : StaticType::kString;
        return expr.type;
      }
      case Expr::Kind::kCall:
        return CheckCall(expr);
    }
    return StaticType::kUnknown;
  }

  StatusOr<StaticType> CheckCall(Expr& expr) {
    const FunctionInfo* info = nullptr;
    for (const FunctionInfo& f : kFunctions) {
      if (expr.function_name == f.name) info = &f;
    }
    if (info == nullptr) {
      std::string message = "unknown function '" + expr.function_name + "'";
      for (const FunctionInfo& f : kFunctions) {
        if (EditDistance(expr.function_name, f.name) <= 2) {
          message += " (did you mean " + std::string(f.name) + "?)";
          break;
        }
      }
      message +=
          "; the functions are JmesPath, JsonToClaimValue, IsSubsetOf, AppendString, "
          "NegateBool and ContainsOnlyValue";
      return Err(TypeError(expr.pos, message));
    }
    if (ast_.version != PolicyVersion::k1_2) {
      return Err(TypeError(expr.pos, std::string("function ") + info->name +
                                         " requires version=1.2 (versions 1.0 and 1.1 have no "
                                         "functions)"));
    }
    expr.function = info->function;
    if (expr.args.size() != info->arity) {
      return Err(TypeError(expr.pos, std::string(info->name) + " takes " +
                                         std::to_string(info->arity) + " argument" +
                                         (info->arity == 1 ? "" : "s") + ", given " +
                                         std::to_string(expr.args.size())));
    }
    std::vector<StaticType> types;
    for (Expr& arg : expr.args) {
      ATTEST_ASSIGN_OR_RETURN(StaticType t, CheckExpr(arg));
      types.push_back(t);
    }
    auto require = [&](size_t i, StaticType want) -> Status {
      if (types[i] != StaticType::kUnknown && types[i] != want) {
        return TypeError(expr.args[i].pos, std::string(info->name) + " argument " +
                                               std::to_string(i + 1) + " must be " +
                                               StaticTypeName(want) + ", given " +
                                               StaticTypeName(types[i]));
      }
      return Status::Ok();
    };
    switch (info->function) {
      case Function::kJmesPath:
        ATTEST_RETURN_IF_ERROR(require(0, StaticType::kString));
        ATTEST_RETURN_IF_ERROR(require(1, StaticType::kString));
        for (size_t i = 0; i < 2; ++i) {
          if (expr.args[i].kind == Expr::Kind::kLiteral &&
              expr.args[i].literal.get_ref<const std::string&>().empty()) {
            return Err(TypeError(expr.args[i].pos, "JmesPath arguments must not be empty"));
          }
        }
        if (expr.args[1].kind == Expr::Kind::kLiteral) {
          auto compiled = jmespath::Compile(expr.args[1].literal.get_ref<const std::string&>());
          if (!compiled.has_value()) {
            return Err(TypeError(expr.args[1].pos,
                                 "invalid JmesPath query " + compiled.error().message()));
          }
        }
        expr.type = StaticType::kString;
        break;
      case Function::kJsonToClaimValue:
        ATTEST_RETURN_IF_ERROR(require(0, StaticType::kString));
        expr.type = StaticType::kUnknown;
        break;
      case Function::kAppendString:
        ATTEST_RETURN_IF_ERROR(require(0, StaticType::kString));
        ATTEST_RETURN_IF_ERROR(require(1, StaticType::kString));
        expr.type = StaticType::kString;
        break;
      case Function::kNegateBool:
        ATTEST_RETURN_IF_ERROR(require(0, StaticType::kBoolean));
        expr.type = StaticType::kBoolean;
        break;
      case Function::kIsSubsetOf:
      case Function::kContainsOnlyValue:
        if (info->function == Function::kContainsOnlyValue && types[1] == StaticType::kSet) {
          return Err(
              TypeError(expr.args[1].pos, "ContainsOnlyValue argument 2 must be a single value"));
        }
        // spec §4 item 5: a bound alias's .value passed to a set function stands for the
        // values of every claim the alias matches, as one set.
        for (size_t i = 0; i < expr.args.size(); ++i) {
          const Expr& arg = expr.args[i];
          if (arg.kind == Expr::Kind::kClaimRef && arg.property == ClaimProperty::kValue &&
              (i == 0 || info->function == Function::kIsSubsetOf)) {
            rule_->conditions[static_cast<size_t>(arg.alias_index)].gather_as_set = true;
          }
        }
        expr.type = StaticType::kBoolean;
        break;
    }
    return expr.type;
  }

  Status CheckAction(SectionKind section, Action& action) {
    const std::string name = ActionName(action.kind);
    const std::string sname = SectionName(section);
    switch (action.kind) {
      case ActionKind::kPermit:
      case ActionKind::kDeny:
        if (section != SectionKind::kAuthorization) {
          return TypeError(action.pos,
                           name + "() is only allowed in authorizationrules, not in " + sname);
        }
        return Status::Ok();
      case ActionKind::kIssue:
        if (section != SectionKind::kIssuance) {
          return TypeError(action.pos,
                           "issue(...) is only allowed in issuancerules (" + sname +
                               " cannot put claims in the token; use add(...) to feed later "
                               "rules)");
        }
        break;
      case ActionKind::kIssueProperty:
        if (section == SectionKind::kAuthorization) {
          return TypeError(action.pos,
                           "issueproperty(...) is only allowed in configurationrules and "
                           "issuancerules");
        }
        break;
      case ActionKind::kAdd:
        break;
    }
    if (section == SectionKind::kConfiguration && action.kind != ActionKind::kIssueProperty &&
        action.kind != ActionKind::kAdd) {
      return TypeError(action.pos, name + "(...) is not allowed in configurationrules");
    }
    if (!action.claim_alias.empty()) {
      ATTEST_ASSIGN_OR_RETURN(action.claim_alias_index,
                              ResolveAlias(action.claim_alias, action.claim_alias_pos));
      return Status::Ok();
    }
    ATTEST_ASSIGN_OR_RETURN(StaticType type_type, CheckExpr(*action.type));
    if (type_type != StaticType::kString && type_type != StaticType::kUnknown) {
      return TypeError(action.type->pos, std::string("the claim type must be a string, given ") +
                                             StaticTypeName(type_type));
    }
    if (action.type->kind == Expr::Kind::kLiteral &&
        action.type->literal.get_ref<const std::string&>().empty()) {
      return TypeError(action.type->pos, "the claim type must not be empty");
    }
    ATTEST_ASSIGN_OR_RETURN(StaticType value_type, CheckExpr(*action.value));
    if (action.value_type.has_value()) {
      StaticType declared = StaticType::kUnknown;
      if (*action.value_type == "String") declared = StaticType::kString;
      if (*action.value_type == "Integer") declared = StaticType::kInteger;
      if (*action.value_type == "Boolean") declared = StaticType::kBoolean;
      if (declared == StaticType::kUnknown) {
        return TypeError(action.value_type_pos, "unknown valueType \"" + *action.value_type +
                                                    "\"; expected \"String\", \"Integer\" or "
                                                    "\"Boolean\"");
      }
      if (value_type != StaticType::kUnknown && value_type != declared) {
        return TypeError(action.value->pos, "the value is " +
                                                std::string(StaticTypeName(value_type)) +
                                                " but valueType says " + *action.value_type);
      }
    }
    if (action.kind == ActionKind::kIssueProperty && action.type->kind == Expr::Kind::kLiteral) {
      const std::string& pname = action.type->literal.get_ref<const std::string&>();
      for (const PropertyInfo& p : kProperties) {
        if (pname == p.name && value_type != StaticType::kUnknown && value_type != p.type) {
          return TypeError(action.value->pos, "property " + pname + " takes " +
                                                  (p.type == StaticType::kInteger ? "an " : "a ") +
                                                  StaticTypeName(p.type) + " value, given " +
                                                  StaticTypeName(value_type));
        }
      }
    }
    return Status::Ok();
  }

  PolicyAst& ast_;
  Rule* rule_ = nullptr;
  size_t visible_ = 0;  // conditions [0, visible_) may be referenced
};

}  // namespace

Status CheckPolicy(PolicyAst& ast) { return Checker(ast).Run(); }

}  // namespace attest::policy
