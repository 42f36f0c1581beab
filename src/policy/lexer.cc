#include "policy/lexer.h"

#include <cstdio>
#include <string>

namespace attest::policy {
namespace {

// spec §2: IDENT = letter { letter | digit | "_" } (ASCII).
bool IsIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsIdentChar(char c) { return IsIdentStart(c) || (c >= '0' && c <= '9'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  std::vector<Token> Run() {
    std::vector<Token> out;
    for (;;) {
      SkipSpaceAndComments();
      Token token;
      token.pos = Pos();
      if (i_ >= text_.size()) {
        token.kind = TokenKind::kEnd;
        out.push_back(std::move(token));
        return out;
      }
      Status status = Next(token);
      if (!status.ok()) {
        // The message is "line:col: text"; keep the text, the position is token.pos.
        const std::string& m = status.message();
        size_t colon = m.find(": ");
        Token error;
        error.kind = TokenKind::kError;
        error.text = colon == std::string::npos ? m : m.substr(colon + 2);
        error.pos = ParsePos(m, token.pos);
        out.push_back(std::move(error));
        return out;
      }
      out.push_back(std::move(token));
    }
  }

  // The position at the start of a "line:col: ..." message.
  static SourcePos ParsePos(const std::string& m, SourcePos fallback) {
    int line = 0, column = 0;
    if (std::sscanf(m.c_str(), "%d:%d:", &line, &column) == 2) return SourcePos{line, column};
    return fallback;
  }

 private:
  SourcePos Pos() const { return SourcePos{line_, column_}; }

  // Advances one byte, counting columns in code points (UTF-8 continuation bytes do not
  // start a new column).
  void Advance() {
    char c = text_[i_++];
    if (c == '\n') {
      ++line_;
      column_ = 1;
    } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      ++column_;
    }
  }
  char Peek(size_t ahead = 0) const { return i_ + ahead < text_.size() ? text_[i_ + ahead] : '\0'; }

  void SkipSpaceAndComments() {
    while (i_ < text_.size()) {
      char c = text_[i_];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v') {
        Advance();
      } else if (c == '/' && Peek(1) == '/') {
        while (i_ < text_.size() && text_[i_] != '\n') Advance();
      } else if (static_cast<unsigned char>(c) == 0xEF && Peek(1) == '\xBB' && Peek(2) == '\xBF' &&
                 i_ == 0) {
        i_ += 3;  // UTF-8 byte order mark
      } else {
        return;
      }
    }
  }

  Status Simple(Token& token, TokenKind kind, size_t length) {
    token.kind = kind;
    token.text.assign(text_.substr(i_, length));
    for (size_t k = 0; k < length; ++k) Advance();
    return Status::Ok();
  }

  Status Next(Token& token) {
    char c = text_[i_];
    switch (c) {
      case '{':
        return Simple(token, TokenKind::kLBrace, 1);
      case '}':
        return Simple(token, TokenKind::kRBrace, 1);
      case '[':
        return Simple(token, TokenKind::kLBracket, 1);
      case ']':
        return Simple(token, TokenKind::kRBracket, 1);
      case '(':
        return Simple(token, TokenKind::kLParen, 1);
      case ')':
        return Simple(token, TokenKind::kRParen, 1);
      case ';':
        return Simple(token, TokenKind::kSemicolon, 1);
      case ',':
        return Simple(token, TokenKind::kComma, 1);
      case ':':
        return Simple(token, TokenKind::kColon, 1);
      case '.':
        return Simple(token, TokenKind::kDot, 1);
      case '=':
        if (Peek(1) == '=') return Simple(token, TokenKind::kEqEq, 2);
        if (Peek(1) == '>') return Simple(token, TokenKind::kArrow, 2);
        return Simple(token, TokenKind::kAssign, 1);
      case '!':
        if (Peek(1) == '=') return Simple(token, TokenKind::kNotEq, 2);
        return Simple(token, TokenKind::kBang, 1);
      case '<':
        if (Peek(1) == '=') return Simple(token, TokenKind::kLe, 2);
        return Simple(token, TokenKind::kLt, 1);
      case '>':
        if (Peek(1) == '=') return Simple(token, TokenKind::kGe, 2);
        return Simple(token, TokenKind::kGt, 1);
      case '&':
        if (Peek(1) == '&') return Simple(token, TokenKind::kAndAnd, 2);
        return PolicyError(kReasonSyntax, Pos(),
                           "expected '&&' between claim conditions, found a single '&'");
      case '|':
        return PolicyError(kReasonSyntax, Pos(),
                           "the rule language has no '|' or '||' operator; express alternatives "
                           "as separate rules");
      case '"':
        return String(token);
      default:
        break;
    }
    if (IsDigit(c) || (c == '-' && IsDigit(Peek(1)))) return Number(token);
    if (IsIdentStart(c)) {
      token.kind = TokenKind::kIdent;
      size_t start = i_;
      while (i_ < text_.size() && IsIdentChar(text_[i_])) Advance();
      token.text.assign(text_.substr(start, i_ - start));
      return Status::Ok();
    }
    if (static_cast<unsigned char>(c) == 0xE2 && Peek(1) == '\x80' &&
        (Peek(2) == '\x9C' || Peek(2) == '\x9D' || Peek(2) == '\x98' || Peek(2) == '\x99')) {
      return PolicyError(kReasonSyntax, Pos(),
                         "typographic quote; string literals use the ASCII double quote '\"'");
    }
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F) {
      return PolicyError(
          kReasonSyntax, Pos(),
          "unexpected character (byte 0x" + std::string(1, "0123456789abcdef"[(c >> 4) & 0xF]) +
              std::string(1, "0123456789abcdef"[c & 0xF]) + ") outside a string literal");
    }
    return PolicyError(kReasonSyntax, Pos(), std::string("unexpected character '") + c + "'");
  }

