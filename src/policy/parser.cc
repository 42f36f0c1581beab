#include "policy/parser.h"

#include <charconv>
#include <string>
#include <vector>

#include "base/strings.h"
#include "policy/lexer.h"

namespace attest::policy {
namespace {

class Parser {
 public:
  Parser(std::vector<Token> tokens, const ParseLimits& limits)
      : tokens_(std::move(tokens)), limits_(limits) {}

  StatusOr<PolicyAst> Run() {
    PolicyAst ast;
    ATTEST_RETURN_IF_ERROR(ParseVersion(ast));
    bool seen[3] = {false, false, false};
    int last = -1;
    while (Cur().kind != TokenKind::kEnd) {
      Section section;
      ATTEST_RETURN_IF_ERROR(ParseSection(section));
      int index = static_cast<int>(section.kind);
      if (seen[index]) {
        return Err(SyntaxError(section.pos,
                               std::string("duplicate ") + SectionName(section.kind) + " section"));
      }
      if (index < last) {
        return Err(SyntaxError(section.pos, std::string(SectionName(section.kind)) +
                                                " must come before " +
                                                SectionName(static_cast<SectionKind>(last))));
      }
      seen[index] = true;
      last = index;
      ast.sections.push_back(std::move(section));
    }
    if (!seen[static_cast<int>(SectionKind::kAuthorization)]) {
      return Err(SyntaxError(Cur().pos,
                             "the policy has no authorizationrules section (write "
                             "'authorizationrules{=> permit();};' to permit every request)"));
    }
    return ast;
  }

 private:
  const Token& Cur() const { return tokens_[pos_]; }

  // A syntax error; when the parser stands on a lexical error, that error is the one to
  // report (it is what the person must fix at this point).
  Status SyntaxError(SourcePos pos, std::string_view message) const {
    if (Cur().kind == TokenKind::kError) return PolicyError(kReasonSyntax, Cur().pos, Cur().text);
    return PolicyError(kReasonSyntax, pos, message);
  }
  const Token& Ahead(size_t n) const {
    return tokens_[pos_ + n < tokens_.size() ? pos_ + n : tokens_.size() - 1];
  }
  void Next() {
    if (pos_ + 1 < tokens_.size()) ++pos_;
  }
  bool IsIdent(std::string_view word) const {
    return Cur().kind == TokenKind::kIdent && Cur().text == word;
  }

  Status Expect(TokenKind kind, std::string_view what) {
    if (Cur().kind != kind) {
      return SyntaxError(Cur().pos,
                         "expected " + std::string(what) + ", found " + DescribeToken(Cur()));
    }
    Next();
    return Status::Ok();
  }

  // version_stmt ";"  (spec §1: 1.0, 1.1, 1.2)
  Status ParseVersion(PolicyAst& ast) {
    if (!(Cur().kind == TokenKind::kIdent && EqualsIgnoreCase(Cur().text, "version"))) {
      return SyntaxError(Cur().pos, "a policy starts with 'version=1.0;' (or 1.1, 1.2), found " +
                                        DescribeToken(Cur()));
    }
    Next();
    ATTEST_RETURN_IF_ERROR(Expect(TokenKind::kAssign, "'=' after 'version'"));
    const Token& v = Cur();
    ast.version_pos = v.pos;
    if (v.kind == TokenKind::kDecimal && v.text == "1.0") {
      ast.version = PolicyVersion::k1_0;
    } else if (v.kind == TokenKind::kDecimal && v.text == "1.1") {
      ast.version = PolicyVersion::k1_1;
    } else if (v.kind == TokenKind::kDecimal && v.text == "1.2") {
      ast.version = PolicyVersion::k1_2;
    } else {
      return SyntaxError(v.pos, "unsupported policy version " + DescribeToken(v) +
                                    "; supported versions are 1.0, 1.1 and 1.2");
    }
    Next();
    return Expect(TokenKind::kSemicolon, "';' after the version");
  }

