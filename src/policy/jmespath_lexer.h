// JMESPath tokens (internal to policy/): the lexer's output and the parser's input.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace attest::policy::jmespath {

enum class Tok {
  kIdent,
  kQuotedIdent,
  kNumber,
  kStar,
  kDot,
  kFilter,
  kFlatten,
  kLBracket,
  kRBracket,
  kLBrace,
  kRBrace,
  kLParen,
  kRParen,
  kComma,
  kColon,
  kPipe,
  kOr,
  kAnd,
  kExpref,
  kNot,
  kCurrent,
  kLiteral,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kEof,
};

struct Token {
  Tok kind = Tok::kEof;
  std::string text;
  nlohmann::json value;
  size_t offset = 0;
};

// kInvalidArgument JMESPATH_SYNTAX_ERROR "at offset N: message".
Status SyntaxError(size_t offset, std::string_view message);

// The tokens of `query`, ending with one kEof token.
StatusOr<std::vector<Token>> Lex(std::string_view query);

}  // namespace attest::policy::jmespath
