// Tokenizer for the MAA claim-rule policy language (spec/maa-policy-language.md §1-§2).
//
// Splits UTF-8 policy text into tokens with 1-based line:column positions. `//` line
// comments and whitespace are skipped. String literals are decoded (JSON escapes). Stateless
// functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/reasons.h"
#include "base/status.h"
#include "policy/ast.h"

namespace attest::policy {

enum class TokenKind {
  kIdent,
  kString,   // text holds the decoded value
  kInteger,  // text holds the digits (with a leading '-')
  kDecimal,  // `1.0`: only meaningful as the version
  kLBrace,
  kRBrace,
  kLBracket,
  kRBracket,
  kLParen,
  kRParen,
  kSemicolon,
  kComma,
  kColon,
  kDot,
  kAssign,  // =
  kEqEq,
  kNotEq,
  kLt,
  kLe,
  kGt,
  kGe,
  kArrow,  // =>
  kAndAnd,
  kBang,
  kEnd,
  // A lexical error: text holds the message. The parser reports it when it reaches it,
  // so a syntax error earlier in the text is reported first.
  kError,
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;
  SourcePos pos;
};

// The tokens of `text`, ending with one kEnd token, or with one kError token at the first
// lexical error.
std::vector<Token> Tokenize(std::string_view text);

// How a token is named in an error message: `'=>'`, `identifier 'foo'`, `end of policy`.
std::string DescribeToken(const Token& token);

// "line:col: message" as a POLICY_SYNTAX_ERROR / POLICY_TYPE_ERROR / POLICY_TOO_LARGE.
Status PolicyError(std::string_view reason, SourcePos pos, std::string_view message);

inline constexpr std::string_view kReasonSyntax = reason::kPolicySyntaxError;
inline constexpr std::string_view kReasonType = reason::kPolicyTypeError;
inline constexpr std::string_view kReasonTooLarge = reason::kPolicyTooLarge;

}  // namespace attest::policy
