// The Azure CVM verifier: HCL reports around SNP reports minted by the test AMD world, with
// HCLAkPub an EC test key that signs the vTPM quote (so every check can pass or fail on
// purpose), the AK-trust modes, the SevSnpVm platform-evidence claim, and the real vectors
// (the TDX TD-quote cross-check; a whole SNP CVM offline).
#include "evidence/azure_cvm/cvm_verifier.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "base/encoding.h"
#include "base/file.h"
#include "collateral/offline_dir_provider.h"
#include "crypto/digest.h"
#include "evidence/azure_cvm/ak_trust.h"
#include "evidence/azure_cvm/isolation_evidence.h"
#include "evidence/registry.h"
#include "evidence/snp/snp_verifier.h"
#include "evidence/tpm/pcr_values_json.h"
#include "policy/policy.h"
#include "evidence/dcap/quote.h"
#include "testing/amd_world.h"
#include "testing/dcap_world.h"
#include "testing/test_certificate.h"
#include "testing/tpm_builder.h"

namespace attest::evidence::azure_cvm {
namespace {

using testing::AmdCase;
using testing::AmdWorld;
using testing::CertBuilder;
using testing::TestCert;
using testing::TestKey;

Bytes Text(std::string_view s) { return Bytes(s.begin(), s.end()); }

void PutU32(Bytes& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) {
    b[at + i] = static_cast<uint8_t>(v >> (8 * i));
  }
}

// An HCL report (spec/azure-cvm.md §3) around `hw` with `vars`, in a 2600-byte NV buffer.
Bytes HclReport(const Bytes& hw, const Bytes& vars, uint32_t report_type = 2) {
  Bytes b(std::max<size_t>(2600, 0x4D4 + vars.size()), 0);
  PutU32(b, 0, 0x414C4348);
  PutU32(b, 4, 1);
  PutU32(b, 8, static_cast<uint32_t>(0x4D4 + vars.size()));
  PutU32(b, 12, 2);
  std::copy(hw.begin(), hw.end(), b.begin() + 0x20);
  PutU32(b, 0x4C0, static_cast<uint32_t>(20 + vars.size()));
  PutU32(b, 0x4C4, 1);
  PutU32(b, 0x4C8, report_type);
  PutU32(b, 0x4CC, 1);
  PutU32(b, 0x4D0, static_cast<uint32_t>(vars.size()));
  std::copy(vars.begin(), vars.end(), b.begin() + 0x4D4);
  return b;
}

// A synthetic Azure SNP CVM: AK = a P-256 test key as the HCLAkPub JWK, a report binding the
// variable data, a vTPM quote over PCR 0-1 signed by the AK.
struct TestCvm {
  TestKey ak = TestKey::Generate();
  Bytes vars;
  AmdCase amd;
  CvmEvidence evidence;
  Bytes nonce = Text("challenge");

  explicit TestCvm(uint32_t vmpl = 0, bool debug = false) {
    Bytes xy = ak.PublicRaw();
    nlohmann::json doc = {
        {"keys",
         {{{"kid", "HCLAkPub"},
           {"key_ops", {"sign"}},
           {"kty", "EC"},
           {"crv", "P-256"},
           {"x", Base64UrlEncode(ByteSpan(xy).first(32))},
           {"y", Base64UrlEncode(ByteSpan(xy).subspan(32))}}}},
        {"vm-configuration",
         {{"secure-boot", true}, {"tpm-enabled", true}, {"vmUniqueId", "TEST-VM-1"}}},
        {"user-data", std::string(18, '6') + std::string(110, '0')}};
    vars = Text(doc.dump());
    AmdWorld w = AmdWorld::Milan();
    crypto::Sha256Digest d = crypto::Sha256(vars);
    std::copy(d.begin(), d.end(), w.report.report_data.begin());
    std::fill(w.report.report_data.begin() + 32, w.report.report_data.end(), 0);
    w.report.vmpl = vmpl;
    if (debug) {
      w.report.policy |= 1ull << 19;
    }
    amd = w.Build();
    evidence.hcl_report = HclReport(amd.report, vars);
    evidence.snp_cert_chain = Text(amd.ChainPem());
    VtpmQuote q;
    q.nonce = nonce;
    q.pcrs[tpm::kAlgSha256][0] = Bytes(32, 0x11);
    q.pcrs[tpm::kAlgSha256][1] = Bytes(32, 0x22);
    q.attest = testing::BuildQuote({nonce, q.pcrs});
    Bytes rs = ak.SignRaw(q.attest);
    q.signature.sig_alg = tpm::kAlgEcdsa;
    q.signature.hash_alg = tpm::kAlgSha256;
    q.signature.ecdsa_r.assign(rs.begin(), rs.begin() + 32);
    q.signature.ecdsa_s.assign(rs.begin() + 32, rs.end());
    evidence.quote = std::move(q);
  }