  Status ParseSection(Section& section) {
    const Token& name = Cur();
    section.pos = name.pos;
    if (name.kind != TokenKind::kIdent) {
      return SyntaxError(name.pos,
                         "expected a section (configurationrules, authorizationrules or "
                         "issuancerules), found " +
                             DescribeToken(name));
    }
    // Section keywords match case-insensitively (spec §1: one doc sample writes Issuancerules).
    if (EqualsIgnoreCase(name.text, "configurationrules")) {
      section.kind = SectionKind::kConfiguration;
    } else if (EqualsIgnoreCase(name.text, "authorizationrules")) {
      section.kind = SectionKind::kAuthorization;
    } else if (EqualsIgnoreCase(name.text, "issuancerules")) {
      section.kind = SectionKind::kIssuance;
    } else {
      return SyntaxError(name.pos,
                         "unknown section '" + name.text +
                             "'; expected configurationrules, authorizationrules or issuancerules");
    }
    Next();
    const std::string sname = SectionName(section.kind);
    ATTEST_RETURN_IF_ERROR(Expect(TokenKind::kLBrace, "'{' after '" + sname + "'"));
    while (Cur().kind != TokenKind::kRBrace) {
      if (Cur().kind == TokenKind::kEnd) {
        return SyntaxError(Cur().pos, "expected '}' to close " + sname + ", found end of policy");
      }
      if (++rule_count_ > limits_.max_rules) {
        return PolicyError(
            kReasonTooLarge, Cur().pos,
            "too many rules (the limit is " + std::to_string(limits_.max_rules) + ")");
      }
      Rule rule;
      ATTEST_RETURN_IF_ERROR(ParseRule(rule));
      section.rules.push_back(std::move(rule));
    }
    Next();
    return Expect(TokenKind::kSemicolon, "';' after the '}' that closes " + sname);
  }

  Status ParseRule(Rule& rule) {
    rule.pos = Cur().pos;
    if (Cur().kind != TokenKind::kArrow) {
      for (;;) {
        if (static_cast<int>(rule.conditions.size()) >= limits_.max_conditions_per_rule) {
          return PolicyError(kReasonTooLarge, Cur().pos,
                             "too many conditions in one rule (the limit is " +
                                 std::to_string(limits_.max_conditions_per_rule) + ")");
        }
        Condition condition;
        ATTEST_RETURN_IF_ERROR(ParseCondition(condition));
        rule.conditions.push_back(std::move(condition));
        if (Cur().kind != TokenKind::kAndAnd) break;
        Next();
      }
      if (Cur().kind != TokenKind::kArrow) {
        return SyntaxError(Cur().pos, "expected '&&' or '=>' after the claim conditions, found " +
                                          DescribeToken(Cur()));
      }
    }
    Next();  // =>
    ATTEST_RETURN_IF_ERROR(ParseAction(rule.action));
    return Expect(TokenKind::kSemicolon, "';' after the action");
  }

  Status ParseCondition(Condition& condition) {
    condition.pos = Cur().pos;
    if (Cur().kind == TokenKind::kBang) {
      condition.negated = true;
      Next();
    }
    if (Cur().kind == TokenKind::kIdent && Ahead(1).kind == TokenKind::kColon) {
      condition.alias = Cur().text;
      Next();
      Next();
    }
    if (Cur().kind != TokenKind::kLBracket) {
      return SyntaxError(Cur().pos,
                         "expected a claim condition such as [type==\"...\"] (or '=>' to start "
                         "the action), found " +
                             DescribeToken(Cur()));
    }
    Next();
    if (Cur().kind == TokenKind::kRBracket) {
      Next();
      return Status::Ok();
    }
    for (;;) {
      if (static_cast<int>(condition.properties.size()) >= limits_.max_properties_per_condition) {
        return PolicyError(kReasonTooLarge, Cur().pos,
                           "too many property tests in one claim condition (the limit is " +
                               std::to_string(limits_.max_properties_per_condition) + ")");
      }
      PropertyCondition prop;
      ATTEST_RETURN_IF_ERROR(ParsePropertyCondition(prop));
      condition.properties.push_back(std::move(prop));
      if (Cur().kind == TokenKind::kComma) {
        Next();
        continue;
      }
      if (Cur().kind == TokenKind::kRBracket) {
        Next();
        return Status::Ok();
      }
      return SyntaxError(
          Cur().pos, "expected ',' or ']' in the claim condition, found " + DescribeToken(Cur()));
    }
  }

