#include "evidence/dcap/signed_json.h"

#include <cctype>
#include <set>

#include "base/encoding.h"

namespace attest::dcap {
namespace {

constexpr size_t kMaxDocument = 1024 * 1024;
constexpr int kMaxDepth = 64;

// A forward-only scanner over JSON text that validates structure without building values.
class Scanner {
 public:
  Scanner(std::string_view text, std::string_view reason) : s_(text), reason_(reason) {}

  Status Fail(std::string_view what) const {
    return Status::InvalidCollateral(std::string(reason_),
                                     std::string(what) + " at offset " + std::to_string(pos_));
  }
  void SkipWs() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool AtEnd() const { return pos_ >= s_.size(); }
  char Peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  size_t pos() const { return pos_; }
  Status Expect(char c) {
    SkipWs();
    if (Peek() != c) return Fail(std::string("expected '") + c + "'");
    ++pos_;
    return Status::Ok();
  }

  // Scans a string starting at '"'; returns its raw contents (escapes kept).
  StatusOr<std::string_view> String() {
    SkipWs();
    if (Peek() != '"') return Err(Fail("expected a string"));
    size_t start = ++pos_;
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c == '\\') {
        pos_ += 2;
        continue;
      }
      if (c == '"') {
        std::string_view out = s_.substr(start, pos_ - start);
        ++pos_;
        return out;
      }
      if (static_cast<unsigned char>(c) < 0x20) return Err(Fail("control character in string"));
      ++pos_;
    }
    return Err(Fail("unterminated string"));
  }

  // Skips any JSON value.
  Status Value(int depth) {
    if (depth > kMaxDepth) return Fail("nesting too deep");
    SkipWs();
    char c = Peek();
    if (c == '"') {
      auto s = String();
      return s ? Status::Ok() : s.error();
    }
    if (c == '{' || c == '[') {
      const char close = c == '{' ? '}' : ']';
      ++pos_;
      SkipWs();
      if (Peek() == close) {
        ++pos_;
        return Status::Ok();
      }
      while (true) {
        if (c == '{') {
          auto key = String();
          if (!key) return key.error();
          if (Status st = Expect(':'); !st.ok()) return st;
        }
        if (Status st = Value(depth + 1); !st.ok()) return st;
        SkipWs();
        if (Peek() == ',') {
          ++pos_;
          continue;
        }
        if (Peek() == close) {
          ++pos_;
          return Status::Ok();
        }
        return Fail("expected ',' or a closing bracket");
      }
    }
    size_t start = pos_;
    while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) ||
                                s_[pos_] == '-' || s_[pos_] == '+' || s_[pos_] == '.')) {
      ++pos_;
    }
    if (pos_ == start) return Fail("unexpected character");
    return Status::Ok();
  }

 private:
  std::string_view s_;
  std::string_view reason_;
  size_t pos_ = 0;
};

std::string StripInsignificantWhitespace(std::string_view span) {
  std::string out;
  out.reserve(span.size());
  bool in_string = false;
  for (size_t i = 0; i < span.size(); ++i) {
    char c = span[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < span.size()) {
        out += span[++i];
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
      out += c;
    } else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
      out += c;
    }
  }
  return out;
}

}  // namespace

StatusOr<SignedJson> ExtractSignedJson(std::string_view document, std::string_view body_key,
                                       std::string_view reason) {
  auto fail = [&](std::string msg) {
    return Err(Status::InvalidCollateral(std::string(reason), std::move(msg)));
  };
  // OE endorsements and C strings carry a terminating NUL; ignore trailing NULs.
  while (!document.empty() && document.back() == '\0') document.remove_suffix(1);
  if (document.size() > kMaxDocument) return fail("document is larger than 1 MiB");

  Scanner sc(document, reason);
  ATTEST_RETURN_IF_ERROR(sc.Expect('{'));
  std::set<std::string_view> seen;
  std::string_view body_span, signature_hex;
  bool have_body = false, have_sig = false;
  sc.SkipWs();
  if (sc.Peek() == '}') return fail("document is an empty object");
  while (true) {
    ATTEST_ASSIGN_OR_RETURN(std::string_view key, sc.String());
    if (!seen.insert(key).second) {
      return fail("top-level member '" + std::string(key.substr(0, 64)) + "' is repeated");
    }
    ATTEST_RETURN_IF_ERROR(sc.Expect(':'));
    sc.SkipWs();
    size_t start = sc.pos();
    if (key == "signature") {
      ATTEST_ASSIGN_OR_RETURN(signature_hex, sc.String());
      have_sig = true;
    } else {
      ATTEST_RETURN_IF_ERROR(sc.Value(1));
      if (key == body_key) {
        body_span = document.substr(start, sc.pos() - start);
        have_body = true;
      }
    }
    sc.SkipWs();
    if (sc.Peek() == ',') {
      ATTEST_RETURN_IF_ERROR(sc.Expect(','));
      continue;
    }
    ATTEST_RETURN_IF_ERROR(sc.Expect('}'));
    break;
  }
  sc.SkipWs();
  if (!sc.AtEnd()) return fail("bytes after the JSON document");
  if (!have_body) return fail("member '" + std::string(body_key) + "' is missing");
  if (!have_sig) return fail("member 'signature' is missing");
  if (body_span.empty() || body_span.front() != '{') {
    return fail("member '" + std::string(body_key) + "' is not an object");
  }
  auto sig = HexDecode(signature_hex);
  if (!sig || sig->size() != 64) return fail("signature is not 128 hex digits");
  SignedJson out;
  out.body = StripInsignificantWhitespace(body_span);
  out.signature = std::move(*sig);
  return out;
}

}  // namespace attest::dcap
