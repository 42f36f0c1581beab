#include "collateral/pcs_source.h"

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "collateral/collateral_test_support.h"
#include "evidence/trust_anchors.h"

namespace attest::collateral {
namespace {

using testing::CannedGetter;
using testing::PercentEncode;
using testing::ReadVector;
using testing::SettableClock;

constexpr const char* kBase = "https://pccs.example:8081";
constexpr const char* kSgxCase = "sgx/dcap-qvl-00a067110000-2507";  // FMSPC 00A067110000
constexpr const char* kOtherSgxCase = "sgx/automata-00606a000000-2506";
constexpr const char* kTdxCase = "tdx/dcap-qvl-b0c06f000000-v4";

HttpsResponse Ok(Bytes body, HeaderList headers = {}) {
  HttpsResponse r;
  r.status = 200;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

class PcsSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (ReadVector(std::string(kSgxCase) + "/tcb_info.json").empty()) {
      GTEST_SKIP() << "vectors absent (set ATTESTD_VECTORS)";
    }
    ServeCase(kSgxCase, "sgx", "00a067110000");
  }
  // Serves a case's collateral at the PCS v4 routes, headers as Intel sends them.
  void ServeCase(const std::string& c, const std::string& tee, const std::string& fmspc) {
    getter_.Add(std::string(kBase) + "/" + tee + "/certification/v4/tcb?fmspc=" + fmspc +
                    "&update=standard",
                Ok(ReadVector(c + "/tcb_info.json"),
                   {{"tcb-info-issuer-chain",
                     PercentEncode(ReadVector(c + "/tcb_info_issuer_chain.pem"))}}));
    getter_.Add(std::string(kBase) + "/" + tee + "/certification/v4/qe/identity?update=standard",
                Ok(ReadVector(c + "/qe_identity.json"),
                   {{"sgx-enclave-identity-issuer-chain",
                     PercentEncode(ReadVector(c + "/qe_identity_issuer_chain.pem"))}}));
    getter_.Add(std::string(kBase) + "/sgx/certification/v4/rootcacrl",
                Ok(ReadVector(c + "/root_ca_crl.der")));
  }
  StatusOr<CollateralItem> Fetch(const std::string& key) { return source_.Fetch(key); }

  CannedGetter getter_;
  SettableClock clock_{0};
  VendorClient client_{getter_, clock_};
  PcsSource source_{
      client_, {.base_url = kBase}, evidence::TrustAnchors::Production().intel_sgx_root_spki};
};

void ExpectRejected(const StatusOr<CollateralItem>& r, std::string_view why) {
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), StatusCode::kUnavailable);
  EXPECT_EQ(r.error().reason(), "COLLATERAL_REJECTED");
  EXPECT_NE(r.error().message().find(why), std::string::npos) << r.error().message();
}

TEST_F(PcsSourceTest, FetchesAndChecksRealSgxTcbInfo) {
  auto r = Fetch(PcsSource::TcbInfoKey(DcapTee::kSgx, "00A067110000", TcbUpdate::kStandard));
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->kind, ItemKind::kTcbInfo);
  EXPECT_EQ(r->body, ReadVector(std::string(kSgxCase) + "/tcb_info.json"));
  EXPECT_EQ(r->issuer_chain, ReadVector(std::string(kSgxCase) + "/tcb_info_issuer_chain.pem"));
  // nextUpdate of the case's TCB info bounds the case's collateral window (2025-07-19T10:01:18Z).
  EXPECT_GE(r->valid_until, ParseRfc3339("2025-07-19T10:01:18Z").value());
  EXPECT_LT(r->valid_from, r->valid_until);
  EXPECT_EQ(r->url,
            std::string(kBase) + "/sgx/certification/v4/tcb?fmspc=00a067110000&update=standard");
}

TEST_F(PcsSourceTest, FetchesAndChecksQeIdentityAndRootCrlFromPccsHexText) {
  auto qe = Fetch(PcsSource::QeIdentityKey(DcapTee::kSgx, TcbUpdate::kStandard));
  ASSERT_TRUE(qe) << qe.error().ToString();
  const std::string hex = HexEncode(ReadVector(std::string(kSgxCase) + "/root_ca_crl.der"));
  getter_.Add(std::string(kBase) + "/sgx/certification/v4/rootcacrl",
              Ok(Bytes(hex.begin(), hex.end())));
  auto root = Fetch(PcsSource::RootCaCrlKey());
  ASSERT_TRUE(root) << root.error().ToString();
  EXPECT_EQ(root->kind, ItemKind::kRootCaCrl);
}

