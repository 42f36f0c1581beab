#include "evidence/registry.h"

#include <gtest/gtest.h>

namespace attest::evidence {
namespace {

TEST(RegistryTest, TokenTypesAndLayoutsFollowMaa) {
  // spec/maa-tokens.md §2: OpenEnclave tokens are SGX tokens.
  const AttestationTypeDescriptor* sgx = FindDescriptor(AttestationType::kSgxEnclave);
  const AttestationTypeDescriptor* oe = FindDescriptor(AttestationType::kOpenEnclave);
  const AttestationTypeDescriptor* tdx = FindDescriptor(AttestationType::kTdxVm);
  ASSERT_TRUE(sgx && oe && tdx);
  EXPECT_EQ(sgx->token_type, "sgx");
  EXPECT_EQ(oe->token_type, "sgx");
  EXPECT_EQ(tdx->token_type, "tdxvm");
  EXPECT_EQ(sgx->layout, ClaimLayout::kSgxLegacyMirrors);
  EXPECT_EQ(oe->layout, ClaimLayout::kSgxLegacyMirrors);
  EXPECT_EQ(tdx->layout, ClaimLayout::kTopLevel);
  EXPECT_EQ(FindDescriptor(AttestationType::kSevSnpVm)->token_type, "sevsnpvm");
  EXPECT_EQ(FindDescriptor(AttestationType::kKeyGuard), nullptr);
}

TEST(RegistryTest, EveryVerifiableTypeHasOneEvidenceMemberAndAPolicy) {
  for (const AttestationTypeDescriptor& d : Descriptors()) {
    EXPECT_EQ(FindDescriptor(d.type), &d) << d.rest_name();
    EXPECT_FALSE(d.default_policy.empty()) << d.rest_name();
    EXPECT_FALSE(d.token_type.empty()) << d.rest_name();
    if (d.verifiable()) {
      EXPECT_FALSE(d.vocabulary().evidence_member.empty()) << d.rest_name();
      EXPECT_FALSE(d.vocabulary().api_versions.empty()) << d.rest_name();
      EXPECT_FALSE(d.claims_supported.empty()) << d.rest_name();
    }
  }
}

TEST(RegistryTest, BuildsVerifiersFromConfigurationOnlyForVerifiableTypes) {
  VerifierConfig config;
  config.dcap.allow_missing_pck_crl = true;
  for (AttestationType t :
       {AttestationType::kSgxEnclave, AttestationType::kOpenEnclave, AttestationType::kTdxVm,
        AttestationType::kSevSnpVm}) {
    auto v = MakeVerifier(t, config);
    ASSERT_TRUE(v.has_value()) << AttestationTypeName(t);
    EXPECT_NE(*v, nullptr);
  }
  for (AttestationType t :
       {AttestationType::kTpm, AttestationType::kPluton}) {
    auto v = MakeVerifier(t, config);
    ASSERT_FALSE(v.has_value()) << AttestationTypeName(t);
    EXPECT_EQ(v.error().reason(), "ATTESTATION_TYPE_UNSUPPORTED");
    EXPECT_EQ(v.error().code(), StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace attest::evidence
