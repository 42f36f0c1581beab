// One test per rejection reason of SnpReportVerifier, on reports minted by the test AMD
// world (src/testing/amd_world.h), plus the positive paths per product and signer.
#include "evidence/snp/snp_report_verifier.h"

#include <gtest/gtest.h>

#include "claims/claim_names.h"
#include "testing/amd_world.h"

namespace attest::snp {
namespace {

using testing::AmdCase;
using testing::AmdWorld;

collateral::StaticCollateralProvider& NoCollateral() {
  static collateral::StaticCollateralProvider p(nullptr);
  return p;
}

AmdChain ChainOf(const AmdCase& c, bool ek = true, bool intermediate = true, bool ark = true) {
  AmdChain chain;
  if (ek) chain.ek = crypto::Certificate::FromDer(c.ek_der).value();
  if (intermediate) chain.intermediate = crypto::Certificate::FromDer(c.intermediate_der).value();
  if (ark) chain.ark = crypto::Certificate::FromDer(c.ark_der).value();
  return chain;
}

StatusOr<SnpVerification> VerifyCase(const AmdCase& c, const AmdChain& chain,
                              collateral::CollateralProvider& provider = NoCollateral()) {
  FixedClock clock(c.verification_time);
  evidence::VerifyContext ctx{clock, provider, c.anchors};
  return SnpReportVerifier::Shared().Verify(c.report, chain, ctx);
}

StatusOr<SnpVerification> VerifyCase(const AmdCase& c) { return VerifyCase(c, ChainOf(c)); }

void ExpectReason(const StatusOr<SnpVerification>& r, std::string_view reason) {
  ASSERT_FALSE(r.has_value()) << "expected " << reason;
  EXPECT_EQ(r.error().reason(), reason) << r.error().ToString();
  EXPECT_EQ(r.error().code(), StatusCode::kInvalidEvidence) << r.error().ToString();
}

TEST(SnpReportVerifierTest, AcceptsMilanGenoaTurinVcekAndMilanVlek) {
  for (AmdWorld w : {AmdWorld::Milan(), AmdWorld::Genoa(), AmdWorld::Turin(), AmdWorld::MilanVlek()}) {
    AmdCase c = w.Build();
    auto r = VerifyCase(c);
    ASSERT_TRUE(r.has_value()) << r.error().ToString();
    EXPECT_EQ(r->product, w.product);
    EXPECT_EQ(r->signing_key, w.ek.kind);
    EXPECT_EQ(r->reported_tcb.microcode, 115);
    EXPECT_EQ(r->reported_tcb.snp, 8);
    EXPECT_EQ(r->reported_tcb.bootloader, 3);
    EXPECT_EQ(r->reported_tcb.fmc.has_value(), w.product == Product::kTurin);
    EXPECT_FALSE(r->revocation_checked);
  }
}

TEST(SnpReportVerifierTest, SelectsV2ProductFromTheCertificate) {
  AmdWorld w = AmdWorld::Genoa();
  w.report.version = 2;
  auto r = VerifyCase(w.Build());
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->product, Product::kGenoa);
  EXPECT_FALSE(r->report.cpuid_fam_id.has_value());
}

TEST(SnpReportVerifierTest, AcceptsV5ReportWithMitigationVectors) {
  AmdWorld w = AmdWorld::Turin();
  w.report.version = 5;
  w.report.pokes = {{0x1F8, 0x0B}, {0x200, 0x0B}};
  auto r = VerifyCase(w.Build());
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->report.launch_mit_vector, 0x0Bu);
  EXPECT_EQ(r->report.current_mit_vector, 0x0Bu);
}

TEST(SnpReportVerifierTest, GetsMissingCertificatesFromCollateral) {
  AmdCase c = AmdWorld::Milan().Build();
  testing::AmdCaseProvider provider(c);
  auto r = VerifyCase(c, AmdChain{}, provider);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->ek_source, "collateral");
}

TEST(SnpReportVerifierTest, RejectsMissingChainWhenNoCollateral) {
  AmdCase c = AmdWorld::Milan().Build();
  ExpectReason(VerifyCase(c, ChainOf(c, true, false, false)), "SNP_CERT_CHAIN_MISSING");
  ExpectReason(VerifyCase(c, AmdChain{}), "SNP_CERT_CHAIN_MISSING");
}

TEST(SnpReportVerifierTest, RejectsWrongProductChain) {
  AmdWorld w = AmdWorld::Turin();
  w.chain_product = Product::kMilan;  // Turin report + VCEK issued by the Milan ASK
  ExpectReason(VerifyCase(w.Build()), "SNP_CHAIN_PRODUCT_MISMATCH");
}