  CvmOutcome Verify(const TrustAnchors* anchors = nullptr) const {
    static collateral::StaticCollateralProvider none(nullptr);
    FixedClock clock(amd.verification_time);
    VerifyContext ctx{clock, none, anchors != nullptr ? *anchors : amd.anchors};
    return VerifyCvm(evidence, ctx);
  }
};

std::string Result(const CvmOutcome& o, std::string_view check) {
  for (const CvmCheck& c : o.checks) {
    if (c.name == check) {
      return c.result;
    }
  }
  return "(absent)";
}

TEST(CvmVerifierTest, VerifiesHclReportAndVtpmQuoteAndEmitsMaaClaims) {
  TestCvm cvm;
  CvmOutcome o = cvm.Verify();
  ASSERT_TRUE(o.status.ok()) << o.status.ToString() << o.verdict.dump();
  for (const CvmCheck& c : o.checks) {
    EXPECT_EQ(c.result, "pass") << c.name << ": " << c.message;
  }
  const nlohmann::json* tee = o.claims.FindValue("x-ms-isolation-tee");
  ASSERT_NE(tee, nullptr);
  EXPECT_EQ((*tee)["x-ms-attestation-type"], "sevsnpvm");
  EXPECT_EQ((*tee)["x-ms-compliance-status"], "azure-compliant-cvm");
  EXPECT_EQ((*tee)["x-ms-runtime"], nlohmann::json::parse(AsChars(cvm.vars)));
  EXPECT_EQ((*tee)["x-ms-sevsnpvm-vmpl"], 0);
  EXPECT_FALSE(tee->contains("x-attestd-sevsnp"));
  EXPECT_EQ(*o.claims.FindValue("x-ms-azurevm-vmid"), "TEST-VM-1");
  EXPECT_EQ(*o.claims.FindValue("x-ms-tpm-ak-trust"), "hcl-binding");
  EXPECT_EQ(*o.claims.FindValue("aikValidated"), false);
  EXPECT_EQ((*o.claims.FindValue("pcrs"))["PCRs"].size(), 2u);
  EXPECT_EQ(o.verdict["ak_trust"]["mode"], "hcl-binding");
  EXPECT_EQ(o.verdict["scope"], "hcl-report-and-vtpm-quote");
  EXPECT_EQ(o.verdict["user_data_starts_with_nonce"], false);
}

TEST(CvmVerifierTest, ReportsUserDataThatStartsWithTheNonce) {
  TestCvm cvm;
  cvm.evidence.quote->nonce = Text("fff");  // user-data hex starts 666666...
  cvm.evidence.quote->attest = testing::BuildQuote({Text("fff"), cvm.evidence.quote->pcrs});
  Bytes rs = cvm.ak.SignRaw(cvm.evidence.quote->attest);
  cvm.evidence.quote->signature.ecdsa_r.assign(rs.begin(), rs.begin() + 32);
  cvm.evidence.quote->signature.ecdsa_s.assign(rs.begin() + 32, rs.end());
  CvmOutcome o = cvm.Verify();
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  EXPECT_EQ(o.verdict["user_data_starts_with_nonce"], true);
}

TEST(CvmVerifierTest, RefusesReportNotFromVmplZero) {
  TestCvm cvm(/*vmpl=*/1);
  CvmOutcome o = cvm.Verify();
  EXPECT_EQ(o.status.reason(), "HCL_REPORT_VMPL_NOT_ZERO");
  EXPECT_EQ(Result(o, kCheckIsolationEvidence), "fail");
  EXPECT_EQ(Result(o, kCheckVtpmQuote), "pass");
  EXPECT_TRUE(o.claims.claims().empty());
}

TEST(CvmVerifierTest, DebuggableReportIsValidButNotCompliant) {
  TestCvm cvm(/*vmpl=*/0, /*debug=*/true);
  CvmOutcome o = cvm.Verify();
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  const nlohmann::json* tee = o.claims.FindValue("x-ms-isolation-tee");
  ASSERT_NE(tee, nullptr);
  EXPECT_EQ((*tee)["x-ms-sevsnpvm-is-debuggable"], true);
  EXPECT_FALSE(tee->contains("x-ms-compliance-status"));
}

TEST(CvmVerifierTest, RefusesTamperedVariableDataAtTheBinding) {
  TestCvm cvm;
  // Same length, one byte changed inside a JSON string: still parses, no longer bound.
  size_t at = AsChars(cvm.evidence.hcl_report).find("TEST-VM-1");
  cvm.evidence.hcl_report[at] = 'X';
  CvmOutcome o = cvm.Verify();
  EXPECT_EQ(o.status.reason(), "HCL_VARIABLE_DATA_MISMATCH");
  EXPECT_EQ(Result(o, kCheckIsolationEvidence), "pass");  // the SNP report itself is genuine
  EXPECT_EQ(Result(o, kCheckVariableDataBinding), "fail");
  EXPECT_EQ(Result(o, kCheckVtpmQuote), "pass");
}

TEST(CvmVerifierTest, RefusesQuoteWithOtherNonceOrPcrs) {
  TestCvm cvm;
  cvm.evidence.quote->nonce = Text("other");
  CvmOutcome o = cvm.Verify();
  EXPECT_EQ(o.status.reason(), "TPM_NONCE_MISMATCH");
  EXPECT_EQ(Result(o, kCheckIsolationEvidence), "pass");
  EXPECT_EQ(Result(o, kCheckVtpmQuote), "fail");

  TestCvm pcr;
  pcr.evidence.quote->pcrs[tpm::kAlgSha256][0] = Bytes(32, 0x12);
  EXPECT_EQ(pcr.Verify().status.reason(), "TPM_PCR_DIGEST_MISMATCH");
}

TEST(CvmVerifierTest, RefusesQuoteSignedByAnotherKey) {
  TestCvm cvm;
  Bytes rs = TestKey::Generate().SignRaw(cvm.evidence.quote->attest);
  cvm.evidence.quote->signature.ecdsa_r.assign(rs.begin(), rs.begin() + 32);
  cvm.evidence.quote->signature.ecdsa_s.assign(rs.begin() + 32, rs.end());
  EXPECT_EQ(cvm.Verify().status.reason(), "TPM_QUOTE_SIGNATURE_INVALID");
}

TEST(CvmVerifierTest, WithoutQuoteChecksTheHclPartAndSaysSo) {
  TestCvm cvm;
  cvm.evidence.quote.reset();
  CvmOutcome o = cvm.Verify();
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  EXPECT_EQ(Result(o, kCheckVtpmQuote), "not-checked");
  EXPECT_EQ(o.verdict["scope"], "hcl-report-only");
  EXPECT_EQ(o.claims.FindValue("pcrs"), nullptr);
}

TEST(CvmVerifierTest, UnparsableHclReportStopsEveryOtherCheck) {
  TestCvm cvm;
  cvm.evidence.hcl_report.resize(0x100);
  CvmOutcome o = cvm.Verify();
  EXPECT_EQ(o.status.reason(), "HCL_REPORT_MALFORMED");
  EXPECT_EQ(Result(o, kCheckVtpmQuote), "not-checked");
  EXPECT_EQ(Result(o, kCheckIsolationEvidence), "not-checked");
}

TEST(CvmVerifierTest, TdxHclReportWithoutTdQuoteIsNotVerifiable) {
  TestCvm cvm;
  Bytes td(1024, 0);
  crypto::Sha256Digest d = crypto::Sha256(cvm.vars);
  std::copy(d.begin(), d.end(), td.begin() + 128);
  cvm.evidence.hcl_report = HclReport(td, cvm.vars, /*report_type=*/4);
  CvmOutcome o = cvm.Verify();
  EXPECT_EQ(o.status.reason(), "HCL_REPORT_UNSUPPORTED");
  EXPECT_EQ(Result(o, kCheckVariableDataBinding), "pass");
  EXPECT_EQ(Result(o, kCheckVtpmQuote), "pass");
}

// Item 4: an AK certificate chained to a pinned Azure vTPM root is the trust; one that does
// not chain leaves the HCL binding (and says why); one for another key is refused.
TEST(CvmVerifierTest, AkCertificateChainedToTheAzureRootIsTheTrust) {
  TestCvm cvm;
  TestCert root = CertBuilder("Test Azure Virtual TPM Root").AsCa(1).SelfSign();
  TestCert leaf = CertBuilder("test-vm.TrustedVM").WithKey(cvm.ak).IssueBy(root);
  cvm.evidence.ak_certificates.push_back(crypto::Certificate::FromDer(leaf.Der()).value());
  TrustAnchors anchors = cvm.amd.anchors;
  anchors.azure_vtpm_roots_der = {root.Der()};
  CvmOutcome o = cvm.Verify(&anchors);
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  EXPECT_EQ(o.verdict["ak_trust"]["mode"], "azure-vtpm-certificate");
  EXPECT_EQ(*o.claims.FindValue("aikValidated"), true);
  EXPECT_EQ(*o.claims.FindValue("x-ms-tpm-ak-trust"), "azure-vtpm-certificate");

  TestCert other_root = CertBuilder("Another Root").AsCa(1).SelfSign();
  anchors.azure_vtpm_roots_der = {other_root.Der()};
  CvmOutcome fallback = cvm.Verify(&anchors);
  ASSERT_TRUE(fallback.status.ok()) << fallback.status.ToString();
  EXPECT_EQ(fallback.verdict["ak_trust"]["mode"], "hcl-binding");
  EXPECT_EQ(fallback.verdict["ak_trust"]["ak_certificate"]["chain_verified"], false);
  EXPECT_EQ(*fallback.claims.FindValue("aikValidated"), false);
}

TEST(CvmVerifierTest, RefusesAkCertificateOfAnotherKey) {
  TestCvm cvm;
  TestCert root = CertBuilder("Test Azure Virtual TPM Root").AsCa(1).SelfSign();
  TestCert leaf = CertBuilder("test-vm.TrustedVM").IssueBy(root);  // a fresh key
  cvm.evidence.ak_certificates.push_back(crypto::Certificate::FromDer(leaf.Der()).value());
  CvmOutcome o = cvm.Verify();
  EXPECT_EQ(o.status.reason(), "HCL_AK_MISMATCH");
  EXPECT_EQ(Result(o, kCheckAkTrust), "fail");
}

TEST(AzureAkTrustTest, RefusesTpmAkThatIsNotHclAkPub) {
  TestKey hcl = TestKey::Generate();
  tpm::AkPublic other = tpm::AkFromKey(TestKey::Generate().get());
  auto r = EstablishAzureAkTrust(hcl.get(), &other, {}, TrustAnchors{}, 0);
  EXPECT_EQ(r.error().reason(), "HCL_AK_MISMATCH");
  tpm::AkPublic same = tpm::AkFromKey(hcl.get());
  auto ok = EstablishAzureAkTrust(hcl.get(), &same, {}, TrustAnchors{}, 0);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->mode, "hcl-binding");
}