  Status ParseClaimProperty(ClaimProperty& out, std::string_view context) {
    const Token& t = Cur();
    if (t.kind == TokenKind::kIdent) {
      if (EqualsIgnoreCase(t.text, "type")) {
        out = ClaimProperty::kType;
      } else if (EqualsIgnoreCase(t.text, "value")) {
        out = ClaimProperty::kValue;
      } else if (EqualsIgnoreCase(t.text, "issuer")) {
        out = ClaimProperty::kIssuer;
      } else if (EqualsIgnoreCase(t.text, "valueType")) {
        out = ClaimProperty::kValueType;
      } else {
        return SyntaxError(t.pos, "unknown claim property '" + t.text + "' " +
                                      std::string(context) +
                                      "; expected type, value, issuer or valueType");
      }
      Next();
      return Status::Ok();
    }
    return SyntaxError(t.pos, "expected a claim property (type, value, issuer or valueType) " +
                                  std::string(context) + ", found " + DescribeToken(t));
  }

  Status ParsePropertyCondition(PropertyCondition& prop) {
    prop.pos = Cur().pos;
    ATTEST_RETURN_IF_ERROR(ParseClaimProperty(prop.property, "in the claim condition"));
    switch (Cur().kind) {
      case TokenKind::kEqEq:
      case TokenKind::kAssign:  // some doc samples write '=' (spec §2): same as '=='
        prop.op = CompareOp::kEq;
        break;
      case TokenKind::kNotEq:
        prop.op = CompareOp::kNe;
        break;
      case TokenKind::kLt:
        prop.op = CompareOp::kLt;
        break;
      case TokenKind::kLe:
        prop.op = CompareOp::kLe;
        break;
      case TokenKind::kGt:
        prop.op = CompareOp::kGt;
        break;
      case TokenKind::kGe:
        prop.op = CompareOp::kGe;
        break;
      default:
        return SyntaxError(Cur().pos,
                           "expected a comparison operator (==, !=, <, <=, >, >=) after the "
                           "claim property, found " +
                               DescribeToken(Cur()));
    }
    Next();
    return ParseExpr(prop.operand, 0);
  }

  Status ParseExpr(Expr& expr, int depth) {
    const Token& t = Cur();
    expr.pos = t.pos;
    if (depth > limits_.max_expression_depth) {
      return PolicyError(kReasonTooLarge, t.pos,
                         "expressions are nested too deeply (the limit is " +
                             std::to_string(limits_.max_expression_depth) + " levels)");
    }
    switch (t.kind) {
      case TokenKind::kString:
        expr.kind = Expr::Kind::kLiteral;
        expr.literal = t.text;
        Next();
        return Status::Ok();
      case TokenKind::kInteger: {
        int64_t v = 0;
        auto [end, ec] = std::from_chars(t.text.data(), t.text.data() + t.text.size(), v);
        if (ec != std::errc() || end != t.text.data() + t.text.size()) {
          return SyntaxError(t.pos, "integer " + t.text + " does not fit in 64 bits");
        }
        expr.kind = Expr::Kind::kLiteral;
        expr.literal = v;
        Next();
        return Status::Ok();
      }
      case TokenKind::kDecimal:
        return SyntaxError(t.pos, "fractional number " + t.text +
                                      ": values are integers, strings or "
                                      "booleans");
      case TokenKind::kIdent:
        break;
      default:
        return SyntaxError(t.pos,
                           "expected a value (a \"string\", an integer, true, false, alias.value "
                           "or a function call), found " +
                               DescribeToken(t));
    }
    if (t.text == "true" || t.text == "false") {
      expr.kind = Expr::Kind::kLiteral;
      expr.literal = t.text == "true";
      Next();
      return Status::Ok();
    }
    std::string name = t.text;
    Next();
    if (Cur().kind == TokenKind::kDot) {
      Next();
      expr.kind = Expr::Kind::kClaimRef;
      expr.alias = name;
      return ParseClaimProperty(expr.property, "after '" + name + ".'");
    }
    if (Cur().kind == TokenKind::kLParen) {
      Next();
      expr.kind = Expr::Kind::kCall;
      expr.function_name = name;
      if (Cur().kind == TokenKind::kRParen) {
        Next();
        return Status::Ok();
      }
      for (;;) {
        if (expr.args.size() >= 8) {
          return PolicyError(kReasonTooLarge, Cur().pos, "too many function arguments");
        }
        Expr arg;
        ATTEST_RETURN_IF_ERROR(ParseExpr(arg, depth + 1));
        expr.args.push_back(std::move(arg));
        if (Cur().kind == TokenKind::kComma) {
          Next();
          continue;
        }
        return Expect(TokenKind::kRParen, "',' or ')' in the arguments of " + name + "(...)");
      }
    }
    return SyntaxError(Cur().pos, "expected '.' and a claim property after '" + name + "' (e.g. " +
                                      name + ".value), or '(' for a function call; found " +
                                      DescribeToken(Cur()));
  }