TEST(SnpReportVerifierTest, RejectsCertificateOfAnotherProductLine) {
  AmdWorld w = AmdWorld::Milan();
  w.ek.product_name = "Genoa-B0";
  ExpectReason(VerifyCase(w.Build()), "SNP_CHAIN_PRODUCT_MISMATCH");
}

TEST(SnpReportVerifierTest, RejectsUnpinnedArk) {
  AmdCase c = AmdWorld::Milan().Build();
  c.anchors = evidence::TrustAnchors::Production();  // test roots are never production roots
  ExpectReason(VerifyCase(c), "SNP_ARK_NOT_PINNED");
}

TEST(SnpReportVerifierTest, RejectsVcekOfAnotherChip) {
  AmdWorld w = AmdWorld::Milan();
  w.ek.hwid->at(5) ^= 0xFF;
  ExpectReason(VerifyCase(w.Build()), "SNP_CHIP_ID_MISMATCH");
}

TEST(SnpReportVerifierTest, RejectsTurinChipIdWithNonZeroTail) {
  AmdWorld w = AmdWorld::Turin();
  w.report.chip_id[20] = 1;
  ExpectReason(VerifyCase(w.Build()), "SNP_CHIP_ID_MISMATCH");
}

TEST(SnpReportVerifierTest, RejectsVcekSignedReportWithMaskedChipId) {
  AmdWorld w = AmdWorld::Milan();
  w.report.chip_id.fill(0);
  ExpectReason(VerifyCase(w.Build()), "SNP_CHIP_ID_MISMATCH");
}

TEST(SnpReportVerifierTest, RejectsReportedTcbOtherThanTheVcekTcb) {
  AmdWorld w = AmdWorld::Milan();
  w.report.reported_tcb = testing::EncodeTcb(Product::kMilan, 4, 0, 8, 115);
  auto r = VerifyCase(w.Build());
  ExpectReason(r, "SNP_TCB_MISMATCH");
  EXPECT_NE(r.error().message().find("blSPL"), std::string::npos);
}

TEST(SnpReportVerifierTest, ComparesTheVcekWithReportedTcbNotCurrentTcb) {
  AmdWorld w = AmdWorld::Milan();
  w.report.current_tcb = testing::EncodeTcb(Product::kMilan, 3, 0, 8, 210);
  auto r = VerifyCase(w.Build());
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->current_tcb.microcode, 210);
}

TEST(SnpReportVerifierTest, RejectsTurinFmcMismatch) {
  AmdWorld w = AmdWorld::Turin();
  w.ek.spl[9] = 2;
  ExpectReason(VerifyCase(w.Build()), "SNP_TCB_MISMATCH");
}

TEST(SnpReportVerifierTest, RejectsVlekWithChipId) {
  AmdWorld w = AmdWorld::MilanVlek();
  w.ek.hwid = Bytes(64, 0x42);
  auto r = VerifyCase(w.Build());
  ExpectReason(r, "SNP_EK_CERT_INVALID");
  EXPECT_NE(r.error().message().find("hwID"), std::string::npos);
}

TEST(SnpReportVerifierTest, RejectsVcekWithoutHwid) {
  AmdWorld w = AmdWorld::Milan();
  w.ek.hwid.reset();
  ExpectReason(VerifyCase(w.Build()), "SNP_EK_CERT_INVALID");
}

TEST(SnpReportVerifierTest, RejectsReportSignedByVlekWithVcekCertificate) {
  AmdWorld w = AmdWorld::Milan();
  w.report.signer_info = 1u << 2;  // claims a VLEK, chain is ASK + VCEK
  ExpectReason(VerifyCase(w.Build()), "SNP_CHAIN_PRODUCT_MISMATCH");
}

TEST(SnpReportVerifierTest, RejectsExpiredVlek) {
  AmdWorld w = AmdWorld::MilanVlek();
  w.ek.not_after = w.verification_time - testing::kDay;
  ExpectReason(VerifyCase(w.Build()), "SNP_CERT_EXPIRED");
}

TEST(SnpReportVerifierTest, RejectsVcekNotYetValid) {
  AmdWorld w = AmdWorld::Milan();
  w.ek.not_before = w.verification_time + testing::kDay;
  ExpectReason(VerifyCase(w.Build()), "SNP_CERT_NOT_YET_VALID");
}

