// Rejection reasons of spec/intel-dcap.md §6 that come from the PCK chain, the CRLs, TCB
// info and QE identity (phases A4-A6 and B), shown on SGX quotes; the same code judges TDX
// collateral (tdx_verifier_test.cc covers the TDX-only checks).
#include <gtest/gtest.h>

#include "testing/dcap_verify.h"

namespace attest::testing {
namespace {

using evidence::AttestationType;

constexpr UnixTime kT = kTestVerificationTime;

StatusOr<claims::ClaimSet> VerifySgx(const DcapWorld& w, evidence::DcapOptions options = {}) {
  return VerifyDcapCase(w.Build(), AttestationType::kSgxEnclave, options);
}
std::string Verify(const DcapWorld& w) { return ReasonOf(VerifySgx(w)); }
std::string Category(const DcapWorld& w) {
  auto r = VerifySgx(w);
  return r.has_value() ? "OK" : r.error().category();
}

// --- A4, A5, B1-B3: the PCK chain ---

TEST(DcapChainTest, RejectsPckLeafSignedByWrongKey) {
  DcapWorld w = DcapWorld::Sgx();
  w.pck_leaf = w.pck.BuildSignedBy(w.PckCa(), TestKey::Generate());
  EXPECT_EQ(Verify(w), "INVALID_CERT_CHAIN");
}

TEST(DcapChainTest, RejectsChainWithOnlyLeafAndRoot) {
  DcapWorld w = DcapWorld::Sgx();
  TestCert leaf = w.PckLeaf();
  w.pck_leaf = leaf;
  w.pck_chain_pem = PemChain({&leaf, &w.pki->root()});
  EXPECT_EQ(Verify(w), "INVALID_CERT_CHAIN");
}

TEST(DcapChainTest, RejectsChainWithFourCertificates) {
  DcapWorld w = DcapWorld::Sgx();
  TestCert leaf = w.PckLeaf();
  w.pck_leaf = leaf;
  w.pck_chain_pem = PemChain({&leaf, &w.PckCa(), &w.pki->platform_ca(), &w.pki->root()});
  EXPECT_EQ(Verify(w), "INVALID_CERT_CHAIN");
}

TEST(DcapChainTest, RejectsLeafIssuedByOtherCaThanInChain) {
  DcapWorld w = DcapWorld::Sgx();  // Processor-CA leaf, but the Platform CA in the chain
  TestCert leaf = w.PckLeaf();
  w.pck_leaf = leaf;
  w.pck_chain_pem = PemChain({&leaf, &w.pki->platform_ca(), &w.pki->root()});
  EXPECT_EQ(Verify(w), "INVALID_CERT_CHAIN");
}

TEST(DcapChainTest, RejectsPckWithoutSgxExtension) {
  DcapWorld w = DcapWorld::Sgx();
  w.pck.WithoutSgxExtension();
  EXPECT_EQ(Verify(w), "INVALID_PCK_CERT");
}

TEST(DcapChainTest, RejectsPckWithMalformedSgxExtension) {
  DcapWorld w = DcapWorld::Sgx();
  w.pck.WithRawSgxExtension(DerSequence({DerSequence({DerOid("1.2.840.113741.1.13.1.1"),
                                                      DerTlv(0x04, Bytes(16, 0x01))})}));
  EXPECT_EQ(Verify(w), "INVALID_PCK_CERT");
}

TEST(DcapChainTest, RejectsChainToRootWithSameNameButOtherKey) {
  DcapWorld w = DcapWorld::Sgx();
  w.pki = std::make_shared<TestPki>();  // anchors still pin the default test root
  EXPECT_EQ(Verify(w), "UNTRUSTED_ROOT_CA");
}

TEST(DcapChainTest, RejectsTestRootUnderProductionAnchors) {
  DcapWorld w = DcapWorld::Sgx();
  w.anchors = evidence::TrustAnchors::Production();
  EXPECT_EQ(Verify(w), "UNTRUSTED_ROOT_CA");
}

TEST(DcapChainTest, AcceptsReissuedRootWithPinnedKey) {
  // spec §3.4: the root exists in two issues with one key; pin the key.
  DcapWorld w = DcapWorld::Sgx();
  TestCert reissued = CertBuilder(std::string(kRootCaCn))
                          .WithKey(w.pki->root().key())
                          .AsCa(1)
                          .WithValidity(kT - 1000 * kDay, kT + 1000 * kDay)
                          .SelfSign();
  TestCert leaf = w.PckLeaf();
  w.pck_leaf = leaf;
  w.pck_chain_pem = PemChain({&leaf, &w.PckCa(), &reissued});
  EXPECT_EQ(Verify(w), "OK");
}

TEST(DcapChainTest, RejectsExpiredPck) {
  DcapWorld w = DcapWorld::Sgx();
  w.pck.WithValidity(kT - 400 * kDay, kT - 1);
  EXPECT_EQ(Verify(w), "CERT_EXPIRED");
}

TEST(DcapChainTest, RejectsPckNotYetValid) {
  DcapWorld w = DcapWorld::Sgx();
  w.pck.WithValidity(kT + 1, kT + 400 * kDay);
  EXPECT_EQ(Verify(w), "CERT_NOT_YET_VALID");
}

TEST(DcapChainTest, AcceptsPckAtBothEndsOfItsValidity) {
  // spec §4.6: inclusive at both ends.
  DcapWorld w = DcapWorld::Sgx();
  w.pck.WithValidity(kT, kT);
  EXPECT_EQ(Verify(w), "OK");
}

// --- B4, B5: CRLs ---

TEST(DcapCrlTest, RejectsPckCrlOfOtherCa) {
  DcapWorld w = DcapWorld::Sgx();  // Processor-CA PCK
  w.pck_crl_der = CrlBuilder().BuildDer(w.pki->platform_ca());
  EXPECT_EQ(Verify(w), "CRL_ISSUER_MISMATCH");
}

TEST(DcapCrlTest, RejectsRootCrlNotIssuedByRoot) {
  DcapWorld w = DcapWorld::Sgx();
  w.root_ca_crl_der = CrlBuilder().BuildDer(w.pki->processor_ca());
  EXPECT_EQ(Verify(w), "CRL_ISSUER_MISMATCH");
}

TEST(DcapCrlTest, RejectsPckCrlWithBadSignature) {
  DcapWorld w = DcapWorld::Sgx();
  w.pck_crl_der = CrlBuilder().BuildDer(w.PckCa(), TestKey::Generate());
  EXPECT_EQ(Verify(w), "CRL_INVALID_SIGNATURE");
}

TEST(DcapCrlTest, RejectsRootCrlWithBadSignature) {
  DcapWorld w = DcapWorld::Sgx();
  w.root_ca_crl_der = CrlBuilder().BuildDer(w.pki->root(), TestKey::Generate());
  EXPECT_EQ(Verify(w), "CRL_INVALID_SIGNATURE");
}

TEST(DcapCrlTest, RejectsExpiredPckCrl) {
  DcapWorld w = DcapWorld::Sgx();
  w.pck_crl.WithValidity(kT - 30 * kDay, kT - 1);
  EXPECT_EQ(Verify(w), "CRL_EXPIRED");
  EXPECT_EQ(Category(w), "COLLATERAL_EXPIRED");
}

TEST(DcapCrlTest, RejectsExpiredRootCrl) {
  DcapWorld w = DcapWorld::Sgx();
  w.root_ca_crl.WithValidity(kT - 300 * kDay, kT - 1);
  EXPECT_EQ(Verify(w), "CRL_EXPIRED");
  EXPECT_EQ(Category(w), "COLLATERAL_EXPIRED");
}

TEST(DcapCrlTest, RejectsPckCrlNotYetValid) {
  DcapWorld w = DcapWorld::Sgx();
  w.pck_crl.WithValidity(kT + 1, kT + 30 * kDay);
  EXPECT_EQ(Verify(w), "CRL_NOT_YET_VALID");
  EXPECT_EQ(Category(w), "COLLATERAL_NOT_YET_VALID");
}

TEST(DcapCrlTest, RejectsRootCrlNotYetValid) {
  DcapWorld w = DcapWorld::Sgx();
  w.root_ca_crl.WithValidity(kT + 1, kT + 300 * kDay);
  EXPECT_EQ(Verify(w), "CRL_NOT_YET_VALID");
}

TEST(DcapCrlTest, AcceptsCrlsAtBothEndsOfTheirValidity) {
  DcapWorld w = DcapWorld::Sgx();
  w.pck_crl.WithValidity(kT, kT + kDay);
  w.root_ca_crl.WithValidity(kT - kDay, kT);
  EXPECT_EQ(Verify(w), "OK");
}

TEST(DcapCrlTest, RejectsCrlWithoutCrlNumber) {
  DcapWorld w = DcapWorld::Sgx();
  w.pck_crl.WithoutCrlNumber();
  EXPECT_EQ(Verify(w), "CRL_UNSUPPORTED_FORMAT");
}

TEST(DcapCrlTest, RejectsRootCrlWithoutAuthorityKeyId) {
  DcapWorld w = DcapWorld::Sgx();
  w.root_ca_crl.WithoutAuthorityKeyId();
  EXPECT_EQ(Verify(w), "CRL_UNSUPPORTED_FORMAT");
}

TEST(DcapCrlTest, RejectsCrlThatIsNotACrl) {
  DcapWorld w = DcapWorld::Sgx();
  w.pck_crl_der = ToBytes(std::string_view("not a CRL"));
  EXPECT_EQ(Verify(w), "CRL_UNSUPPORTED_FORMAT");
}

TEST(DcapCrlTest, RejectsRevokedPck) {
  DcapWorld w = DcapWorld::Sgx();
  w.pck.WithSerial(0x1234567);
  w.pck_crl.RevokeSerial(99).RevokeSerial(0x1234567);
  EXPECT_EQ(Verify(w), "PCK_REVOKED");
}

TEST(DcapCrlTest, AcceptsPckWhenCrlRevokesOthers) {
  DcapWorld w = DcapWorld::Sgx();
  w.pck.WithSerial(0x1234567);
  w.pck_crl.RevokeSerial(0x1234568);
  EXPECT_EQ(Verify(w), "OK");
}

TEST(DcapCrlTest, RejectsRevokedPckCa) {
  DcapWorld w = DcapWorld::Sgx();
  w.root_ca_crl.Revoke(w.PckCa());
  EXPECT_EQ(Verify(w), "CA_REVOKED");
}

TEST(DcapCrlTest, RejectsRevokedTcbSigningCertificate) {
  DcapWorld w = DcapWorld::Sgx();
  w.root_ca_crl.Revoke(w.pki->tcb_signing());
  EXPECT_EQ(Verify(w), "CA_REVOKED");
}

TEST(DcapCrlTest, RejectsMissingPckCrlByDefault) {
  DcapWorld w = DcapWorld::Sgx();
  w.include_pck_crl = false;
  EXPECT_EQ(Verify(w), "COLLATERAL_MISSING");
}

TEST(DcapCrlTest, MissingPckCrlIsWaivedOnlyByOption) {
  DcapWorld w = DcapWorld::Sgx();
  w.include_pck_crl = false;
  auto r = VerifySgx(w, {.allow_missing_pck_crl = true});
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(TcbDetail(*r, "pck_revocation_checked"), false);
}

// --- A6, B7: TCB info ---

TEST(DcapTcbInfoTest, RejectsTcbTypeOtherThanZero) {
  DcapWorld w = DcapWorld::Sgx();
  w.tcb_info.WithTcbType(1);
  EXPECT_EQ(Verify(w), "TCB_INFO_UNSUPPORTED_FORMAT");
}

TEST(DcapTcbInfoTest, RejectsTcbInfoVersionOne) {
  DcapWorld w = DcapWorld::Sgx();
  w.tcb_info.WithVersion(1);
  EXPECT_EQ(Verify(w), "TCB_INFO_UNSUPPORTED_FORMAT");
}

TEST(DcapTcbInfoTest, RejectsTcbInfoThatIsNotJson) {
  DcapWorld w = DcapWorld::Sgx();
  w.tcb_info_json = ToBytes(std::string_view("{\"tcbInfo\":"));
  EXPECT_EQ(Verify(w), "TCB_INFO_UNSUPPORTED_FORMAT");
}

TEST(DcapTcbInfoTest, RejectsTcbInfoWithCorruptSignature) {
  DcapWorld w = DcapWorld::Sgx();
  w.tcb_info.WithCorruptSignature();
  EXPECT_EQ(Verify(w), "TCB_INFO_INVALID_SIGNATURE");
}

TEST(DcapTcbInfoTest, RejectsTcbInfoBodyChangedAfterSigning) {
  DcapWorld w = DcapWorld::Sgx();
  std::string doc(AsChars(w.tcb_info.Build(w.pki->tcb_signing().key())));
  size_t pos = doc.find("\"tcbEvaluationDataNumber\":17");
  ASSERT_NE(pos, std::string::npos);
  doc.replace(pos, 28, "\"tcbEvaluationDataNumber\":99");
  w.tcb_info_json = ToBytes(doc);
  EXPECT_EQ(Verify(w), "TCB_INFO_INVALID_SIGNATURE");
}

TEST(DcapTcbInfoTest, RejectsTcbInfoSignedUnderUntrustedRoot) {
  DcapWorld w = DcapWorld::Sgx();
  TestPki other;
  w.tcb_info_json = w.tcb_info.Build(other.tcb_signing().key());
  w.tcb_info_issuer_chain = other.TcbSigningChainPem();
  EXPECT_EQ(Verify(w), "UNTRUSTED_ROOT_CA");
}

TEST(DcapTcbInfoTest, RejectsTcbInfoChainWithExpiredSigningCertificate) {
  DcapWorld w = DcapWorld::Sgx();
  TestCert signer = CertBuilder(std::string(kTcbSigningCn))
                        .WithKey(w.pki->tcb_signing().key())
                        .WithValidity(kT - 400 * kDay, kT - 1)
                        .IssueBy(w.pki->root());
  w.tcb_info_issuer_chain = PemChain({&signer, &w.pki->root()});
  EXPECT_EQ(Verify(w), "CERT_EXPIRED");
}

TEST(DcapTcbInfoTest, AcceptsTcbInfoChainInEitherOrder) {
  DcapWorld w = DcapWorld::Sgx();
  w.tcb_info_issuer_chain = PemChain({&w.pki->root(), &w.pki->tcb_signing()});
  w.qe_identity_issuer_chain = PemChain({&w.pki->root(), &w.pki->tcb_signing()});
  EXPECT_EQ(Verify(w), "OK");
}

TEST(DcapTcbInfoTest, RejectsExpiredTcbInfo) {
  DcapWorld w = DcapWorld::Sgx();
  w.tcb_info.WithIssueDate(kT - 30 * kDay).WithNextUpdate(kT - 1);
  EXPECT_EQ(Verify(w), "TCB_INFO_EXPIRED");
  EXPECT_EQ(Category(w), "COLLATERAL_EXPIRED");
}

TEST(DcapTcbInfoTest, RejectsTcbInfoNotYetValid) {
  DcapWorld w = DcapWorld::Sgx();
  w.tcb_info.WithIssueDate(kT + 1);
  EXPECT_EQ(Verify(w), "TCB_INFO_NOT_YET_VALID");
  EXPECT_EQ(Category(w), "COLLATERAL_NOT_YET_VALID");
}

TEST(DcapTcbInfoTest, AcceptsTcbInfoAtItsNextUpdate) {
  DcapWorld w = DcapWorld::Sgx();
  w.tcb_info.WithIssueDate(kT).WithNextUpdate(kT);
  EXPECT_EQ(Verify(w), "OK");
}

TEST(DcapTcbInfoTest, RejectsTcbInfoForOtherFmspc) {
  DcapWorld w = DcapWorld::Sgx();
  w.tcb_info.WithFmspc({0x00, 0x90, 0x6e, 0xd5, 0x00, 0x01});
  EXPECT_EQ(Verify(w), "TCB_INFO_MISMATCH");
}

TEST(DcapTcbInfoTest, RejectsTcbInfoForOtherPceId) {
  DcapWorld w = DcapWorld::Sgx();
  w.tcb_info.WithPceId({0x00, 0x01});
  EXPECT_EQ(Verify(w), "TCB_INFO_MISMATCH");
}

TEST(DcapTcbInfoTest, RejectsTdxTcbInfoForSgxQuote) {
  DcapWorld w = DcapWorld::Sgx();
  TcbInfoBuilder tdx = DcapWorld::Tdx().tcb_info;
  tdx.WithFmspc(w.pck.fields().fmspc);
  w.tcb_info = tdx;
  EXPECT_EQ(Verify(w), "TCB_INFO_MISMATCH");
}

TEST(DcapTcbInfoTest, AcceptsSgxTcbInfoVersion2) {
  DcapWorld w = DcapWorld::Sgx();
  TcbInfoBuilder v2 = TcbInfoBuilder::Sgx(2);
  v2.WithFmspc(w.pck.fields().fmspc).WithLevels(w.tcb_info.levels());
  w.tcb_info = v2;
  auto r = VerifySgx(w);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(TcbDetail(*r, "tcb_info_version"), 2);
}

// --- A6, B8: QE identity ---

TEST(DcapQeIdentityTest, RejectsIdentityVersionOne) {
  DcapWorld w = DcapWorld::Sgx();
  w.qe_identity.WithVersion(1);
  EXPECT_EQ(Verify(w), "QE_IDENTITY_UNSUPPORTED_FORMAT");
}

TEST(DcapQeIdentityTest, RejectsIdentityWithCorruptSignature) {
  DcapWorld w = DcapWorld::Sgx();
  w.qe_identity.WithCorruptSignature();
  EXPECT_EQ(Verify(w), "QE_IDENTITY_INVALID_SIGNATURE");
}

TEST(DcapQeIdentityTest, RejectsExpiredIdentity) {
  DcapWorld w = DcapWorld::Sgx();
  w.qe_identity.WithIssueDate(kT - 30 * kDay).WithNextUpdate(kT - 1);
  EXPECT_EQ(Verify(w), "QE_IDENTITY_EXPIRED");
  EXPECT_EQ(Category(w), "COLLATERAL_EXPIRED");
}

TEST(DcapQeIdentityTest, RejectsIdentityNotYetValid) {
  DcapWorld w = DcapWorld::Sgx();
  w.qe_identity.WithIssueDate(kT + 1);
  EXPECT_EQ(Verify(w), "QE_IDENTITY_NOT_YET_VALID");
}

TEST(DcapQeIdentityTest, AcceptsDifferentEvaluationNumbersOfTcbInfoAndIdentity) {
  DcapWorld w = DcapWorld::Sgx();
  w.tcb_info.WithEvaluationDataNumber(19);
  w.qe_identity.WithEvaluationDataNumber(17);
  auto r = VerifySgx(w);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(TcbDetail(*r, "tcb_evaluation_data_number"), 19);
  EXPECT_EQ(TcbDetail(*r, "qe_tcb_evaluation_data_number"), 17);
}

}  // namespace
}  // namespace attest::testing