TEST_F(PcsSourceTest, ChecksPckCrlAgainstTheRequestedCa) {
  const Bytes crl = ReadVector(std::string(kSgxCase) + "/pck_crl.der");  // Processor CA
  const std::string chain =
      PercentEncode(ReadVector(std::string(kSgxCase) + "/pck_crl_issuer_chain.pem"));
  for (const char* ca : {"processor", "platform"}) {
    getter_.Add(std::string(kBase) + "/sgx/certification/v4/pckcrl?ca=" + ca + "&encoding=der",
                Ok(crl, {{"sgx-pck-crl-issuer-chain", chain}}));
  }
  auto ok = Fetch(PcsSource::PckCrlKey(PckCa::kProcessor));
  ASSERT_TRUE(ok) << ok.error().ToString();
  ExpectRejected(Fetch(PcsSource::PckCrlKey(PckCa::kPlatform)), "expected 'PCK Platform CA'");
}

TEST_F(PcsSourceTest, RejectsCorruptedBody) {
  const std::string url =
      std::string(kBase) + "/sgx/certification/v4/tcb?fmspc=00a067110000&update=standard";
  Bytes body = ReadVector(std::string(kSgxCase) + "/tcb_info.json");
  const std::string text(body.begin(), body.end());
  body[text.find("\"issueDate\":\"") + 13] ^= 0x01;
  getter_.Add(
      url, Ok(body,
              {{"tcb-info-issuer-chain",
                PercentEncode(ReadVector(std::string(kSgxCase) + "/tcb_info_issuer_chain.pem"))}}));
  ExpectRejected(Fetch(PcsSource::TcbInfoKey(DcapTee::kSgx, "00A067110000", TcbUpdate::kStandard)),
                 "the signature does not verify");
}

TEST_F(PcsSourceTest, RejectsTruncatedBody) {
  const std::string url = std::string(kBase) + "/sgx/certification/v4/qe/identity?update=standard";
  Bytes body = ReadVector(std::string(kSgxCase) + "/qe_identity.json");
  body.resize(body.size() / 2);
  getter_.Add(url, Ok(body, {{"sgx-enclave-identity-issuer-chain",
                              PercentEncode(ReadVector(std::string(kSgxCase) +
                                                       "/qe_identity_issuer_chain.pem"))}}));
  ExpectRejected(Fetch(PcsSource::QeIdentityKey(DcapTee::kSgx, TcbUpdate::kStandard)),
                 "QE identity from the collateral source was rejected");
}

TEST_F(PcsSourceTest, RejectsMissingIssuerChainHeader) {
  getter_.Add(std::string(kBase) + "/sgx/certification/v4/qe/identity?update=standard",
              Ok(ReadVector(std::string(kSgxCase) + "/qe_identity.json")));
  ExpectRejected(Fetch(PcsSource::QeIdentityKey(DcapTee::kSgx, TcbUpdate::kStandard)),
                 "the sgx-enclave-identity-issuer-chain header is missing");
}

TEST_F(PcsSourceTest, RejectsIssuerChainNotEndingAtThePinnedRoot) {
  // The PCK CRL chain (PCK CA + root) in place of the TCB Signing chain: right root, wrong
  // signer; a chain under another root is covered by the e2e test's wrongly signed answers.
  getter_.Add(
      std::string(kBase) + "/sgx/certification/v4/qe/identity?update=standard",
      Ok(ReadVector(std::string(kSgxCase) + "/qe_identity.json"),
         {{"sgx-enclave-identity-issuer-chain",
           PercentEncode(ReadVector(std::string(kSgxCase) + "/pck_crl_issuer_chain.pem"))}}));
  ExpectRejected(Fetch(PcsSource::QeIdentityKey(DcapTee::kSgx, TcbUpdate::kStandard)),
                 "expected 'SGX TCB Signing'");
}

TEST_F(PcsSourceTest, RejectsTcbInfoOfAnotherFmspc) {
  getter_.Add(
      std::string(kBase) + "/sgx/certification/v4/tcb?fmspc=00a067110000&update=standard",
      Ok(ReadVector(std::string(kOtherSgxCase) + "/tcb_info.json"),
         {{"tcb-info-issuer-chain",
           PercentEncode(ReadVector(std::string(kOtherSgxCase) + "/tcb_info_issuer_chain.pem"))}}));
  ExpectRejected(Fetch(PcsSource::TcbInfoKey(DcapTee::kSgx, "00A067110000", TcbUpdate::kStandard)),
                 "it is TCB info of FMSPC 00606A000000");
}