TEST(AzureAkTrustTest, ProductionPinsTheAzureVirtualTpmRoot2023) {
  const auto& roots = TrustAnchors::Production().azure_vtpm_roots_der;
  ASSERT_EQ(roots.size(), 1u);
  auto cert = crypto::Certificate::FromDer(roots[0]);
  ASSERT_TRUE(cert.has_value());
  EXPECT_EQ(cert->SubjectCommonName(), "Azure Virtual TPM Root Certificate Authority 2023");
  EXPECT_EQ(HexEncode(crypto::Sha256(roots[0])),
            "e6c596b17f8ffefba5c300f714cfb1260c6028704ecf7becc4ab5018efb00e95");
  EXPECT_TRUE(cert->VerifySignedBy(cert->public_key()));
}

// Item 2: SevSnpVm with the variable data as JSON runtime data is an Azure CVM's platform
// evidence; its default policy issues "azure-compliant-cvm".
TEST(CvmPlatformEvidenceTest, SevSnpVmWithHclVariableDataIsAzureCompliant) {
  TestCvm cvm;
  Evidence ev;
  ev.type = AttestationType::kSevSnpVm;
  nlohmann::json doc = {{"SnpReport", Base64UrlEncode(cvm.amd.report)},
                        {"VcekCertChain", Base64UrlEncode(Text(cvm.amd.ChainPem()))}};
  ev.blob = Text(doc.dump());
  ev.runtime_data = BoundData{cvm.vars, BoundData::Kind::kJson};
  static collateral::StaticCollateralProvider none(nullptr);
  FixedClock clock(cvm.amd.verification_time);
  VerifyContext ctx{clock, none, cvm.amd.anchors};
  auto claims = SnpVerifier(VerifierConfig{}).Verify(ev, ctx);
  ASSERT_TRUE(claims.has_value()) << claims.error().ToString();
  EXPECT_EQ(*claims->FindValue("x-attestd-azure-cvm-evidence"), "verified");
  auto policy = policy::CompilePolicy(FindDescriptor(AttestationType::kSevSnpVm)->default_policy);
  ASSERT_TRUE(policy.has_value());
  auto r = policy::Evaluate(*policy, *claims);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r->issued.FindValue("x-ms-compliance-status"), "azure-compliant-cvm");
  auto tdx = policy::CompilePolicy(FindDescriptor(AttestationType::kTdxVm)->default_policy);
  ASSERT_TRUE(tdx.has_value());
  auto rt = policy::Evaluate(*tdx, *claims);
  ASSERT_TRUE(rt.has_value());
  EXPECT_EQ(*rt->issued.FindValue("x-ms-compliance-status"), "azure-compliant-cvm");

  ev.runtime_data->kind = BoundData::Kind::kBinary;
  auto binary = SnpVerifier(VerifierConfig{}).Verify(ev, ctx);
  ASSERT_TRUE(binary.has_value());
  EXPECT_FALSE(binary->Contains("x-attestd-azure-cvm-evidence"));
}