  Status Number(Token& token) {
    size_t start = i_;
    if (Peek() == '-') Advance();
    while (i_ < text_.size() && IsDigit(text_[i_])) Advance();
    if (Peek() == '.' && IsDigit(Peek(1))) {
      Advance();
      while (i_ < text_.size() && IsDigit(text_[i_])) Advance();
      token.kind = TokenKind::kDecimal;
    } else {
      token.kind = TokenKind::kInteger;
    }
    token.text.assign(text_.substr(start, i_ - start));
    if (i_ < text_.size() && IsIdentStart(text_[i_])) {
      return PolicyError(kReasonSyntax, token.pos,
                         "malformed number '" + token.text + text_[i_] + "...'");
    }
    return Status::Ok();
  }

  Status String(Token& token) {
    size_t start = i_;
    Advance();  // opening quote
    for (;;) {
      if (i_ >= text_.size() || text_[i_] == '\n' || text_[i_] == '\r') {
        return PolicyError(kReasonSyntax, token.pos,
                           "unterminated string literal (a '\"' is missing before the end of "
                           "the line)");
      }
      char c = text_[i_];
      if (c == '\\') {
        Advance();
        if (i_ >= text_.size()) continue;
        Advance();
        continue;
      }
      Advance();
      if (c == '"') break;
    }
    std::string_view raw = text_.substr(start, i_ - start);
    // String literals use JSON escapes (spec §2, STRING); nlohmann decodes and validates
    // them, including UTF-8.
    nlohmann::json decoded = nlohmann::json::parse(raw, nullptr, /*allow_exceptions=*/false);
    if (!decoded.is_string()) {
      return PolicyError(kReasonSyntax, token.pos,
                         "invalid string literal: use JSON escapes (\\\" \\\\ \\/ \\b \\f \\n "
                         "\\r \\t \\uXXXX), valid UTF-8 and no control characters");
    }
    token.kind = TokenKind::kString;
    token.text = decoded.get<std::string>();
    return Status::Ok();
  }

  std::string_view text_;
  size_t i_ = 0;
  int line_ = 1;
  int column_ = 1;
};

}  // namespace

std::vector<Token> Tokenize(std::string_view text) { return Lexer(text).Run(); }

std::string DescribeToken(const Token& token) {
  switch (token.kind) {
    case TokenKind::kEnd:
      return "end of policy";
    case TokenKind::kError:
      return token.text;
    case TokenKind::kIdent:
      return "identifier '" + token.text + "'";
    case TokenKind::kString:
      return "string \"" +
             (token.text.size() > 40 ? token.text.substr(0, 40) + "..." : token.text) + "\"";
    case TokenKind::kInteger:
    case TokenKind::kDecimal:
      return "number " + token.text;
    default:
      return "'" + token.text + "'";
  }
}

Status PolicyError(std::string_view reason, SourcePos pos, std::string_view message) {
  return Status::InvalidArgument(
      std::string(reason),
      std::to_string(pos.line) + ":" + std::to_string(pos.column) + ": " + std::string(message));
}

const char* SectionName(SectionKind kind) {
  switch (kind) {
    case SectionKind::kConfiguration:
      return "configurationrules";
    case SectionKind::kAuthorization:
      return "authorizationrules";
    case SectionKind::kIssuance:
      return "issuancerules";
  }
  return "?";
}

const char* ActionName(ActionKind kind) {
  switch (kind) {
    case ActionKind::kPermit:
      return "permit";
    case ActionKind::kDeny:
      return "deny";
    case ActionKind::kAdd:
      return "add";
    case ActionKind::kIssue:
      return "issue";
    case ActionKind::kIssueProperty:
      return "issueproperty";
  }
  return "?";
}

const char* FunctionName(Function f) {
  switch (f) {
    case Function::kJmesPath:
      return "JmesPath";
    case Function::kJsonToClaimValue:
      return "JsonToClaimValue";
    case Function::kIsSubsetOf:
      return "IsSubsetOf";
    case Function::kAppendString:
      return "AppendString";
    case Function::kNegateBool:
      return "NegateBool";
    case Function::kContainsOnlyValue:
      return "ContainsOnlyValue";
  }
  return "?";
}

const char* StaticTypeName(StaticType t) {
  switch (t) {
    case StaticType::kUnknown:
      return "unknown";
    case StaticType::kString:
      return "String";
    case StaticType::kInteger:
      return "Integer";
    case StaticType::kBoolean:
      return "Boolean";
    case StaticType::kSet:
      return "set";
  }
  return "?";
}

}  // namespace attest::policy