TEST(SnpReportVerifierTest, ReJudgesCachedChainAtEveryTime) {
  AmdWorld w = AmdWorld::Milan();
  AmdCase c = w.Build();
  ASSERT_TRUE(VerifyCase(c).has_value());
  c.verification_time += 10 * 365 * testing::kDay;  // past the VCEK's notAfter
  ExpectReason(VerifyCase(c), "SNP_CERT_EXPIRED");
}

TEST(SnpReportVerifierTest, RejectsVcekNotSignedByTheAsk) {
  AmdWorld w = AmdWorld::Milan();
  // Names SEV-Milan as issuer but is signed by the Genoa ASK key.
  testing::AmdTestCert forged = w.pki->product(Product::kGenoa).ask;
  testing::AmdTestCert impostor{w.pki->product(Product::kMilan).ask.x509, forged.key};
  w.ek_override = testing::IssueEk(w.ek, impostor);
  ExpectReason(VerifyCase(w.Build()), "SNP_CHAIN_INVALID");
}

TEST(SnpReportVerifierTest, RejectsBadSignature) {
  AmdWorld w = AmdWorld::Milan();
  w.corrupt_signature = true;
  ExpectReason(VerifyCase(w.Build()), "SNP_SIGNATURE_INVALID");
}

TEST(SnpReportVerifierTest, RejectsReportSignedByAnotherKey) {
  AmdWorld w = AmdWorld::Milan();
  w.signing_key_override = std::shared_ptr<EVP_PKEY>(EVP_EC_gen("P-384"), EVP_PKEY_free);
  ExpectReason(VerifyCase(w.Build()), "SNP_SIGNATURE_INVALID");
}

TEST(SnpReportVerifierTest, RejectsTruncatedAndOversizedReports) {
  AmdCase c = AmdWorld::Milan().Build();
  AmdCase shorter = c;
  shorter.report.resize(kReportSize - 1);
  ExpectReason(VerifyCase(shorter), "SNP_REPORT_TRUNCATED");
  AmdCase longer = c;
  longer.report.resize(kMaxReportBufferSize + 1);
  ExpectReason(VerifyCase(longer), "SNP_REPORT_TOO_LARGE");
  AmdCase extended = c;  // a certificate table after the report is ignored
  extended.report.resize(kReportSize + 4096, 0xAB);
  EXPECT_TRUE(VerifyCase(extended).has_value());
}

TEST(SnpReportVerifierTest, RejectsUnknownVersion) {
  for (uint32_t version : {0u, 1u, 6u, 0xFFFFFFFFu}) {
    AmdWorld w = AmdWorld::Milan();
    w.report.version = version;
    ExpectReason(VerifyCase(w.Build()), "SNP_REPORT_VERSION_UNSUPPORTED");
  }
}

TEST(SnpReportVerifierTest, RejectsMustBeZeroFieldsSet) {
  // 0x04C reserved, 0x18B reserved (v3), 0x1EB, 0x1EF, 0x208.. (v5 tail), 0x330.. (after S).
  for (size_t off : {0x04Cu, 0x18Bu, 0x19Fu, 0x1EBu, 0x1EFu, 0x1F8u, 0x29Fu, 0x330u, 0x49Fu}) {
    AmdWorld w = AmdWorld::Milan();
    w.report.pokes[off] = 1;
    auto r = VerifyCase(w.Build());
    ExpectReason(r, "SNP_REPORT_RESERVED_FIELD");
  }
  AmdWorld v2 = AmdWorld::Milan();
  v2.report.version = 2;
  v2.report.cpuid_fam = 0;
  v2.report.pokes[0x188] = 0x19;  // CPUID bytes are reserved in v2
  ExpectReason(VerifyCase(v2.Build()), "SNP_REPORT_RESERVED_FIELD");
}

TEST(SnpReportVerifierTest, RejectsPolicyReservedBits) {
  AmdWorld w = AmdWorld::Milan();
  w.report.policy = 0x10000;  // bit 17 (must be one) clear
  ExpectReason(VerifyCase(w.Build()), "SNP_REPORT_RESERVED_FIELD");
  w.report.policy = 0x30000 | (1ull << 40);
  ExpectReason(VerifyCase(w.Build()), "SNP_REPORT_RESERVED_FIELD");
}

TEST(SnpReportVerifierTest, RejectsReservedSignerInfoBits) {
  AmdWorld w = AmdWorld::Milan();
  w.report.signer_info = 1u << 7;
  ExpectReason(VerifyCase(w.Build()), "SNP_REPORT_RESERVED_FIELD");
}

