// JMESPath lexer (JMESPath specification, "Grammar": identifiers, raw strings, literals).
#include "policy/jmespath_lexer.h"

#include <charconv>
#include <string>

#include "base/reasons.h"
#include "base/strings.h"
#include "policy/json_limits.h"

namespace attest::policy::jmespath {
namespace {

StatusOr<std::string> Delimited(std::string_view q, size_t& i, char quote) {
  size_t start = ++i;
  while (i < q.size() && q[i] != quote) {
    if (q[i] == '\\' && i + 1 < q.size()) ++i;
    ++i;
  }
  if (i >= q.size()) return Err(SyntaxError(start - 1, std::string("unterminated ") + quote));
  std::string body(q.substr(start, i - start));
  ++i;
  return body;
}

}  // namespace

Status SyntaxError(size_t offset, std::string_view message) {
  return Status::InvalidArgument(
      reason::kJmespathSyntaxError,
      "at offset " + std::to_string(offset) + ": " + std::string(message));
}

// Scans a delimited token body up to an unescaped `quote`; returns the raw body.

StatusOr<std::vector<Token>> Lex(std::string_view q) {
  std::vector<Token> out;
  size_t i = 0;
  auto is_alpha = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  };
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  while (i < q.size()) {
    char c = q[i];
    Token t;
    t.offset = i;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
      continue;
    }
    auto two = [&](char next) { return i + 1 < q.size() && q[i + 1] == next; };
    if (is_alpha(c)) {
      size_t start = i;
      while (i < q.size() && (is_alpha(q[i]) || is_digit(q[i]))) ++i;
      t.kind = Tok::kIdent;
      t.text = std::string(q.substr(start, i - start));
    } else if (is_digit(c) || (c == '-' && i + 1 < q.size() && is_digit(q[i + 1]))) {
      size_t start = i++;
      while (i < q.size() && is_digit(q[i])) ++i;
      t.kind = Tok::kNumber;
      t.text = std::string(q.substr(start, i - start));
      int64_t v = 0;
      auto [p, ec] = std::from_chars(t.text.data(), t.text.data() + t.text.size(), v);
      if (ec != std::errc()) return Err(SyntaxError(start, "number out of range"));
      t.value = v;
    } else if (c == '"') {
      ATTEST_ASSIGN_OR_RETURN(std::string body, Delimited(q, i, '"'));
      nlohmann::json s = nlohmann::json::parse("\"" + body + "\"", nullptr, false);
      if (!s.is_string()) return Err(SyntaxError(t.offset, "invalid quoted identifier"));
      t.kind = Tok::kQuotedIdent;
      t.text = s.get<std::string>();
    } else if (c == '\'') {
      ATTEST_ASSIGN_OR_RETURN(std::string body, Delimited(q, i, '\''));
      std::string raw;
      for (size_t k = 0; k < body.size(); ++k) {
        if (body[k] == '\\' && k + 1 < body.size() && body[k + 1] == '\'') ++k;
        raw += body[k];
      }
      t.kind = Tok::kLiteral;
      t.value = raw;
    } else if (c == '`') {
      ATTEST_ASSIGN_OR_RETURN(std::string body, Delimited(q, i, '`'));
      std::string json;
      for (size_t k = 0; k < body.size(); ++k) {
        if (body[k] == '\\' && k + 1 < body.size() && body[k + 1] == '`') ++k;
        json += body[k];
      }
      // A literal is copied whenever it is evaluated; bound its nesting like every JSON text
      // the policy engine parses (policy/json_limits.h).
      if (!JsonTextDepthWithin(json, kMaxJsonDepth)) {
        return Err(SyntaxError(t.offset, "literal nests deeper than " +
                                             std::to_string(kMaxJsonDepth)));
      }
      t.value = nlohmann::json::parse(json, nullptr, false);
      if (t.value.is_discarded()) {
        return Err(SyntaxError(t.offset, "invalid JSON in literal `" + json + "`"));
      }
      t.kind = Tok::kLiteral;
    } else {
      size_t len = 1;
      switch (c) {
        case '.':
          t.kind = Tok::kDot;
          break;
        case '*':
          t.kind = Tok::kStar;
          break;
        case ']':
          t.kind = Tok::kRBracket;
          break;
        case '{':
          t.kind = Tok::kLBrace;
          break;
        case '}':
          t.kind = Tok::kRBrace;
          break;
        case '(':
          t.kind = Tok::kLParen;
          break;
        case ')':
          t.kind = Tok::kRParen;
          break;
        case ',':
          t.kind = Tok::kComma;
          break;
        case ':':
          t.kind = Tok::kColon;
          break;
        case '@':
          t.kind = Tok::kCurrent;
          break;
        case '[':
          if (two('?')) {
            t.kind = Tok::kFilter;
            len = 2;
          } else if (two(']')) {
            t.kind = Tok::kFlatten;
            len = 2;
          } else {
            t.kind = Tok::kLBracket;
          }
          break;
        case '|':
          if (two('|')) {
            t.kind = Tok::kOr;
            len = 2;
          } else {
            t.kind = Tok::kPipe;
          }
          break;
        case '&':
          if (two('&')) {
            t.kind = Tok::kAnd;
            len = 2;
          } else {
            t.kind = Tok::kExpref;
          }
          break;
        case '!':
          if (two('=')) {
            t.kind = Tok::kNe;
            len = 2;
          } else {
            t.kind = Tok::kNot;
          }
          break;
        case '<':
          if (two('=')) {
            t.kind = Tok::kLe;
            len = 2;
          } else {
            t.kind = Tok::kLt;
          }
          break;
        case '>':
          if (two('=')) {
            t.kind = Tok::kGe;
            len = 2;
          } else {
            t.kind = Tok::kGt;
          }
          break;
        case '=':
          if (!two('=')) return Err(SyntaxError(i, "expected '==', found a single '='"));
          t.kind = Tok::kEq;
          len = 2;
          break;
        default:
          return Err(SyntaxError(i, std::string("unexpected character '") + c + "'"));
      }
      t.text = std::string(q.substr(i, len));
      i += len;
    }
    out.push_back(std::move(t));
  }
  Token eof;
  eof.offset = q.size();
  out.push_back(eof);
  return out;
}

}  // namespace attest::policy::jmespath
