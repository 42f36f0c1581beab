// Every rejection reason of spec/intel-dcap.md §6 that an SGX quote or its own signatures
// can produce, each from a valid DcapWorld with one thing changed. Chain, CRL and
// collateral reasons are in dcap_collateral_rejection_test.cc; TDX in tdx_verifier_test.cc.
#include <gtest/gtest.h>

#include "base/encoding.h"
#include "crypto/digest.h"
#include "testing/dcap_verify.h"

namespace attest::testing {
namespace {

using evidence::AttestationType;

std::string Verify(const DcapWorld& w) { return ReasonOf(VerifyDcapCase(w.Build(), AttestationType::kSgxEnclave)); }

TEST(SgxVerifierTest, AcceptsDefaultWorld) {
  auto r = VerifyDcapCase(DcapWorld::Sgx().Build(), AttestationType::kSgxEnclave);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(*r->FindValue("attester_tcb_status"), "UpToDate");
  Bytes mrenclave(32);
  for (size_t i = 0; i < 32; ++i) mrenclave[i] = static_cast<uint8_t>(0xa0 + i);  // builder default
  EXPECT_EQ(*r->FindValue("x-ms-sgx-mrenclave"), HexEncode(mrenclave));
  EXPECT_EQ(*r->FindValue("x-ms-sgx-is-debuggable"), false);
  EXPECT_EQ(TcbDetail(*r, "fmspc"), "00906ED50000");
  EXPECT_EQ(TcbDetail(*r, "pck_ca"), "processor");
  EXPECT_EQ(TcbDetail(*r, "pck_revocation_checked"), true);
}

// --- A2: quote format ---

TEST(SgxVerifierTest, RejectsTruncatedQuote) {
  DcapWorld w = DcapWorld::Sgx();
  w.quote.TruncateTo(1000);
  EXPECT_EQ(Verify(w), "UNSUPPORTED_QUOTE_FORMAT");
}

TEST(SgxVerifierTest, RejectsQuoteCutInsideCertificationData) {
  DcapWorld w = DcapWorld::Sgx();
  size_t full = w.Build().quote.size();
  w.quote.TruncateTo(full - 1);
  EXPECT_EQ(Verify(w), "UNSUPPORTED_QUOTE_FORMAT");
}

TEST(SgxVerifierTest, RejectsUnknownQuoteVersion) {
  for (uint16_t version : {0, 1, 2, 6}) {
    DcapWorld w = DcapWorld::Sgx();
    w.quote.WithVersion(version);
    EXPECT_EQ(Verify(w), "UNSUPPORTED_QUOTE_FORMAT") << "version " << version;
  }
}

TEST(SgxVerifierTest, RejectsV3QuoteWithTdxTeeType) {
  DcapWorld w = DcapWorld::Sgx();
  w.quote.WithTeeType(0x81);
  EXPECT_EQ(Verify(w), "UNSUPPORTED_QUOTE_FORMAT");
}

TEST(SgxVerifierTest, RejectsP384AttestationKeyType) {
  DcapWorld w = DcapWorld::Sgx();
  w.quote.WithAttestationKeyType(3);
  EXPECT_EQ(Verify(w), "UNSUPPORTED_ATTESTATION_KEY_TYPE");
}

TEST(SgxVerifierTest, RejectsNonIntelQeVendor) {
  DcapWorld w = DcapWorld::Sgx();
  w.quote.WithQeVendorId(Bytes(16, 0x00));
  EXPECT_EQ(Verify(w), "UNKNOWN_QE_VENDOR");
}

TEST(SgxVerifierTest, RejectsCertificationDataOtherThanPckChain) {
  for (uint16_t type : {1, 3, 4, 6, 7}) {
    DcapWorld w = DcapWorld::Sgx();
    w.quote.WithCertificationDataType(type);
    EXPECT_EQ(Verify(w), "UNSUPPORTED_CERTIFICATION_DATA_TYPE") << "type " << type;
  }
}

TEST(SgxVerifierTest, RejectsTdxQuote) {
  DcapWorld w = DcapWorld::Tdx();
  EXPECT_EQ(Verify(w), "UNSUPPORTED_QUOTE_FORMAT");
}

// --- C7, C8, C11: the quote's own signatures ---

TEST(SgxVerifierTest, RejectsQeReportWithFlippedSignatureBit) {
  DcapWorld w = DcapWorld::Sgx();
  w.quote.CorruptQeReportSignature();
  EXPECT_EQ(Verify(w), "INVALID_QE_REPORT_SIGNATURE");
}

TEST(SgxVerifierTest, RejectsQeReportSignedByKeyOtherThanPck) {
  DcapWorld w = DcapWorld::Sgx();
  w.quote.WithQeReportSigningKey(TestKey::Generate());
  EXPECT_EQ(Verify(w), "INVALID_QE_REPORT_SIGNATURE");
}

TEST(SgxVerifierTest, RejectsQeReportDataNotBindingAttestationKey) {
  DcapWorld w = DcapWorld::Sgx();
  w.quote.CorruptQeReportData();
  EXPECT_EQ(Verify(w), "INVALID_QE_REPORT_DATA");
}

TEST(SgxVerifierTest, RejectsAttestationKeyChangedAfterQeSigned) {
  // neg-sgx-attestation-key-bitflip: v3 attestation key at 500..563 (spec §1.8).
  DcapWorld w = DcapWorld::Sgx();
  w.quote.FlipBitAfterSigning(500 + 10);
  EXPECT_EQ(Verify(w), "INVALID_QE_REPORT_DATA");
}

TEST(SgxVerifierTest, RejectsQeAuthDataChangedAfterQeSigned) {
  // QE auth data starts at 1014 when N = 32 (spec §1.8).
  DcapWorld w = DcapWorld::Sgx();
  w.quote.FlipBitAfterSigning(1014 + 3);
  EXPECT_EQ(Verify(w), "INVALID_QE_REPORT_DATA");
}

TEST(SgxVerifierTest, RejectsReportBodyBitFlippedAfterSigning) {
  DcapWorld w = DcapWorld::Sgx();
  w.quote.FlipBitAfterSigning(w.quote.report_data_offset() + 63, 0x80);
  EXPECT_EQ(Verify(w), "INVALID_QUOTE_SIGNATURE");
}

TEST(SgxVerifierTest, RejectsHeaderUserDataChangedAfterSigning) {
  DcapWorld w = DcapWorld::Sgx();
  w.quote.FlipBitAfterSigning(28);
  EXPECT_EQ(Verify(w), "INVALID_QUOTE_SIGNATURE");
}

TEST(SgxVerifierTest, RejectsQuoteSignedByWrongAttestationKey) {
  DcapWorld w = DcapWorld::Sgx();
  w.quote.WithQuoteSigningKey(TestKey::Generate());
  EXPECT_EQ(Verify(w), "INVALID_QUOTE_SIGNATURE");
}

TEST(SgxVerifierTest, RejectsQuoteSignatureBitFlip) {
  DcapWorld w = DcapWorld::Sgx();
  w.quote.FlipBitAfterSigning(436 + 33);  // inside s of the quote signature
  EXPECT_EQ(Verify(w), "INVALID_QUOTE_SIGNATURE");
}

// --- C9, C10: QE identity ---

TEST(SgxVerifierTest, RejectsQeWithMrSignerOtherThanIdentity) {
  DcapWorld w = DcapWorld::Sgx();
  w.quote.WithQeMrSigner(Bytes(32, 0x01));
  EXPECT_EQ(Verify(w), "QE_IDENTITY_MISMATCH");
}

TEST(SgxVerifierTest, RejectsIdentityWithOtherMrSigner) {
  DcapWorld w = DcapWorld::Sgx();
  w.qe_identity.WithMrSigner(Bytes(32, 0x02));
  EXPECT_EQ(Verify(w), "QE_IDENTITY_MISMATCH");
}

TEST(SgxVerifierTest, RejectsTdQeIdentityForSgxQuote) {
  DcapWorld w = DcapWorld::Sgx();
  // Same signer and product as the SGX QE so that only the id differs.
  w.qe_identity = QeIdentityBuilder::Qe().WithId("TD_QE");
  EXPECT_EQ(Verify(w), "QE_IDENTITY_MISMATCH");
}

TEST(SgxVerifierTest, RejectsQeWithOtherIsvProdId) {
  DcapWorld w = DcapWorld::Sgx();
  w.quote.WithQeIsvProdId(2);
  EXPECT_EQ(Verify(w), "QE_IDENTITY_MISMATCH");
}

TEST(SgxVerifierTest, RejectsDebugQe) {
  // The identity's attributesMask covers DEBUG with expected value 0 (spec §7.5).
  DcapWorld w = DcapWorld::Sgx();
  Bytes attributes(16, 0x00);
  attributes[0] = 0x17;
  w.quote.WithQeAttributes(attributes);
  EXPECT_EQ(Verify(w), "QE_IDENTITY_MISMATCH");
}

TEST(SgxVerifierTest, IgnoresQeAttributeBitsOutsideMask) {
  DcapWorld w = DcapWorld::Sgx();
  Bytes attributes(16, 0x00);
  attributes[0] = 0x15;
  attributes[8] = 0x1f;  // XFRM: mask is zero there
  w.quote.WithQeAttributes(attributes);
  EXPECT_EQ(Verify(w), "OK");
}

TEST(SgxVerifierTest, RejectsQeMiscselectOutsideIdentity) {
  DcapWorld w = DcapWorld::Sgx();
  w.quote.WithQeMiscselect(1);
  EXPECT_EQ(Verify(w), "QE_IDENTITY_MISMATCH");
}

TEST(SgxVerifierTest, ComparesMiscselectInReportByteOrder) {
  // Identity "01000000" = report bytes 01 00 00 00 = little-endian u32 1 (spec §4.4, §8).
  DcapWorld w = DcapWorld::Sgx();
  w.quote.WithQeMiscselect(1);
  w.qe_identity.WithMiscselect({0x01, 0x00, 0x00, 0x00}, {0xff, 0xff, 0xff, 0xff});
  EXPECT_EQ(Verify(w), "OK");
}

// --- runtime data binding ---

TEST(SgxVerifierTest, BindsRuntimeDataToReportData) {
  DcapWorld w = DcapWorld::Sgx();
  Bytes runtime = ToBytes(std::string_view("{\"nonce\":\"abc\"}"));
  crypto::Sha256Digest d = crypto::Sha256(runtime);
  Bytes report_data(d.begin(), d.end());
  report_data.resize(64, 0xcc);  // bytes 32..63 are not part of the binding
  w.quote.WithReportData(report_data);
  DcapCase c = w.Build();
  EXPECT_EQ(ReasonOf(VerifyDcapCase(c, AttestationType::kSgxEnclave, {}, runtime)), "OK");
  Bytes other = runtime;
  other.push_back(' ');  // (other.back() ^= 1 trips a GCC 12 -O2 -Warray-bounds false positive)
  EXPECT_EQ(ReasonOf(VerifyDcapCase(c, AttestationType::kSgxEnclave, {}, other)),
            "RUNTIME_DATA_MISMATCH");
}

// --- accepted variations ---

TEST(SgxVerifierTest, AcceptsDebugEnclaveAndReportsIt) {
  DcapWorld w = DcapWorld::Sgx();
  w.quote.WithDebug(true);
  auto r = VerifyDcapCase(w.Build(), AttestationType::kSgxEnclave);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(*r->FindValue("x-ms-sgx-is-debuggable"), true);
  EXPECT_EQ(TcbDetail(*r, "is_debuggable"), true);
}

TEST(SgxVerifierTest, AcceptsTrailingZeroPadding) {
  DcapWorld w = DcapWorld::Sgx();
  w.quote.WithTrailingBytes(Bytes(3065, 0x00));
  auto r = VerifyDcapCase(w.Build(), AttestationType::kSgxEnclave);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(TcbDetail(*r, "trailing_bytes"), 3065);
}

TEST(SgxVerifierTest, AcceptsUnsignedNonZeroTrailingBytes) {
  DcapWorld w = DcapWorld::Sgx();
  w.quote.WithTrailingBytes(ToBytes(std::string_view("published by someone\n")));
  EXPECT_EQ(Verify(w), "OK");
}

TEST(SgxVerifierTest, AcceptsPckChainInAnyPemOrder) {
  DcapWorld w = DcapWorld::Sgx();
  TestCert leaf = w.PckLeaf();
  const TestCert& ca = w.PckCa();
  const TestCert& root = w.pki->root();
  w.pck_leaf = leaf;
  for (auto order : std::vector<std::vector<const TestCert*>>{
           {&root, &leaf, &ca}, {&ca, &root, &leaf}, {&root, &ca, &leaf}, {&leaf, &root, &ca}}) {
    w.pck_chain_pem = PemChain(order);
    EXPECT_EQ(Verify(w), "OK");
  }
}

TEST(SgxVerifierTest, AcceptsChainWithoutNulTerminator) {
  DcapWorld w = DcapWorld::Sgx();
  TestCert leaf = w.PckLeaf();
  w.pck_leaf = leaf;
  w.quote.WithCertificationData(ToBytes(PemChain({&leaf, &w.PckCa(), &w.pki->root()})));
  EXPECT_EQ(Verify(w), "OK");
}

TEST(SgxVerifierTest, AcceptsNonDefaultQeAuthDataSize) {
  DcapWorld w = DcapWorld::Sgx();
  w.quote.WithQeAuthData(Bytes(7, 0x5a));
  EXPECT_EQ(Verify(w), "OK");
}

}  // namespace
}  // namespace attest::testing