TEST(CvmPlatformEvidenceTest, OnlyBoundHclVariableDataFromVmplZeroNotDebuggable) {
  TestCvm cvm;
  std::optional<BoundData> json = BoundData{cvm.vars, BoundData::Kind::kJson};
  EXPECT_TRUE(IsAzureCvmPlatformEvidence(json, true, false));
  EXPECT_FALSE(IsAzureCvmPlatformEvidence(json, false, false));
  EXPECT_FALSE(IsAzureCvmPlatformEvidence(json, true, true));
  EXPECT_FALSE(IsAzureCvmPlatformEvidence(std::nullopt, true, false));
  std::optional<BoundData> no_ak = BoundData{Text("{\"keys\":[]}"), BoundData::Kind::kJson};
  EXPECT_FALSE(IsAzureCvmPlatformEvidence(no_ak, true, false));
}

// A synthetic Azure TDX CVM: the test DCAP world's TD quote binding the variable data, and an
// HCL report whose TDREPORT is of the same TD.
struct TestTdxCvm {
  TestCvm base;  // the variable data, AK and vTPM quote
  testing::DcapCase dcap;
  Bytes td_report = Bytes(1024, 0);

  explicit TestTdxCvm(bool debug = false) {
    testing::DcapWorld w = testing::DcapWorld::Tdx();
    crypto::Sha256Digest d = crypto::Sha256(base.vars);
    Bytes report_data(d.begin(), d.end());
    report_data.resize(64, 0);
    w.quote.WithReportData(report_data);
    w.quote.WithDebug(debug);
    dcap = w.Build();
    auto q = dcap::ParseQuote(dcap.quote);
    const dcap::TdReportBody& body = *q.value().td_body;
    std::copy(body.report_data.begin(), body.report_data.end(), td_report.begin() + 128);
    std::copy(body.mrtd.begin(), body.mrtd.end(), td_report.begin() + 528);
    for (size_t i = 0; i < 4; ++i) {
      std::copy(body.rtmr[i].begin(), body.rtmr[i].end(), td_report.begin() + 720 + 48 * i);
    }
  }