TEST(SnpReportVerifierTest, RejectsUnsignedOrReservedSigningKey) {
  for (uint32_t key : {2u, 6u, 7u}) {
    AmdWorld w = AmdWorld::Milan();
    w.report.signer_info = key << 2;
    ExpectReason(VerifyCase(w.Build()), "SNP_SIGNING_KEY_UNSUPPORTED");
  }
}

TEST(SnpReportVerifierTest, RejectsUnknownSignatureAlgorithm) {
  AmdWorld w = AmdWorld::Milan();
  w.report.signature_algo = 2;
  ExpectReason(VerifyCase(w.Build()), "SNP_SIGNATURE_ALGO_UNSUPPORTED");
}

TEST(SnpReportVerifierTest, RejectsUnknownCpuidProduct) {
  AmdWorld w = AmdWorld::Milan();
  w.report.cpuid_fam = 0x17;
  ExpectReason(VerifyCase(w.Build()), "SNP_PRODUCT_UNSUPPORTED");
}

TEST(SnpReportVerifierTest, RejectsOversizedSignatureComponent) {
  AmdWorld w = AmdWorld::Milan();
  AmdCase c = w.Build();
  c.report[0x2A0 + 60] = 1;        // R wider than 48 bytes
  ExpectReason(VerifyCase(c), "SNP_SIGNATURE_INVALID");
}

TEST(SnpReportVerifierTest, ChecksTheCrlWhenAvailable) {
  AmdWorld w = AmdWorld::Milan();
  AmdCase c = w.Build();
  const testing::AmdProductPki& pki = w.pki->product(Product::kMilan);
  testing::AmdCaseProvider clean(c, testing::MintAmdCrl(pki.ark, {}, c.verification_time));
  auto ok = VerifyCase(c, ChainOf(c), clean);
  ASSERT_TRUE(ok.has_value()) << ok.error().ToString();
  EXPECT_TRUE(ok->revocation_checked);
  testing::AmdCaseProvider revoked(c, testing::MintAmdCrl(pki.ark, {0x10001}, c.verification_time));
  ExpectReason(VerifyCase(c, ChainOf(c), revoked), "SNP_CERT_REVOKED");
}

TEST(SnpReportVerifierTest, RejectsCrlNotSignedByTheArk) {
  AmdWorld w = AmdWorld::Milan();
  AmdCase c = w.Build();
  testing::AmdCaseProvider bad(
      c, testing::MintAmdCrl(w.pki->product(Product::kGenoa).ark, {}, c.verification_time));
  auto r = VerifyCase(c, ChainOf(c), bad);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().reason(), "SNP_CRL_INVALID");
  EXPECT_EQ(r.error().provenance(), Provenance::kHeldByServer);
}

TEST(SnpReportVerifierTest, EmitsMaaClaimNames) {
  AmdWorld w = AmdWorld::Milan();
  w.report.policy = 0x30000 | (1u << 19);
  w.report.vmpl = 1;
  AmdCase c = w.Build();
  auto r = VerifyCase(c);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  claims::ClaimSet out;
  AddSnpClaims(*r, out);
  EXPECT_EQ(*out.FindValue("x-ms-attestation-type"), "sevsnpvm");
  EXPECT_EQ(*out.FindValue("x-ms-sevsnpvm-is-debuggable"), true);
  EXPECT_EQ(*out.FindValue("x-ms-sevsnpvm-smt-allowed"), true);
  EXPECT_EQ(*out.FindValue("x-ms-sevsnpvm-migration-allowed"), false);
  EXPECT_EQ(*out.FindValue("x-ms-sevsnpvm-vmpl"), 1);
  EXPECT_EQ(*out.FindValue("x-ms-sevsnpvm-microcode-svn"), 115);
  EXPECT_EQ(*out.FindValue("x-ms-sevsnpvm-familyId"), std::string(32, '0'));
  EXPECT_EQ(*out.FindValue("x-ms-sevsnpvm-imageId"), std::string(32, '0'));
  std::string measurement;
  for (int i = 0; i < 48; ++i) measurement += "5a";
  EXPECT_EQ(*out.FindValue("x-ms-sevsnpvm-launchmeasurement"), measurement);
  EXPECT_EQ(out.FindValue("x-attestd-sevsnp")->at("product"), "Milan");
  EXPECT_EQ(out.FindValue("x-attestd-sevsnp")->at("signing_key"), "VCEK");
}

}  // namespace
}  // namespace attest::snp
