#include "claims/claim.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace attest::claims {
namespace {

TEST(IssuerTest, KnownNamesAreHeldByReferenceOthersAreOwned) {
  // Known names refer to static storage (which copy of the literal is the compiler's
  // business), never to the caller's buffer: they outlive it.
  auto service = std::make_unique<std::string>(kIssuerAttestationService);
  auto policy = std::make_unique<std::string>(kIssuerAttestationPolicy);
  Issuer a(*service), p(*policy);
  EXPECT_NE(a.view().data(), service->data());
  EXPECT_NE(p.view().data(), policy->data());
  service.reset();
  policy.reset();
  EXPECT_EQ(a, kIssuerAttestationService);
  EXPECT_EQ(p, kIssuerAttestationPolicy);
  EXPECT_EQ(Issuer().view(), kIssuerAttestationService);

  Issuer copy;
  {
    std::string other = "SomeOtherIssuer";
    Issuer o(other);
    EXPECT_NE(o.view().data(), other.data());
    copy = o;
    other.assign("overwritten-----");
  }
  EXPECT_EQ(copy, std::string_view("SomeOtherIssuer"));
  EXPECT_EQ(copy.str(), "SomeOtherIssuer");
  EXPECT_FALSE(copy == a);
}

TEST(ClaimSetTest, AddKeepsTheIssuerByName) {
  ClaimSet set;
  set.Add("a", 1);
  set.Add("b", 2, kIssuerAttestationPolicy);
  std::string custom = "Custom";
  set.Add("c", 3, custom);
  custom.clear();
  ClaimSet copy = set;
  EXPECT_EQ(copy.claims()[0].issuer, kIssuerAttestationService);
  EXPECT_EQ(copy.claims()[1].issuer, kIssuerAttestationPolicy);
  EXPECT_EQ(copy.claims()[2].issuer, std::string_view("Custom"));
  EXPECT_EQ(copy.claims(), set.claims());
}

}  // namespace
}  // namespace attest::claims