  CvmOutcome Verify() const {
    CvmEvidence ev = base.evidence;
    ev.hcl_report = HclReport(td_report, base.vars, /*report_type=*/4);
    ev.snp_cert_chain.clear();
    ev.td_quote = dcap.quote;
    collateral::StaticCollateralProvider provider(
        std::make_shared<const collateral::DcapCollateral>(dcap.collateral));
    FixedClock clock(dcap.verification_time);
    VerifyContext ctx{clock, provider, dcap.anchors};
    return VerifyCvm(ev, ctx);
  }
};

TEST(CvmVerifierTest, VerifiesTdxCvmThroughTheDcapVerifier) {
  TestTdxCvm cvm;
  CvmOutcome o = cvm.Verify();
  ASSERT_TRUE(o.status.ok()) << o.status.ToString() << o.verdict.dump();
  EXPECT_EQ(Result(o, kCheckTdQuoteMatchesTdReport), "pass");
  const nlohmann::json& tee = *o.claims.FindValue("x-ms-isolation-tee");
  EXPECT_EQ(tee["x-ms-attestation-type"], "tdxvm");
  EXPECT_EQ(tee["attester_tcb_status"], "UpToDate");
  EXPECT_EQ(tee["x-ms-compliance-status"], "azure-compliant-cvm");
  EXPECT_EQ(tee["x-ms-runtime"], nlohmann::json::parse(AsChars(cvm.base.vars)));
  EXPECT_FALSE(tee.contains("x-attestd-tcb"));
  EXPECT_EQ(o.verdict["hcl"]["report_type"], "tdx");
}

