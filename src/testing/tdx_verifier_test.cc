// TDX quotes (v4, v5 with TD report 1.0 and 1.5): format rejections, the TDX-only checks
// (TCB info kind, TDX module identity C6, TD QE identity) and the quote's own signatures,
// each from a valid DcapWorld::Tdx() with one thing changed.
#include <gtest/gtest.h>

#include "crypto/digest.h"
#include "testing/dcap_verify.h"

namespace attest::testing {
namespace {

using evidence::AttestationType;

StatusOr<claims::ClaimSet> VerifyTdx(const DcapWorld& w) {
  return VerifyDcapCase(w.Build(), AttestationType::kTdxVm);
}
std::string Verify(const DcapWorld& w) { return ReasonOf(VerifyTdx(w)); }

Bytes Svn16(std::initializer_list<uint8_t> head) {
  Bytes b(head);
  b.resize(16, 0);
  return b;
}

const std::vector<QuoteFormat> kFormats = {QuoteFormat::kTdxV4, QuoteFormat::kTdxV5Td10,
                                           QuoteFormat::kTdxV5Td15};

TEST(TdxVerifierTest, AcceptsDefaultWorldInEveryFormat) {
  for (QuoteFormat f : kFormats) {
    DcapWorld w = DcapWorld::Tdx(f);
    auto r = VerifyTdx(w);
    ASSERT_TRUE(r.has_value()) << r.error().ToString();
    EXPECT_EQ(*r->FindValue("attester_tcb_status"), "UpToDate");
    EXPECT_EQ(*r->FindValue("tdx_td_attributes_debug"), false);
    EXPECT_EQ(TcbDetail(*r, "pck_ca"), "platform");
    EXPECT_TRUE(r->Contains("tdx_mrtd"));
    EXPECT_EQ(r->Contains("tdx_tee_tcb_svn2"), f == QuoteFormat::kTdxV5Td15);
  }
}

// --- A2: format ---

TEST(TdxVerifierTest, RejectsTruncatedQuote) {
  DcapWorld w = DcapWorld::Tdx();
  w.quote.TruncateTo(700);
  EXPECT_EQ(Verify(w), "UNSUPPORTED_QUOTE_FORMAT");
}

TEST(TdxVerifierTest, RejectsV5DescriptorWithWrongSize) {
  DcapWorld w = DcapWorld::Tdx(QuoteFormat::kTdxV5Td15);
  w.quote.WithBodyDescriptor(3, 584);
  EXPECT_EQ(Verify(w), "UNSUPPORTED_QUOTE_FORMAT");
}

TEST(TdxVerifierTest, RejectsV5SgxBodyTypeWithTdxTeeType) {
  DcapWorld w = DcapWorld::Tdx(QuoteFormat::kTdxV5Td10);
  w.quote.WithBodyDescriptor(1, 384);
  EXPECT_EQ(Verify(w), "UNSUPPORTED_QUOTE_FORMAT");
}

TEST(TdxVerifierTest, RejectsV5UnknownBodyType) {
  DcapWorld w = DcapWorld::Tdx(QuoteFormat::kTdxV5Td15);
  w.quote.WithBodyDescriptor(4, 648);
  EXPECT_EQ(Verify(w), "UNSUPPORTED_QUOTE_FORMAT");
}

TEST(TdxVerifierTest, RejectsUnknownTeeType) {
  DcapWorld w = DcapWorld::Tdx();
  w.quote.WithTeeType(0x82);
  EXPECT_EQ(Verify(w), "UNSUPPORTED_QUOTE_FORMAT");
}

TEST(TdxVerifierTest, RejectsP384AttestationKeyType) {
  DcapWorld w = DcapWorld::Tdx();
  w.quote.WithAttestationKeyType(3);
  EXPECT_EQ(Verify(w), "UNSUPPORTED_ATTESTATION_KEY_TYPE");
}

TEST(TdxVerifierTest, RejectsNonIntelQeVendor) {
  DcapWorld w = DcapWorld::Tdx();
  w.quote.WithQeVendorId(Bytes(16, 0xab));
  EXPECT_EQ(Verify(w), "UNKNOWN_QE_VENDOR");
}

TEST(TdxVerifierTest, RejectsOuterCertificationDataOtherThanType6) {
  DcapWorld w = DcapWorld::Tdx();
  w.quote.WithOuterCertificationDataType(5);
  EXPECT_EQ(Verify(w), "UNSUPPORTED_CERTIFICATION_DATA_TYPE");
}

TEST(TdxVerifierTest, RejectsInnerCertificationDataOtherThanPckChain) {
  DcapWorld w = DcapWorld::Tdx();
  w.quote.WithCertificationDataType(3);
  EXPECT_EQ(Verify(w), "UNSUPPORTED_CERTIFICATION_DATA_TYPE");
}

TEST(TdxVerifierTest, RejectsSgxQuote) {
  EXPECT_EQ(ReasonOf(VerifyDcapCase(DcapWorld::Sgx().Build(), AttestationType::kTdxVm)),
            "UNSUPPORTED_QUOTE_FORMAT");
}

// --- C3, C4, C6: TCB info and module identity ---

TEST(TdxVerifierTest, RejectsSgxTcbInfoForTdxQuote) {
  DcapWorld w = DcapWorld::Tdx();
  TcbInfoBuilder sgx = TcbInfoBuilder::Sgx(3);
  sgx.WithFmspc(w.pck.fields().fmspc);
  w.tcb_info = sgx;
  EXPECT_EQ(Verify(w), "TCB_INFO_MISMATCH");
}

TEST(TdxVerifierTest, RejectsTcbInfoForOtherFmspc) {
  DcapWorld w = DcapWorld::Tdx();
  w.tcb_info.WithFmspc({0x00, 0x80, 0x6f, 0x05, 0x00, 0x01});
  EXPECT_EQ(Verify(w), "TCB_INFO_MISMATCH");
}

TEST(TdxVerifierTest, RejectsModuleMajorVersionWithoutModuleIdentities) {
  DcapWorld w = DcapWorld::Tdx();
  w.tcb_info.WithTdxModuleIdentities({});
  w.quote.WithTeeTcbSvn(Svn16({4, 1, 5}));
  EXPECT_EQ(Verify(w), "TCB_INFO_MISMATCH");
}

TEST(TdxVerifierTest, RejectsModuleMajorVersionWithoutMatchingIdentity) {
  DcapWorld w = DcapWorld::Tdx();
  w.quote.WithTeeTcbSvn(Svn16({4, 3, 5}));  // TDX_03; only TDX_01 is listed
  EXPECT_EQ(Verify(w), "TDX_MODULE_MISMATCH");
}

TEST(TdxVerifierTest, RejectsMrSignerSeamOtherThanIntel) {
  DcapWorld w = DcapWorld::Tdx();
  w.quote.WithMrSignerSeam(Bytes(48, 0x01));
  EXPECT_EQ(Verify(w), "TDX_MODULE_MISMATCH");
}

TEST(TdxVerifierTest, RejectsNonZeroSeamAttributes) {
  DcapWorld w = DcapWorld::Tdx();
  Bytes seam(8, 0x00);
  seam[7] = 0x80;
  w.quote.WithSeamAttributes(seam);
  EXPECT_EQ(Verify(w), "TDX_MODULE_MISMATCH");
}

TEST(TdxVerifierTest, RejectsNonZeroSeamAttributesEvenWhenIdentityExpectsThem) {
  // spec C6 / §8: every SEAMATTRIBUTES byte must be 0 and equal `attributes`; no mask.
  DcapWorld w = DcapWorld::Tdx();
  Bytes seam(8, 0x00);
  seam[0] = 0x01;
  w.tcb_info.WithTdxModule(TdxModuleSpec{.attributes = seam});
  w.quote.WithSeamAttributes(seam);
  EXPECT_EQ(Verify(w), "TDX_MODULE_MISMATCH");
}

TEST(TdxVerifierTest, UsesModuleIdentityNotTdxModuleWhenMajorVersionSet) {
  DcapWorld w = DcapWorld::Tdx();
  Bytes signer(48, 0x3c);
  w.tcb_info.WithTdxModule(TdxModuleSpec{.mrsigner = Bytes(48, 0x00)})
      .WithTdxModuleIdentities({TdxModuleSpec{.id = "TDX_01", .mrsigner = signer,
                                              .levels = {TdxModuleLevelSpec{.isvsvn = 4}}}});
  w.quote.WithTeeTcbSvn(Svn16({4, 1, 5})).WithMrSignerSeam(signer);
  EXPECT_EQ(Verify(w), "OK");
  w.quote.WithTeeTcbSvn(Svn16({4, 0, 5}));  // major 0: tdxModule (zero signer) applies
  EXPECT_EQ(Verify(w), "TDX_MODULE_MISMATCH");
}

TEST(TdxVerifierTest, MatchesModuleIdentityIdCaseInsensitively) {
  DcapWorld w = DcapWorld::Tdx();
  w.tcb_info.WithTdxModuleIdentities(
      {TdxModuleSpec{.id = "tdx_0a", .levels = {TdxModuleLevelSpec{.isvsvn = 1}}}});
  w.quote.WithTeeTcbSvn(Svn16({1, 0x0a, 5}));
  EXPECT_EQ(Verify(w), "OK");
}

// --- C7-C11 ---

TEST(TdxVerifierTest, RejectsQeReportWithFlippedSignatureBit) {
  for (QuoteFormat f : kFormats) {
    DcapWorld w = DcapWorld::Tdx(f);
    w.quote.CorruptQeReportSignature();
    EXPECT_EQ(Verify(w), "INVALID_QE_REPORT_SIGNATURE");
  }
}

TEST(TdxVerifierTest, RejectsQeReportDataNotBindingAttestationKey) {
  for (QuoteFormat f : kFormats) {
    DcapWorld w = DcapWorld::Tdx(f);
    w.quote.CorruptQeReportData();
    EXPECT_EQ(Verify(w), "INVALID_QE_REPORT_DATA");
  }
}

TEST(TdxVerifierTest, RejectsRtmrBitFlippedAfterSigning) {
  for (QuoteFormat f : kFormats) {
    DcapWorld w = DcapWorld::Tdx(f);
    w.quote.FlipBitAfterSigning(w.quote.body_offset() + 424 + 5);  // RTMR2
    EXPECT_EQ(Verify(w), "INVALID_QUOTE_SIGNATURE");
  }
}

TEST(TdxVerifierTest, RejectsV5DescriptorChangedAfterSigning) {
  // Body type 3 -> 2 while the size stays 648: the descriptor no longer describes the body.
  DcapWorld w = DcapWorld::Tdx(QuoteFormat::kTdxV5Td15);
  w.quote.FlipBitAfterSigning(48, 0x01);
  EXPECT_EQ(Verify(w), "UNSUPPORTED_QUOTE_FORMAT");
}

TEST(TdxVerifierTest, RejectsQuoteSignedByWrongAttestationKey) {
  DcapWorld w = DcapWorld::Tdx(QuoteFormat::kTdxV5Td15);
  w.quote.WithQuoteSigningKey(TestKey::Generate());
  EXPECT_EQ(Verify(w), "INVALID_QUOTE_SIGNATURE");
}

TEST(TdxVerifierTest, RejectsSgxQeIdentityForTdxQuote) {
  DcapWorld w = DcapWorld::Tdx();
  w.qe_identity = QeIdentityBuilder::TdQe().WithId("QE");
  EXPECT_EQ(Verify(w), "QE_IDENTITY_MISMATCH");
}

TEST(TdxVerifierTest, RejectsTdQeWithOtherMrSigner) {
  DcapWorld w = DcapWorld::Tdx();
  w.quote.WithQeMrSigner(Bytes(32, 0x07));
  EXPECT_EQ(Verify(w), "QE_IDENTITY_MISMATCH");
}

TEST(TdxVerifierTest, RejectsCollateralProblemsLikeSgx) {
  DcapWorld expired = DcapWorld::Tdx();
  expired.pck_crl.WithValidity(kTestVerificationTime - 30 * kDay, kTestVerificationTime - 1);
  EXPECT_EQ(Verify(expired), "CRL_EXPIRED");
  DcapWorld revoked = DcapWorld::Tdx();
  revoked.pck.WithSerial(777);
  revoked.pck_crl.RevokeSerial(777);
  EXPECT_EQ(Verify(revoked), "PCK_REVOKED");
  DcapWorld broken = DcapWorld::Tdx();
  broken.qe_identity.WithCorruptSignature();
  EXPECT_EQ(Verify(broken), "QE_IDENTITY_INVALID_SIGNATURE");
}

TEST(TdxVerifierTest, BindsRuntimeDataToReportData) {
  DcapWorld w = DcapWorld::Tdx();
  Bytes runtime = ToBytes(std::string_view("td runtime data"));
  crypto::Sha256Digest d = crypto::Sha256(runtime);
  Bytes report_data(d.begin(), d.end());
  report_data.resize(64, 0);
  w.quote.WithReportData(report_data);
  DcapCase c = w.Build();
  EXPECT_EQ(ReasonOf(VerifyDcapCase(c, AttestationType::kTdxVm, {}, runtime)), "OK");
  EXPECT_EQ(ReasonOf(VerifyDcapCase(c, AttestationType::kTdxVm, {}, Bytes{1, 2, 3})),
            "RUNTIME_DATA_MISMATCH");
}

// --- accepted variations ---

TEST(TdxVerifierTest, AcceptsDebugTdAndReportsIt) {
  DcapWorld w = DcapWorld::Tdx();
  w.quote.WithDebug(true);
  auto r = VerifyTdx(w);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(*r->FindValue("tdx_td_attributes_debug"), true);
  EXPECT_EQ(TcbDetail(*r, "is_debuggable"), true);
}

TEST(TdxVerifierTest, AcceptsTrailingZeroPaddingAndAnyPemOrder) {
  DcapWorld w = DcapWorld::Tdx();
  TestCert leaf = w.PckLeaf();
  w.pck_leaf = leaf;
  w.pck_chain_pem = PemChain({&w.pki->root(), &w.PckCa(), &leaf});
  w.quote.WithTrailingBytes(Bytes(70, 0x00));
  auto r = VerifyTdx(w);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(TcbDetail(*r, "trailing_bytes"), 70);
}

}  // namespace
}  // namespace attest::testing
