// Self-tests of the DCAP builders: what they mint parses with attestd's own parsers and
// carries the values that were set.
#include <gtest/gtest.h>

#include <algorithm>

#include "base/encoding.h"
#include "crypto/digest.h"
#include "crypto/ecdsa.h"
#include "crypto/x509.h"
#include "evidence/dcap/pck_certificate.h"
#include "evidence/dcap/quote.h"
#include "evidence/dcap/signed_json.h"
#include "evidence/dcap/tcb_info.h"
#include "testing/dcap_world.h"

namespace attest::testing {
namespace {

using crypto::Certificate;
using crypto::Crl;

Bytes B(std::initializer_list<uint8_t> b) { return Bytes(b); }
Bytes ToVec(ByteSpan s) { return Bytes(s.begin(), s.end()); }

Certificate ParseDer(const TestCert& c) {
  auto cert = Certificate::FromDer(c.Der());
  EXPECT_TRUE(cert.has_value()) << cert.error().ToString();
  return *cert;
}

TEST(TestPkiTest, RootIsSelfSignedIntelNamedCaWithPinnedKey) {
  const TestPki& pki = TestPki::Default();
  Certificate root = ParseDer(pki.root());
  EXPECT_EQ(root.SubjectCommonName(), "Intel SGX Root CA");
  EXPECT_TRUE(root.IsSelfIssued());
  EXPECT_TRUE(root.IsCa());
  EXPECT_TRUE(root.VerifySignedBy(root.public_key()));
  EXPECT_EQ(root.SpkiDer(), TestAnchors().intel_sgx_root_spki);
  EXPECT_NE(TestAnchors().intel_sgx_root_spki, evidence::TrustAnchors::Production().intel_sgx_root_spki);
  char buf[256];
  X509_NAME_oneline(root.subject(), buf, sizeof buf);
  EXPECT_STREQ(buf, "/CN=Intel SGX Root CA/O=Intel Corporation/L=Santa Clara/ST=CA/C=US");
}

TEST(TestPkiTest, IntermediatesAndTcbSignerChainToRoot) {
  const TestPki& pki = TestPki::Default();
  Certificate root = ParseDer(pki.root());
  for (const TestCert* c : {&pki.platform_ca(), &pki.processor_ca(), &pki.tcb_signing()}) {
    Certificate cert = ParseDer(*c);
    EXPECT_TRUE(cert.IssuedBy(root));
    EXPECT_TRUE(cert.VerifySignedBy(root.public_key()));
  }
  EXPECT_EQ(ParseDer(pki.platform_ca()).SubjectCommonName(), "Intel SGX PCK Platform CA");
  EXPECT_EQ(ParseDer(pki.processor_ca()).SubjectCommonName(), "Intel SGX PCK Processor CA");
  EXPECT_TRUE(ParseDer(pki.platform_ca()).IsCa());
  Certificate signer = ParseDer(pki.tcb_signing());
  EXPECT_EQ(signer.SubjectCommonName(), "Intel SGX TCB Signing");
  EXPECT_FALSE(signer.IsCa());
}

TEST(TestPkiTest, ChainPemParsesInOrder) {
  const TestPki& pki = TestPki::Default();
  auto chain = Certificate::ParsePemChain(pki.TcbSigningChainPem());
  ASSERT_TRUE(chain.has_value());
  ASSERT_EQ(chain->size(), 2u);
  EXPECT_EQ((*chain)[0].SubjectCommonName(), "Intel SGX TCB Signing");
  EXPECT_EQ((*chain)[1].SubjectCommonName(), "Intel SGX Root CA");
}

TEST(PckCertBuilderTest, ProcessorPckCarriesFiveEntryExtensionWithValuesSet) {
  std::array<uint8_t, 16> svn = {1, 2, 3, 4, 255, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  TestCert leaf = PckCertBuilder()
                      .WithCa(collateral::PckCa::kProcessor)
                      .WithFmspc(B({0x00, 0xa0, 0x67, 0x11, 0x00, 0x00}))
                      .WithPceId(B({0x00, 0x01}))
                      .WithTcb(svn, 65535)
                      .WithSgxType(1)
                      .WithValidity(1700000000, 1800000000)
                      .WithSerial(4242)
                      .Build(TestPki::Default());
  Certificate cert = ParseDer(leaf);
  EXPECT_EQ(cert.SubjectCommonName(), "Intel SGX PCK Certificate");
  EXPECT_EQ(cert.IssuerCommonName(), "Intel SGX PCK Processor CA");
  EXPECT_TRUE(cert.VerifySignedBy(TestPki::Default().processor_ca().key().get()));
  EXPECT_FALSE(cert.IsCa());
  EXPECT_EQ(cert.not_before(), 1700000000);
  EXPECT_EQ(cert.not_after(), 1800000000);
  EXPECT_EQ(cert.SerialHex(), "1092");
  auto info = dcap::ParsePckExtension(cert);
  ASSERT_TRUE(info.has_value()) << info.error().ToString();
  EXPECT_EQ(info->fmspc, B({0x00, 0xa0, 0x67, 0x11, 0x00, 0x00}));
  EXPECT_EQ(info->pceid, B({0x00, 0x01}));
  EXPECT_EQ(info->tcb_comp_svn, svn);
  EXPECT_EQ(info->pcesvn, 65535);
  EXPECT_EQ(info->cpusvn, Bytes(svn.begin(), svn.end()));
  EXPECT_EQ(info->sgx_type, 1);
  EXPECT_FALSE(info->platform_instance_id.has_value());
  EXPECT_FALSE(info->configuration.has_value());
}

TEST(PckCertBuilderTest, PlatformPckCarriesInstanceIdAndConfiguration) {
  TestCert leaf = PckCertBuilder()
                      .WithCa(collateral::PckCa::kPlatform)
                      .WithConfiguration({true, false, true})
                      .Build(TestPki::Default());
  Certificate cert = ParseDer(leaf);
  EXPECT_EQ(cert.IssuerCommonName(), "Intel SGX PCK Platform CA");
  auto info = dcap::ParsePckExtension(cert);
  ASSERT_TRUE(info.has_value()) << info.error().ToString();
  ASSERT_TRUE(info->platform_instance_id.has_value());
  EXPECT_EQ(info->platform_instance_id->size(), 16u);
  ASSERT_TRUE(info->configuration.has_value());
  EXPECT_TRUE(info->configuration->dynamic_platform);
  EXPECT_FALSE(info->configuration->cached_keys);
  EXPECT_TRUE(info->configuration->smt_enabled);
}

TEST(PckCertBuilderTest, WithoutSgxExtensionFailsToParse) {
  Certificate cert = ParseDer(PckCertBuilder().WithoutSgxExtension().Build(TestPki::Default()));
  auto info = dcap::ParsePckExtension(cert);
  ASSERT_FALSE(info.has_value());
  EXPECT_EQ(info.error().reason(), "INVALID_PCK_CERT");
}

TEST(SgxExtensionTest, EncodesIntegersLikeIntel) {
  EXPECT_EQ(DerInteger(0), B({0x02, 0x01, 0x00}));
  EXPECT_EQ(DerInteger(127), B({0x02, 0x01, 0x7f}));
  EXPECT_EQ(DerInteger(255), B({0x02, 0x02, 0x00, 0xff}));
  EXPECT_EQ(DerInteger(2, 0x0a), B({0x0a, 0x01, 0x02}));
  EXPECT_EQ(DerOid("1.2.840.113741.1.13.1"),
            B({0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x01}));
}

TEST(CrlBuilderTest, CrlParsesWithExtensionsRevocationsAndValidity) {
  const TestPki& pki = TestPki::Default();
  TestCert revoked = PckCertBuilder().WithSerial(77).Build(pki);
  TestCert kept = PckCertBuilder().WithSerial(78).Build(pki);
  Bytes der = CrlBuilder().WithValidity(1000000, 2000000).Revoke(revoked).BuildDer(pki.processor_ca());
  auto crl = Crl::Parse(der);
  ASSERT_TRUE(crl.has_value()) << crl.error().ToString();
  EXPECT_EQ(crl->IssuerCommonName(), "Intel SGX PCK Processor CA");
  EXPECT_EQ(crl->this_update(), 1000000);
  EXPECT_EQ(crl->next_update(), 2000000);
  EXPECT_TRUE(crl->HasCrlNumber());
  EXPECT_TRUE(crl->HasAuthorityKeyId());
  EXPECT_TRUE(crl->VerifySignedBy(pki.processor_ca().key().get()));
  EXPECT_FALSE(crl->VerifySignedBy(pki.root().key().get()));
  EXPECT_TRUE(crl->IsRevoked(ParseDer(revoked)));
  EXPECT_FALSE(crl->IsRevoked(ParseDer(kept)));
}

TEST(CrlBuilderTest, ExtensionsCanBeLeftOutAndKeySwapped) {
  const TestPki& pki = TestPki::Default();
  Bytes der = CrlBuilder().WithoutCrlNumber().WithoutAuthorityKeyId().BuildDer(
      pki.root(), TestKey::Generate());
  auto crl = Crl::Parse(der);
  ASSERT_TRUE(crl.has_value());
  EXPECT_FALSE(crl->HasCrlNumber());
  EXPECT_FALSE(crl->HasAuthorityKeyId());
  EXPECT_FALSE(crl->VerifySignedBy(pki.root().key().get()));
}

TEST(TcbInfoBuilderTest, SgxV3SignedBodyVerifiesAndParses) {
  const TestPki& pki = TestPki::Default();
  TcbInfoBuilder b = TcbInfoBuilder::Sgx(3);
  b.WithFmspc(B({0x00, 0x90, 0x6e, 0xd5, 0x00, 0x00}))
      .WithEvaluationDataNumber(19)
      .WithLevels({TcbLevelSpec{.sgx_svn = {5, 5}, .pcesvn = 13, .status = "SWHardeningNeeded",
                                .advisory_ids = {"INTEL-SA-00615"}},
                   TcbLevelSpec{.sgx_svn = {4, 4}, .pcesvn = 11, .status = "OutOfDate"}});
  Bytes doc = b.Build(pki.tcb_signing().key());
  auto signed_json = dcap::ExtractSignedJson(AsChars(doc), "tcbInfo", "TCB_INFO_UNSUPPORTED_FORMAT");
  ASSERT_TRUE(signed_json.has_value()) << signed_json.error().ToString();
  EXPECT_EQ(signed_json->body, b.SignedBody());
  EXPECT_TRUE(crypto::VerifyEcdsaP256Sha256Raw(pki.tcb_signing().key().get(),
                                               AsBytes(signed_json->body), signed_json->signature));
  auto info = dcap::ParseTcbInfo(signed_json->body);
  ASSERT_TRUE(info.has_value()) << info.error().ToString();
  EXPECT_EQ(info->id, "SGX");
  EXPECT_EQ(info->version, 3);
  EXPECT_EQ(info->fmspc, B({0x00, 0x90, 0x6e, 0xd5, 0x00, 0x00}));
  EXPECT_EQ(info->issue_date, kTestIssueDate);
  EXPECT_EQ(info->next_update, kTestNextUpdate);
  EXPECT_EQ(info->tcb_evaluation_data_number, 19u);
  ASSERT_EQ(info->levels.size(), 2u);
  EXPECT_EQ(info->levels[0].sgx_svn[0], 5);
  EXPECT_EQ(info->levels[0].pcesvn, 13);
  EXPECT_EQ(info->levels[0].status, dcap::TcbStatus::kSWHardeningNeeded);
  EXPECT_EQ(info->levels[0].advisory_ids, std::vector<std::string>{"INTEL-SA-00615"});
  EXPECT_FALSE(info->levels[0].tdx_svn.has_value());
}

TEST(TcbInfoBuilderTest, SgxV2HasNoIdAndNumberedComponents) {
  TcbInfoBuilder b = TcbInfoBuilder::Sgx(2);
  b.WithLevels({TcbLevelSpec{.sgx_svn = {9, 8, 7}, .pcesvn = 10}});
  std::string body = b.SignedBody();
  EXPECT_EQ(body.find("\"id\""), std::string::npos);
  EXPECT_NE(body.find("\"sgxtcbcomp01svn\":9"), std::string::npos);
  auto info = dcap::ParseTcbInfo(body);
  ASSERT_TRUE(info.has_value()) << info.error().ToString();
  EXPECT_EQ(info->version, 2);
  EXPECT_EQ(info->id, "SGX");
  EXPECT_EQ(info->levels[0].sgx_svn[2], 7);
}

TEST(TcbInfoBuilderTest, TdxHasModuleAndModuleIdentities) {
  DcapWorld w = DcapWorld::Tdx();
  auto signed_json = dcap::ExtractSignedJson(AsChars(w.tcb_info.Build(TestPki::Default().tcb_signing().key())),
                                             "tcbInfo", "TCB_INFO_UNSUPPORTED_FORMAT");
  ASSERT_TRUE(signed_json.has_value());
  auto info = dcap::ParseTcbInfo(signed_json->body);
  ASSERT_TRUE(info.has_value()) << info.error().ToString();
  EXPECT_TRUE(info->is_tdx());
  ASSERT_TRUE(info->tdx_module.has_value());
  EXPECT_EQ(info->tdx_module->mrsigner, Bytes(48, 0));
  EXPECT_EQ(info->tdx_module->attributes_mask, Bytes(8, 0xff));
  ASSERT_EQ(info->tdx_module_identities.size(), 1u);
  EXPECT_EQ(info->tdx_module_identities[0].id, "TDX_01");
  ASSERT_EQ(info->tdx_module_identities[0].levels.size(), 2u);
  EXPECT_EQ(info->tdx_module_identities[0].levels[1].status, dcap::TcbStatus::kOutOfDate);
  ASSERT_TRUE(info->levels[0].tdx_svn.has_value());
  EXPECT_EQ((*info->levels[0].tdx_svn)[2], 5);
}

TEST(TcbInfoBuilderTest, CorruptSignatureDoesNotVerify) {
  const TestPki& pki = TestPki::Default();
  Bytes doc = TcbInfoBuilder::Sgx().WithCorruptSignature().Build(pki.tcb_signing().key());
  auto signed_json = dcap::ExtractSignedJson(AsChars(doc), "tcbInfo", "X");
  ASSERT_TRUE(signed_json.has_value());
  EXPECT_FALSE(crypto::VerifyEcdsaP256Sha256Raw(pki.tcb_signing().key().get(),
                                                AsBytes(signed_json->body), signed_json->signature));
}

TEST(QeIdentityBuilderTest, QeAndTdQeParseWithIntelValues) {
  const TestPki& pki = TestPki::Default();
  for (bool tdx : {false, true}) {
    QeIdentityBuilder b = tdx ? QeIdentityBuilder::TdQe() : QeIdentityBuilder::Qe();
    Bytes doc = b.WithNextUpdate(kTestVerificationTime + 5).Build(pki.tcb_signing().key());
    auto signed_json = dcap::ExtractSignedJson(AsChars(doc), "enclaveIdentity", "X");
    ASSERT_TRUE(signed_json.has_value());
    EXPECT_TRUE(crypto::VerifyEcdsaP256Sha256Raw(pki.tcb_signing().key().get(),
                                                 AsBytes(signed_json->body), signed_json->signature));
    auto id = dcap::ParseEnclaveIdentity(signed_json->body);
    ASSERT_TRUE(id.has_value()) << id.error().ToString();
    EXPECT_EQ(id->id, tdx ? "TD_QE" : "QE");
    EXPECT_EQ(id->version, 2);
    EXPECT_EQ(id->isvprodid, tdx ? 2 : 1);
    EXPECT_EQ(HexEncodeUpper(id->mrsigner), tdx ? kTdQeMrSignerHex : kSgxQeMrSignerHex);
    EXPECT_EQ(HexEncodeUpper(id->attributes), "11000000000000000000000000000000");
    EXPECT_EQ(HexEncodeUpper(id->attributes_mask), "FBFFFFFFFFFFFFFF0000000000000000");
    EXPECT_EQ(id->next_update, kTestVerificationTime + 5);
    EXPECT_FALSE(id->levels.empty());
  }
}

// The quote's QE report, signatures and binding, checked with attestd's primitives.
void ExpectConsistentQuote(const dcap::Quote& q, const DcapCase& c) {
  auto leaf = Certificate::FromDer(c.pck_leaf_der);
  ASSERT_TRUE(leaf.has_value());
  EXPECT_TRUE(crypto::VerifyEcdsaP256Sha256Raw(leaf->public_key(), q.qe.qe_report.raw,
                                               q.qe.qe_report_signature));
  crypto::Sha256Digest binding = crypto::Sha256(q.attestation_key, q.qe.qe_auth_data);
  EXPECT_TRUE(std::equal(binding.begin(), binding.end(), q.qe.qe_report.report_data.begin()));
  auto key = crypto::EcP256KeyFromRaw(q.attestation_key, "X");
  ASSERT_TRUE(key.has_value());
  EXPECT_TRUE(crypto::VerifyEcdsaP256Sha256Raw(key->get(), q.signed_bytes, q.quote_signature));
  EXPECT_EQ(q.qe.cert_data_type, 5);
  auto chain = Certificate::ParsePemChain(AsChars(q.qe.cert_data));
  ASSERT_TRUE(chain.has_value());
  ASSERT_EQ(chain->size(), 3u);
  EXPECT_EQ((*chain)[0].der(), c.pck_leaf_der);
  EXPECT_EQ(q.qe.cert_data.back(), 0x00);  // NUL terminator
  EXPECT_EQ(q.qe.qe_auth_data.size(), 32u);
}

TEST(QuoteBuilderTest, SgxV3ParsesWithValuesSet) {
  DcapWorld w = DcapWorld::Sgx();
  Bytes report_data(64, 0x42);
  w.quote.WithMrEnclave(Bytes(32, 0xee)).WithMrSigner(Bytes(32, 0x55)).WithReportData(report_data)
      .WithIsvProdId(7).WithIsvSvn(9).WithDebug(true).WithQeIsvSvn(6);
  DcapCase c = w.Build();
  auto q = dcap::ParseQuote(c.quote);
  ASSERT_TRUE(q.has_value()) << q.error().ToString();
  EXPECT_EQ(q->version, 3);
  EXPECT_EQ(q->tee_type, dcap::kTeeTypeSgx);
  EXPECT_EQ(q->raw.size(), c.quote.size());
  EXPECT_EQ(q->signed_bytes.size(), 432u);
  EXPECT_EQ(q->trailing_bytes, 0u);
  ASSERT_TRUE(q->sgx_body.has_value());
  EXPECT_EQ(ToVec(q->sgx_body->mrenclave), Bytes(32, 0xee));
  EXPECT_EQ(ToVec(q->sgx_body->mrsigner), Bytes(32, 0x55));
  EXPECT_EQ(ToVec(q->sgx_body->report_data), report_data);
  EXPECT_EQ(q->sgx_body->isv_prod_id, 7);
  EXPECT_EQ(q->sgx_body->isv_svn, 9);
  EXPECT_TRUE(q->sgx_body->debug());
  EXPECT_EQ(q->qe.qe_report.isv_svn, 6);
  EXPECT_EQ(HexEncodeUpper(q->qe.qe_report.mrsigner), kSgxQeMrSignerHex);
  ExpectConsistentQuote(*q, c);
}

TEST(QuoteBuilderTest, TdxV4AndV5ParseWithValuesSet) {
  for (QuoteFormat f : {QuoteFormat::kTdxV4, QuoteFormat::kTdxV5Td10, QuoteFormat::kTdxV5Td15}) {
    DcapWorld w = DcapWorld::Tdx(f);
    Bytes tee_tcb_svn = {4, 1, 7};
    tee_tcb_svn.resize(16);
    w.quote.WithTeeTcbSvn(tee_tcb_svn).WithMrTd(Bytes(48, 0x77)).WithDebug(true)
        .WithSeamAttributes(Bytes(8, 0x00)).WithTrailingBytes(Bytes(70, 0x00));
    DcapCase c = w.Build();
    auto q = dcap::ParseQuote(c.quote);
    ASSERT_TRUE(q.has_value()) << q.error().ToString();
    EXPECT_EQ(q->version, f == QuoteFormat::kTdxV4 ? 4 : 5);
    EXPECT_TRUE(q->is_tdx());
    EXPECT_EQ(q->body_type, f == QuoteFormat::kTdxV5Td15 ? dcap::BodyType::kTd15 : dcap::BodyType::kTd10);
    EXPECT_EQ(q->signed_bytes.size(), w.quote.body_offset() + w.quote.body_size());
    EXPECT_EQ(q->trailing_bytes, 70u);
    ASSERT_TRUE(q->td_body.has_value());
    EXPECT_EQ(ToVec(q->td_body->tee_tcb_svn), tee_tcb_svn);
    EXPECT_EQ(ToVec(q->td_body->mrtd), Bytes(48, 0x77));
    EXPECT_TRUE(q->td_body->debug());
    EXPECT_EQ(q->qe.qe_report.isv_prod_id, 2);
    EXPECT_EQ(q->td_body->tee_tcb_svn2.size(), f == QuoteFormat::kTdxV5Td15 ? 16u : 0u);
    ExpectConsistentQuote(*q, c);
  }
}

TEST(QuoteBuilderTest, CorruptionsBreakExactlyTheirProperty) {
  DcapWorld w = DcapWorld::Sgx();
  w.quote.CorruptQeReportData();
  DcapCase c = w.Build();
  auto q = dcap::ParseQuote(c.quote);
  ASSERT_TRUE(q.has_value());
  crypto::Sha256Digest binding = crypto::Sha256(q->attestation_key, q->qe.qe_auth_data);
  EXPECT_FALSE(std::equal(binding.begin(), binding.end(), q->qe.qe_report.report_data.begin()));
  auto leaf = Certificate::FromDer(c.pck_leaf_der);
  EXPECT_TRUE(crypto::VerifyEcdsaP256Sha256Raw(leaf->public_key(), q->qe.qe_report.raw,
                                               q->qe.qe_report_signature));

  DcapWorld w2 = DcapWorld::Sgx();
  w2.quote.FlipBitAfterSigning(w2.quote.report_data_offset());
  DcapCase c2 = w2.Build();
  auto q2 = dcap::ParseQuote(c2.quote);
  ASSERT_TRUE(q2.has_value());
  auto key = crypto::EcP256KeyFromRaw(q2->attestation_key, "X");
  EXPECT_FALSE(crypto::VerifyEcdsaP256Sha256Raw(key->get(), q2->signed_bytes, q2->quote_signature));
}

TEST(QuoteBuilderTest, StructuralCorruptionsAreRejectedByTheParser) {
  auto reason = [](QuoteBuilder qb) {
    DcapWorld w = DcapWorld::Sgx();
    w.quote = std::move(qb);
    auto q = dcap::ParseQuote(w.Build().quote);
    return q.has_value() ? std::string("OK") : q.error().reason();
  };
  EXPECT_EQ(reason(QuoteBuilder::SgxV3().TruncateTo(1000)), "UNSUPPORTED_QUOTE_FORMAT");
  EXPECT_EQ(reason(QuoteBuilder::SgxV3().WithVersion(2)), "UNSUPPORTED_QUOTE_FORMAT");
  EXPECT_EQ(reason(QuoteBuilder::SgxV3().WithAttestationKeyType(3)), "UNSUPPORTED_ATTESTATION_KEY_TYPE");
  EXPECT_EQ(reason(QuoteBuilder::SgxV3().WithQeVendorId(Bytes(16, 0))), "UNKNOWN_QE_VENDOR");
  EXPECT_EQ(reason(QuoteBuilder::SgxV3().WithCertificationDataType(3)),
            "UNSUPPORTED_CERTIFICATION_DATA_TYPE");
  EXPECT_EQ(reason(QuoteBuilder::TdxV5().WithBodyDescriptor(3, 584)), "UNSUPPORTED_QUOTE_FORMAT");
  EXPECT_EQ(reason(QuoteBuilder::TdxV4().WithOuterCertificationDataType(5)),
            "UNSUPPORTED_CERTIFICATION_DATA_TYPE");
}

TEST(DcapWorldTest, CollateralParsesAndMatchesThePck) {
  for (bool tdx : {false, true}) {
    DcapCase c = (tdx ? DcapWorld::Tdx() : DcapWorld::Sgx()).Build();
    auto leaf = Certificate::FromDer(c.pck_leaf_der);
    ASSERT_TRUE(leaf.has_value());
    auto pck = dcap::ParsePckExtension(*leaf);
    ASSERT_TRUE(pck.has_value());
    auto tcb = dcap::ExtractSignedJson(AsChars(c.collateral.tcb_info), "tcbInfo", "X");
    ASSERT_TRUE(tcb.has_value());
    auto info = dcap::ParseTcbInfo(tcb->body);
    ASSERT_TRUE(info.has_value()) << info.error().ToString();
    EXPECT_EQ(info->fmspc, pck->fmspc);
    EXPECT_EQ(info->levels[0].sgx_svn, pck->tcb_comp_svn);
    EXPECT_EQ(info->is_tdx(), tdx);
    ASSERT_TRUE(c.collateral.pck_crl.has_value());
    auto crl = Crl::Parse(*c.collateral.pck_crl);
    ASSERT_TRUE(crl.has_value());
    EXPECT_EQ(crl->IssuerCommonName(), leaf->IssuerCommonName());
    EXPECT_TRUE(crl->ValidAt(c.verification_time));
    EXPECT_FALSE(crl->IsRevoked(*leaf));
    auto root_crl = Crl::Parse(c.collateral.root_ca_crl);
    ASSERT_TRUE(root_crl.has_value());
    EXPECT_EQ(root_crl->IssuerCommonName(), "Intel SGX Root CA");
    EXPECT_EQ(c.anchors.intel_sgx_root_spki, TestAnchors().intel_sgx_root_spki);
  }
}

}  // namespace
}  // namespace attest::testing