  Status ParseAction(Action& action) {
    const Token& t = Cur();
    action.pos = t.pos;
    if (t.kind != TokenKind::kIdent) {
      return SyntaxError(t.pos,
                         "expected an action (permit(), deny(), add(...), issue(...) or "
                         "issueproperty(...)) after '=>', found " +
                             DescribeToken(t));
    }
    if (t.text == "permit") {
      action.kind = ActionKind::kPermit;
    } else if (t.text == "deny") {
      action.kind = ActionKind::kDeny;
    } else if (t.text == "add") {
      action.kind = ActionKind::kAdd;
    } else if (t.text == "issue") {
      action.kind = ActionKind::kIssue;
    } else if (t.text == "issueproperty") {
      action.kind = ActionKind::kIssueProperty;
    } else {
      return SyntaxError(t.pos, "unknown action '" + t.text +
                                    "'; expected permit(), deny(), add(...), issue(...) or "
                                    "issueproperty(...)");
    }
    std::string name = t.text;
    Next();
    ATTEST_RETURN_IF_ERROR(Expect(TokenKind::kLParen, "'(' after '" + name + "'"));
    if (action.kind == ActionKind::kPermit || action.kind == ActionKind::kDeny) {
      return Expect(TokenKind::kRParen, "')': " + name + "() takes no arguments");
    }
    if (IsIdent("claim") && Ahead(1).kind == TokenKind::kAssign) {
      Next();
      Next();
      if (Cur().kind != TokenKind::kIdent) {
        return SyntaxError(Cur().pos,
                           "expected a claim alias after 'claim=', found " + DescribeToken(Cur()));
      }
      action.claim_alias = Cur().text;
      action.claim_alias_pos = Cur().pos;
      Next();
      return Expect(TokenKind::kRParen, "')' after 'claim=" + action.claim_alias + "'");
    }
    if (IsIdent("type") && Ahead(1).kind == TokenKind::kAssign) {
      Next();
      Next();
    }
    action.type.emplace();
    ATTEST_RETURN_IF_ERROR(ParseExpr(*action.type, 0));
    ATTEST_RETURN_IF_ERROR(Expect(TokenKind::kComma, "',' and 'value=...' after the claim type"));
    if (!(IsIdent("value") && Ahead(1).kind == TokenKind::kAssign)) {
      return SyntaxError(Cur().pos,
                         "expected 'value=' in " + name + "(...), found " + DescribeToken(Cur()));
    }
    Next();
    Next();
    action.value.emplace();
    ATTEST_RETURN_IF_ERROR(ParseExpr(*action.value, 0));
    if (Cur().kind == TokenKind::kComma) {
      Next();
      if (!(IsIdent("valueType") && Ahead(1).kind == TokenKind::kAssign)) {
        return SyntaxError(
            Cur().pos, "expected 'valueType=' after 'value=...', found " + DescribeToken(Cur()));
      }
      Next();
      Next();
      if (Cur().kind != TokenKind::kString) {
        return SyntaxError(Cur().pos,
                           "expected a string after 'valueType=' (\"String\", \"Integer\" or "
                           "\"Boolean\"), found " +
                               DescribeToken(Cur()));
      }
      action.value_type = Cur().text;
      action.value_type_pos = Cur().pos;
      Next();
    }
    return Expect(TokenKind::kRParen, "')' to close " + name + "(...)");
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
  const ParseLimits& limits_;
  int rule_count_ = 0;
};

}  // namespace

StatusOr<PolicyAst> ParsePolicy(std::string_view text, const ParseLimits& limits) {
  return Parser(Tokenize(text), limits).Run();
}

}  // namespace attest::policy
