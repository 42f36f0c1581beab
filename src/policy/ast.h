// The syntax tree of an MAA claim-rule policy (spec/maa-policy-language.md §1-§2).
//
// Produced by ParsePolicy(), annotated by CheckPolicy() (alias indices, static types) and
// then immutable: a compiled policy shares one tree between threads. Plain values.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace attest::policy {

// 1-based line and column (columns count Unicode code points) of a token in the text.
struct SourcePos {
  int line = 1;
  int column = 1;
};

enum class PolicyVersion { k1_0, k1_1, k1_2 };

// A claim's properties that conditions and references can name (spec §2, PROP).
enum class ClaimProperty { kType, kValue, kIssuer, kValueType };

enum class CompareOp { kEq, kNe, kLt, kLe, kGt, kGe };

// The policy 1.2 functions (spec §5).
enum class Function {
  kJmesPath,
  kJsonToClaimValue,
  kIsSubsetOf,
  kAppendString,
  kNegateBool,
  kContainsOnlyValue,
};

// Static type of an expression, as far as the checker can tell before evaluation.
enum class StaticType { kUnknown, kString, kInteger, kBoolean, kSet };

struct Expr {
  enum class Kind { kLiteral, kClaimRef, kCall };
  Kind kind = Kind::kLiteral;
  SourcePos pos;
  nlohmann::json literal;  // kLiteral: string, integer or boolean
  std::string alias;       // kClaimRef: `alias.property`
  ClaimProperty property = ClaimProperty::kValue;
  int alias_index = -1;                     // kClaimRef: index of the binding condition (checker)
  std::string function_name;                // kCall, as written
  Function function = Function::kJmesPath;  // kCall, resolved by the checker
  std::vector<Expr> args;                   // kCall
  StaticType type = StaticType::kUnknown;   // set by the checker
};

struct PropertyCondition {
  ClaimProperty property = ClaimProperty::kType;
  CompareOp op = CompareOp::kEq;
  Expr operand;
  SourcePos pos;
};

// `[!] [alias:] [ prop op expr, ... ]`
struct Condition {
  bool negated = false;
  std::string alias;  // empty when unnamed
  std::vector<PropertyCondition> properties;
  SourcePos pos;
  // Set by the checker: every claim this alias matches is gathered into one set because
  // `alias.value` is an argument of a set function (spec §4 item 5).
  bool gather_as_set = false;
};

enum class ActionKind { kPermit, kDeny, kAdd, kIssue, kIssueProperty };

struct Action {
  ActionKind kind = ActionKind::kPermit;
  SourcePos pos;
  std::string claim_alias;  // issue(claim=c) etc.; empty otherwise
  int claim_alias_index = -1;
  SourcePos claim_alias_pos;
  std::optional<Expr> type;
  std::optional<Expr> value;
  std::optional<std::string> value_type;  // "String" | "Integer" | "Boolean"
  SourcePos value_type_pos;
};

struct Rule {
  std::vector<Condition> conditions;
  Action action;
  SourcePos pos;
};

enum class SectionKind { kConfiguration, kAuthorization, kIssuance };

struct Section {
  SectionKind kind = SectionKind::kAuthorization;
  std::vector<Rule> rules;
  SourcePos pos;
};

struct PolicyAst {
  PolicyVersion version = PolicyVersion::k1_0;
  SourcePos version_pos;
  std::vector<Section> sections;  // in text order; each kind at most once
};

const char* SectionName(SectionKind kind);
const char* ActionName(ActionKind kind);
const char* FunctionName(Function f);
const char* StaticTypeName(StaticType t);

}  // namespace attest::policy
