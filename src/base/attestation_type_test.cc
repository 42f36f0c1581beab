#include "base/attestation_type.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace attest {
namespace {

bool Accepts(AttestationType type, std::string_view version) {
  const auto& versions = Vocabulary(type).api_versions;
  return std::find(versions.begin(), versions.end(), version) != versions.end();
}

TEST(AttestationTypeTest, VocabularyIsIndexedByType) {
  for (const AttestationTypeVocabulary& t : AttestationTypes()) {
    EXPECT_EQ(Vocabulary(t.type).rest_name, t.rest_name);
    EXPECT_EQ(FindByRestName(t.rest_name), &t);
  }
  EXPECT_EQ(AttestationTypes().size(), 9u);
}

TEST(AttestationTypeTest, ParsesRestAndCliNamesCaseInsensitively) {
  EXPECT_EQ(ParseAttestationType("sgx").value(), AttestationType::kSgxEnclave);
  EXPECT_EQ(ParseAttestationType("SGXENCLAVE").value(), AttestationType::kSgxEnclave);
  EXPECT_EQ(ParseAttestationType("oe").value(), AttestationType::kOpenEnclave);
  EXPECT_EQ(ParseAttestationType("Tdx").value(), AttestationType::kTdxVm);
  EXPECT_EQ(ParseAttestationType("sevsnp").value(), AttestationType::kSevSnpVm);
  EXPECT_EQ(ParseAttestationType("keyguard").value(), AttestationType::kKeyGuard);
  auto bad = ParseAttestationType("bogus");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().reason(), "ATTESTATION_TYPE_UNKNOWN");
  EXPECT_EQ(FindByRestName("sgx"), nullptr);  // short forms are not REST names
}

TEST(AttestationTypeTest, EvidenceMembersFollowTheRestApi) {
  EXPECT_EQ(Vocabulary(AttestationType::kSgxEnclave).evidence_member, "quote");
  EXPECT_EQ(Vocabulary(AttestationType::kOpenEnclave).evidence_member, "report");
  EXPECT_EQ(Vocabulary(AttestationType::kTdxVm).evidence_member, "quote");
  EXPECT_EQ(Vocabulary(AttestationType::kSevSnpVm).evidence_member, "report");
  EXPECT_EQ(Vocabulary(AttestationType::kTpm).evidence_member, "");  // multi-round
}

// maa-rest-api.md §1.2 amended by maa-real-clients.md §1.
TEST(AttestationTypeTest, ApiVersionsIncludeWhatMicrosoftClientsSend) {
  EXPECT_TRUE(Accepts(AttestationType::kTdxVm, "2023-04-01-preview"));
  EXPECT_TRUE(Accepts(AttestationType::kTdxVm, "2025-06-01"));
  EXPECT_TRUE(Accepts(AttestationType::kSevSnpVm, "2020-10-01"));
  EXPECT_TRUE(Accepts(AttestationType::kSevSnpVm, "2022-08-01"));
  EXPECT_TRUE(Accepts(AttestationType::kAzureGuest, "2020-10-01"));
  for (std::string_view v : {"2020-10-01", "2022-08-01", "2022-09-01-preview", "2025-06-01"}) {
    EXPECT_TRUE(Accepts(AttestationType::kSgxEnclave, v)) << v;
    EXPECT_TRUE(Accepts(AttestationType::kOpenEnclave, v)) << v;
  }
  EXPECT_FALSE(Accepts(AttestationType::kSgxEnclave, "2023-04-01-preview"));
  EXPECT_FALSE(Accepts(AttestationType::kKeyGuard, "2025-06-01"));
}

}  // namespace
}  // namespace attest
