// Fuzz target: the JMESPath engine behind the policy function JmesPath(json, query) —
// jmespath::Compile of the query and jmespath::Search over a JSON document with a step budget.
// Input: "<query>\0<json>" (without a NUL, the whole input is the query over a fixed document).
// The JSON text goes through the same guard the policy engine applies to JSON it parses.
#include <cstring>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/strings.h"
#include "fuzz/fuzz_seeds.h"
#include "policy/jmespath.h"
#include "service/attestation_service.h"

namespace {

constexpr std::string_view kDocument =
    R"({"a":{"b":{"c":[1,2,3]}},"people":[{"n":"x","age":30},{"n":"y","age":20},{"n":"z"}],)"
    R"("m":[[1,2],[3,[4]]],"o":{"k1":{"v":1},"k2":{"v":2}},"s":"text","f":1.5,"t":true,"z":null})";

const nlohmann::json& FixedDocument() {
  static const nlohmann::json* doc = new nlohmann::json(nlohmann::json::parse(kDocument));
  return *doc;
}

// The policy lexer accepts only valid UTF-8 string literals (spec/maa-policy-language.md §1),
// so a query that reaches jmespath::Compile from a policy is valid UTF-8; inputs that are not
// would only exercise a path no caller has.
bool ValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (n == 0 || i + n > s.size()) {
      return false;
    }
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) {
        return false;
      }
    }
    i += n;
  }
  return true;
}

attest::Bytes Seed(std::string_view query, std::string_view json = {}) {
  attest::Bytes b(query.begin(), query.end());
  if (!json.empty()) {
    b.push_back(0);
    b.insert(b.end(), json.begin(), json.end());
  }
  return b;
}

}  // namespace

std::vector<attest::Bytes> FuzzSeeds() {
  return {Seed("a.b.c[-1]"),
          Seed("a.b.c[::-1] | [0:2]"),
          Seed("people[?age > `25`].n"),
          Seed("people[?n == 'x' || n == 'z'].n"),
          Seed("{first: people[0].n, count: length(people)}"),
          Seed("[people[0].n, 'lit', `{\"k\":[1,2]}`]"),
          Seed("max_by(people[?age], &age).n"),
          Seed("sort_by(people[?age], &age)[0].n"),
          Seed("m[] | [*][0]"),
          Seed("o.*.v | sum(@)"),
          Seed("!missing && contains(a.b.c, `2`)"),
          Seed("people[?equals_ignore_case(n, 'X')].n"),
          Seed("to_string(f) | length(@)"),
          Seed("keys(o) | sort(@) | join(',', @)"),
          Seed("[avg(a.b.c), min(a.b.c), abs(`-1`), ceil(f), floor(f), to_number('12')]"),
          Seed("map(&age, people[?age]) | reverse(@)"),
          Seed("merge(o.k1, o.k2) | values(@) | type(@)"),
          Seed("starts_with(s, 'te') && ends_with(s, 'xt') && not_null(z, s)"),
          Seed("keys[?kty=='RSA'] | [0].kid", R"({"keys":[{"kid":"k","kty":"RSA"}]})"),
          Seed("[*].a", "[{\"a\":1},{\"a\":[2,3]},{\"b\":4}]"),
          Seed("reverse(s) | to_string(@)")};
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view query = input;
  std::string_view json_text;
  if (size_t nul = input.find('\0'); nul != std::string_view::npos) {
    query = input.substr(0, nul);
    json_text = input.substr(nul + 1);
  }
  if (!ValidUtf8(query)) {
    return 0;
  }
  auto expression = attest::policy::jmespath::Compile(query);
  if (!expression) {
    return 0;
  }
  nlohmann::json parsed;
  const nlohmann::json* document = &FixedDocument();
  if (!json_text.empty()) {
    if (!attest::JsonTextDepthWithin(json_text, attest::service::kMaxBoundJsonDepth)) {
      return 0;
    }
    parsed = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) {
      return 0;
    }
    document = &parsed;
  }
  attest::policy::jmespath::Budget budget{20'000, 8 << 20, 64};
  auto result = attest::policy::jmespath::Search(*expression, *document, &budget);
  if (result) {
    // Strict dump, as policy/functions.cc does with a JmesPath result: a result string that
    // is not valid UTF-8 throws there.
    (void)result->dump();
  }
  return 0;
}