TEST(CvmVerifierTest, RefusesTdQuoteOfAnotherTd) {
  TestTdxCvm cvm;
  cvm.td_report[528] ^= 1;  // MRTD
  CvmOutcome o = cvm.Verify();
  EXPECT_EQ(o.status.reason(), "HCL_TD_QUOTE_MISMATCH");
  EXPECT_EQ(Result(o, kCheckIsolationEvidence), "pass");
  EXPECT_EQ(Result(o, kCheckTdQuoteMatchesTdReport), "fail");
  EXPECT_EQ(Result(o, kCheckVariableDataBinding), "pass");
}

TEST(CvmVerifierTest, DebugTdIsValidButNotCompliant) {
  TestTdxCvm cvm(/*debug=*/true);
  CvmOutcome o = cvm.Verify();
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  EXPECT_FALSE(o.claims.FindValue("x-ms-isolation-tee")->contains("x-ms-compliance-status"));
}

// Item 2 for TDX: TdxVm with the variable data as JSON runtime data.
TEST(CvmPlatformEvidenceTest, TdxVmWithHclVariableDataIsAzureCompliant) {
  TestTdxCvm cvm;
  VerifierConfig config;
  config.anchors = cvm.dcap.anchors;
  auto verifier = MakeVerifier(AttestationType::kTdxVm, config);
  ASSERT_TRUE(verifier.has_value());
  collateral::StaticCollateralProvider provider(
      std::make_shared<const collateral::DcapCollateral>(cvm.dcap.collateral));
  FixedClock clock(cvm.dcap.verification_time);
  VerifyContext ctx{clock, provider, config.anchors};
  Evidence ev;
  ev.type = AttestationType::kTdxVm;
  ev.blob = cvm.dcap.quote;
  ev.runtime_data = BoundData{cvm.base.vars, BoundData::Kind::kJson};
  auto claims = (*verifier)->Verify(ev, ctx);
  ASSERT_TRUE(claims.has_value()) << claims.error().ToString();
  EXPECT_EQ(*claims->FindValue("x-attestd-azure-cvm-evidence"), "verified");
  auto policy = policy::CompilePolicy(FindDescriptor(AttestationType::kTdxVm)->default_policy);
  ASSERT_TRUE(policy.has_value());
  auto r = policy::Evaluate(*policy, *claims);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r->issued.FindValue("x-ms-compliance-status"), "azure-compliant-cvm");
}

