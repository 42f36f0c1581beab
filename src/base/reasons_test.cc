#include "base/reasons.h"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace attest {
namespace {

std::string ReadSourceFile(const std::string& relative) {
  std::ifstream in(std::string(ATTESTD_SOURCE_DIR) + "/" + relative);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Every reason a declaration in reasons.h spells, read from the header's text, so that a
// constant left out of reason::kAll is caught too.
std::set<std::string> DeclaredInHeader() {
  std::string header = ReadSourceFile("src/base/reasons.h");
  std::set<std::string> out;
  std::regex decl(R"re(inline constexpr char k\w+\[\] = "([A-Z0-9_]+)";)re");
      for (std::sregex_iterator it(header.begin(), header.end(), decl), end; it != end; ++it) {
    out.insert((*it)[1].str());
  }
  return out;
}

TEST(ReasonsTest, EveryDeclarationIsListedOnceInAll) {
  std::set<std::string> declared = DeclaredInHeader();
  ASSERT_GT(declared.size(), 100u);
  std::set<std::string> listed;
  for (std::string_view r : reason::kAll) {
    EXPECT_TRUE(listed.insert(std::string(r)).second) << r << " is listed twice";
  }
  EXPECT_EQ(listed, declared);
}

TEST(ReasonsTest, EveryDeclaredReasonIsDocumented) {
  std::string doc = ReadSourceFile("docs/errors.md");
  ASSERT_FALSE(doc.empty()) << "docs/errors.md not found under " << ATTESTD_SOURCE_DIR;
  for (std::string_view r : reason::kAll) {
    EXPECT_NE(doc.find("`" + std::string(r) + "`"), std::string::npos)
        << r << " is declared in src/base/reasons.h but not documented in docs/errors.md";
  }
}

// One concept, one spelling: the retired spellings of "unknown/unsupported attestation type".
TEST(ReasonsTest, AttestationTypeConceptsHaveOneSpellingEach) {
  std::set<std::string> declared = DeclaredInHeader();
  EXPECT_TRUE(declared.contains("ATTESTATION_TYPE_UNKNOWN"));
  EXPECT_TRUE(declared.contains("ATTESTATION_TYPE_UNSUPPORTED"));
  for (const char* retired :
       {"UNKNOWN_ATTESTATION_TYPE", "UNSUPPORTED_ATTESTATION_TYPE", "INVALID_ATTESTATION_TYPE"}) {
    EXPECT_FALSE(declared.contains(retired)) << retired;
  }
}

}  // namespace
}  // namespace attest