TEST_F(PcsSourceTest, RejectsSgxTcbInfoServedForTdx) {
  getter_.Add(
      std::string(kBase) + "/tdx/certification/v4/tcb?fmspc=00a067110000&update=standard",
      Ok(ReadVector(std::string(kSgxCase) + "/tcb_info.json"),
         {{"tcb-info-issuer-chain",
           PercentEncode(ReadVector(std::string(kSgxCase) + "/tcb_info_issuer_chain.pem"))}}));
  ExpectRejected(Fetch(PcsSource::TcbInfoKey(DcapTee::kTdx, "00A067110000", TcbUpdate::kStandard)),
                 "it is TCB info of id 'SGX'");
}

TEST_F(PcsSourceTest, AcceptsRealTdxCollateral) {
  ServeCase(kTdxCase, "tdx", "b0c06f000000");
  auto tcb = Fetch(PcsSource::TcbInfoKey(DcapTee::kTdx, "B0C06F000000", TcbUpdate::kStandard));
  ASSERT_TRUE(tcb) << tcb.error().ToString();
  auto qe = Fetch(PcsSource::QeIdentityKey(DcapTee::kTdx, TcbUpdate::kStandard));
  ASSERT_TRUE(qe) << qe.error().ToString();
  // An SGX QE identity where the TD QE identity is asked for.
  getter_.Add(
      std::string(kBase) + "/tdx/certification/v4/qe/identity?update=standard",
      Ok(ReadVector(std::string(kSgxCase) + "/qe_identity.json"),
         {{"sgx-enclave-identity-issuer-chain",
           PercentEncode(ReadVector(std::string(kSgxCase) + "/qe_identity_issuer_chain.pem"))}}));
  ExpectRejected(Fetch(PcsSource::QeIdentityKey(DcapTee::kTdx, TcbUpdate::kStandard)),
                 "it is the identity of 'QE'");
}

TEST_F(PcsSourceTest, NotFoundAndServerErrors) {
  auto missing = Fetch(PcsSource::TcbInfoKey(DcapTee::kSgx, "112233445566", TcbUpdate::kStandard));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.error().reason(), "COLLATERAL_MISSING");
  HttpsResponse err;
  err.status = 500;
  getter_.Add(std::string(kBase) + "/sgx/certification/v4/pckcrl?ca=platform&encoding=der", err);
  auto failed = Fetch(PcsSource::PckCrlKey(PckCa::kPlatform));
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().reason(), "COLLATERAL_SOURCE_ERROR");
}

TEST_F(PcsSourceTest, UrlsFollowPcsV4) {
  EXPECT_EQ(source_.UrlFor(PcsSource::TcbInfoKey(DcapTee::kTdx, "90C06F000000", TcbUpdate::kEarly))
                .value(),
            std::string(kBase) + "/tdx/certification/v4/tcb?fmspc=90c06f000000&update=early");
  EXPECT_EQ(source_.UrlFor(PcsSource::QeIdentityKey(DcapTee::kTdx, TcbUpdate::kStandard)).value(),
            std::string(kBase) + "/tdx/certification/v4/qe/identity?update=standard");
  PcsSource intel(client_, {}, {});
  EXPECT_EQ(intel.UrlFor(PcsSource::RootCaCrlKey()).value(), kIntelRootCaCrlUrl);
  EXPECT_EQ(intel.UrlFor(PcsSource::PckCrlKey(PckCa::kProcessor)).value(),
            "https://api.trustedservices.intel.com/sgx/certification/v4/pckcrl?ca=processor"
            "&encoding=der");
  EXPECT_FALSE(source_.UrlFor("intel/sgx/tcb/xyz/standard"));
  EXPECT_FALSE(source_.UrlFor("intel/sgx/tcb/00A067110000/sometimes"));
}

TEST(PercentDecodeTest, DecodesEscapesAndKeepsPlus) {
  EXPECT_EQ(PercentDecode("a%20b+c%2Fd%0A").value(), "a b+c/d\n");
  EXPECT_EQ(PercentDecode("%zz").error().reason(), "INVALID_ENCODING");
  EXPECT_EQ(PercentDecode("abc%4").error().reason(), "INVALID_ENCODING");
}

}  // namespace
}  // namespace attest::collateral