std::filesystem::path Vectors() {
  const char* env = std::getenv("ATTESTD_VECTORS");
  return env != nullptr ? env : ATTESTD_VECTORS_DEFAULT;
}

Bytes ReadVector(const std::filesystem::path& p) {
  auto b = ReadFileBytes(p.string(), 1 << 20);
  return b ? *b : Bytes{};
}

TEST(CvmVectorTest, TdxTdQuoteIsTheTdOfTheTdreport) {
  auto d = Vectors() / "azure-cvm" / "trustee-az-tdx-vtpm-evidence-v1";
  if (!std::filesystem::exists(d / "td_quote.bin")) {
    GTEST_SKIP() << "no azure-cvm vectors (set ATTESTD_VECTORS)";
  }
  Bytes quote = ReadVector(d / "td_quote.bin");
  Bytes hcl = ReadVector(d / "hcl_report.bin");
  auto parsed = ParseHclReport(hcl);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_TRUE(CheckTdQuoteMatchesTdReport(quote, parsed->hardware_report).ok());
  // RTMR3 of the quote (TD body at 48, RTMR0 at body offset 328) changed.
  Bytes other = quote;
  other[48 + 328 + 3 * 48] ^= 1;
  EXPECT_EQ(CheckTdQuoteMatchesTdReport(other, parsed->hardware_report).reason(),
            "HCL_TD_QUOTE_MISMATCH");
}

TEST(CvmVectorTest, RealSnpCvmVerifiesOffline) {
  auto d = Vectors() / "azure-cvm" / "trustee-az-snp-vtpm-milan-hcl";
  if (!std::filesystem::exists(d / "hcl_report.bin")) {
    GTEST_SKIP() << "no azure-cvm vectors (set ATTESTD_VECTORS)";
  }
  CvmEvidence ev;
  ev.hcl_report = ReadVector(d / "hcl_report.bin");
  VtpmQuote q;
  q.attest = ReadVector(d / "tpm_quote_attest.bin");
  q.signature =
      tpm::RawRsassaSignature(ReadVector(d / "tpm_quote_sig.rsassa_sha256.bin"), tpm::kAlgSha256);
  Bytes pcrs = ReadVector(d / "pcrs_sha256.json");
  ASSERT_TRUE(tpm::ParsePcrValuesJson(AsChars(pcrs), q.pcrs).ok());
  q.nonce = Text("challenge");
  ev.quote = std::move(q);
  collateral::OfflineDirProvider dir(d.string());
  FixedClock clock(ParseRfc3339("2026-11-22T00:00:00Z").value());
  VerifyContext ctx{clock, dir, TrustAnchors::Production()};
  CvmOutcome o = VerifyCvm(ev, ctx);
  ASSERT_TRUE(o.status.ok()) << o.status.ToString() << o.verdict.dump();
  const nlohmann::json& tee = *o.claims.FindValue("x-ms-isolation-tee");
  EXPECT_EQ(tee["x-ms-sevsnpvm-microcode-svn"], 115);
  EXPECT_EQ(tee["x-ms-compliance-status"], "azure-compliant-cvm");
  EXPECT_EQ(tee["x-ms-runtime"]["vm-configuration"]["vmUniqueId"],
            "911B0EF8-9DBA-48B0-B275-4E4DF2D39252");
}

}  // namespace
}  // namespace attest::evidence::azure_cvm
