#include "service/policy_service.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "base/encoding.h"
#include "crypto/jwk.h"
#include "crypto/jws.h"
#include "client/policy_document.h"
#include "service/bearer_authenticator.h"
#include "service/management_jws.h"
#include "testing/test_certificate.h"
#include "token/jws.h"

namespace attest::service {
namespace {

using store::ProviderMode;

const std::string kPolicy = "version=1.0; authorizationrules{=> permit();}; issuancerules{};";

nlohmann::json Claims(const StatusOr<std::string>& token) {
  EXPECT_TRUE(token.has_value()) << (token.has_value() ? "" : token.error().ToString());
  if (!token.has_value()) return {};
  auto parsed = token::ParseCompactJws(*token);
  return parsed.has_value() ? parsed->payload : nlohmann::json();
}

class PolicyServiceTest : public ::testing::Test {
 protected:
  PolicyServiceTest()
      : key_(*token::SigningKey::Generate("https://attestd.test")),
        clock_(1800000000),
        issuer_(key_, "https://attestd.test", clock_) {}

  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("attestd-policy-service-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store_ = std::move(*store::OpenSqliteStore(dir_.string()));
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // A P-256 signer written to PEM files and loaded the way attestctl loads it.
  client::PolicySigner Signer(const testing::TestCert& cert, const std::string& name) {
    const std::string key_path = (dir_ / (name + ".key")).string();
    const std::string cert_path = (dir_ / (name + ".pem")).string();
    BIO* bio = BIO_new_file(key_path.c_str(), "w");
    PEM_write_bio_PrivateKey(bio, cert.key().get(), nullptr, nullptr, 0, nullptr, nullptr);
    BIO_free(bio);
    std::ofstream(cert_path) << cert.Pem();
    return *client::PolicySigner::Load(key_path, cert_path);
  }

  void Init(ProviderMode mode, const std::vector<const testing::TestCert*>& signers) {
    std::vector<store::SignerRecord> records;
    for (const auto* cert : signers) {
      auto parsed = *crypto::Certificate::FromDer(cert->Der());
      records.push_back({CertificateThumbprint(parsed), parsed.der(), "init", 1});
    }
    ASSERT_TRUE(store_->CreateProvider({"default", "https://attestd.test", mode, 1}, records).ok());
  }

  size_t HistorySize() { return store_->PolicyHistory("default", "SgxEnclave")->size(); }

  token::SigningKey key_;
  FixedClock clock_;
  token::TokenIssuer issuer_;
  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
  Caller caller_{"sub:tester", true, true};
};

TEST(PolicyTokenHashTest, MatchesTheSpecVectorIncludingTheTrailingDot) {
  // spec/maa-tokens.md §6.2 test vector.
  const std::string jws =
      "eyJhbGciOiJub25lIn0.eyJBdHRlc3RhdGlvblBvbGljeSI6ImRtVnljMmx2YmoweExqQTdJR0YxZEdodmNtbD"
      "ZZWFJwYjI1eWRXeGxjM3M5UGlCd1pYSnRhWFFvS1R0OU95QnBjM04xWVc1alpYSjFiR1Z6ZTMwNyJ9.";
  EXPECT_EQ(PolicyTokenHash(jws), "c6sEJQItV50OeP9IrP_bzywAMOVvj5uDPbklA_bwdYQ");
  EXPECT_EQ(client::ExpectedPolicyTokenHash(jws), PolicyTokenHash(jws));
}

TEST_F(PolicyServiceTest, UninitialisedProviderRefusesManagement) {
  PolicyService service(*store_, "default", issuer_, clock_);
  auto r = service.GetPolicy(evidence::AttestationType::kSgxEnclave);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().reason(), "PROVIDER_NOT_INITIALISED");
}

TEST_F(PolicyServiceTest, AadAcceptsUnsignedSetAndResetAndRefusesSignerChanges) {
  Init(ProviderMode::kAad, {});
  PolicyService service(*store_, "default", issuer_, clock_);
  const auto sgx = evidence::AttestationType::kSgxEnclave;
  const std::string doc = *client::BuildPolicyDocument(kPolicy, nullptr);
  nlohmann::json set = Claims(service.SetPolicy(sgx, doc, caller_));
  EXPECT_EQ(set["x-ms-policy-result"], "Updated");
  EXPECT_EQ(set["x-ms-policy-token-hash"], PolicyTokenHash(doc));
  EXPECT_FALSE(set.contains("x-ms-policy-signer"));
  EXPECT_FALSE(set.contains("x-ms-policy"));
  EXPECT_EQ(Claims(service.GetPolicy(sgx))["x-ms-policy"], doc);

  nlohmann::json reset = Claims(service.ResetPolicy(sgx, "eyJhbGciOiJub25lIn0..", caller_));
  EXPECT_EQ(reset, nlohmann::json({{"x-ms-policy-result", "Removed"}, {"iss", "https://attestd.test"},
                                   {"iat", 1800000000}, {"nbf", 1800000000}, {"exp", 1800003600}}));
  std::string current = Claims(service.GetPolicy(sgx))["x-ms-policy"];
  EXPECT_TRUE(current.starts_with("eyJhbGciOiJub25lIn0.")) << current;
  EXPECT_NE(current, doc);

  EXPECT_EQ(Claims(service.GetCertificates())["x-ms-policy-certificates"],
            nlohmann::json({{"keys", nlohmann::json::array()}}));
  auto signer_cert = testing::CertBuilder("signer").SelfSign();
  auto signer = Signer(signer_cert, "signer");
  auto add = service.AddCertificate(
      nlohmann::json(*client::BuildCertificateDocument(signer.certificate(), signer)).dump(),
      caller_);
  ASSERT_FALSE(add.has_value());
  EXPECT_EQ(add.error().reason(), "OPERATION_NOT_SUPPORTED");
  EXPECT_EQ(add.error().code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(store_->ListSigners("default")->empty());
}

// Issue 8 finding 8: where the type makes a name the verifier's, setting the policy refuses it.
TEST_F(PolicyServiceTest, SetRefusesIssuingAVerifierClaimWithLineAndColumn) {
  Init(ProviderMode::kAad, {});
  PolicyService service(*store_, "default", issuer_, clock_);
  const std::string text =
      "version=1.0; authorizationrules{=> permit();};\nissuancerules{=> issue(type=\"tdx_mrtd\", "
      "value=\"00\");};";
  auto r = service.SetPolicy(evidence::AttestationType::kTdxVm,
                             *client::BuildPolicyDocument(text, nullptr), caller_);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().reason(), "POLICY_TYPE_ERROR");
  EXPECT_TRUE(r.error().message().starts_with("2:29: claim 'tdx_mrtd' is produced by the verifier"))
      << r.error().message();
  // On SGX policy claims go under x-ms-policy and replace nothing: the same text is accepted.
  EXPECT_TRUE(service
                  .SetPolicy(evidence::AttestationType::kSgxEnclave,
                             *client::BuildPolicyDocument(text, nullptr), caller_)
                  .has_value());
}

TEST_F(PolicyServiceTest, IsolatedRequiresARegisteredSigner) {
  auto registered = testing::CertBuilder("registered").SelfSign();
  auto stranger = testing::CertBuilder("stranger").SelfSign();
  Init(ProviderMode::kIsolated, {&registered});
  PolicyService service(*store_, "default", issuer_, clock_);
  const auto sgx = evidence::AttestationType::kSgxEnclave;

  auto unsigned_doc = *client::BuildPolicyDocument(kPolicy, nullptr);
  auto r1 = service.SetPolicy(sgx, unsigned_doc, caller_);
  ASSERT_FALSE(r1.has_value());
  EXPECT_EQ(r1.error().reason(), "POLICY_SIGNATURE_REQUIRED");
  auto r1b = service.SetPolicy(sgx, kPolicy, caller_);  // raw text
  ASSERT_FALSE(r1b.has_value());
  EXPECT_EQ(r1b.error().reason(), "POLICY_SIGNATURE_REQUIRED");

  auto stranger_signer = Signer(stranger, "stranger");
  auto r2 = service.SetPolicy(sgx, *client::BuildPolicyDocument(kPolicy, &stranger_signer), caller_);
  ASSERT_FALSE(r2.has_value());
  EXPECT_EQ(r2.error().reason(), "SIGNER_NOT_TRUSTED");

  auto signer = Signer(registered, "registered");
  std::string doc = *client::BuildPolicyDocument(kPolicy, &signer);
  std::string tampered = doc;
  tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
  auto r3 = service.SetPolicy(sgx, tampered, caller_);
  ASSERT_FALSE(r3.has_value());
  EXPECT_EQ(r3.error().reason(), "JWS_SIGNATURE_INVALID");

  auto r4 = service.SetPolicy(
      sgx, *client::BuildPolicyDocument("version=1.0; authorizationrules{=> permit( };", &signer),
      caller_);
  ASSERT_FALSE(r4.has_value());
  EXPECT_EQ(r4.error().reason(), "POLICY_SYNTAX_ERROR");
  EXPECT_NE(r4.error().message().find(':'), std::string::npos);

  auto r5 = service.ResetPolicy(sgx, "eyJhbGciOiJub25lIn0..", caller_);
  ASSERT_FALSE(r5.has_value());
  EXPECT_EQ(r5.error().reason(), "POLICY_SIGNATURE_REQUIRED");
  EXPECT_EQ(HistorySize(), 0u);  // nothing refused reached the store

  nlohmann::json ok = Claims(service.SetPolicy(sgx, doc, caller_));
  EXPECT_EQ(ok["x-ms-policy-token-hash"], PolicyTokenHash(doc));
  EXPECT_EQ(ok["x-ms-policy-signer"]["kty"], "EC");
  EXPECT_EQ(ok["x-ms-policy-signer"]["x5c"][0], Base64Encode(registered.Der()));
  EXPECT_EQ(Claims(service.ResetPolicy(sgx, *client::BuildResetDocument(&signer), caller_))
                ["x-ms-policy-result"],
            "Removed");
  auto history = *store_->PolicyHistory("default", "SgxEnclave");
  ASSERT_EQ(history.size(), 2u);
  EXPECT_NE(history[0].set_by.find("sub:tester signer:"), std::string::npos);
}

TEST_F(PolicyServiceTest, IsolatedSignerChangesAndTheLastCertificate) {
  auto ca = testing::CertBuilder("signing CA").AsCa(0).SelfSign();
  auto leaf = testing::CertBuilder("leaf under CA").IssueBy(ca);
  auto other = testing::CertBuilder("other").SelfSign();
  Init(ProviderMode::kIsolated, {&ca});
  PolicyService service(*store_, "default", issuer_, clock_);

  // A leaf certified by a registered CA may sign (maa-service-behaviour.md §2.1).
  auto leaf_signer = Signer(leaf, "leaf");
  auto other_cert = *crypto::Certificate::FromDer(other.Der());
  nlohmann::json added = Claims(service.AddCertificate(
      nlohmann::json(*client::BuildCertificateDocument(other_cert, leaf_signer)).dump(), caller_));
  EXPECT_EQ(added["x-ms-policycertificates-result"], "IsPresent");
  EXPECT_EQ(added["x-ms-certificate-thumbprint"], CertificateThumbprint(other_cert));
  EXPECT_EQ(Claims(service.GetCertificates())["x-ms-policy-certificates"]["keys"].size(), 2u);

  auto other_signer = Signer(other, "other");
  // Bare (unquoted) JWS bodies are accepted too.
  nlohmann::json removed = Claims(service.RemoveCertificate(
      *client::BuildCertificateDocument(other_cert, other_signer), caller_));
  EXPECT_EQ(removed["x-ms-policycertificates-result"], "IsAbsent");

  auto ca_cert = *crypto::Certificate::FromDer(ca.Der());
  auto last = service.RemoveCertificate(
      nlohmann::json(*client::BuildCertificateDocument(ca_cert, leaf_signer)).dump(), caller_);
  ASSERT_FALSE(last.has_value());
  EXPECT_EQ(last.error().reason(), "LAST_SIGNER");
  EXPECT_EQ(store_->ListSigners("default")->size(), 1u);

  auto garbage = service.AddCertificate("\"not a jws\"", caller_);
  ASSERT_FALSE(garbage.has_value());
  EXPECT_EQ(garbage.error().reason(), "JWS_MALFORMED");
}

TEST_F(PolicyServiceTest, IsolatedRefusesALeafOutsideItsValidityOrKeyUsage) {
  // issue 8 finding 9: the registered CA vouches for a leaf only while the leaf is valid.
  auto ca = testing::CertBuilder("signing CA").AsCa(0).SelfSign();
  const UnixTime now = clock_.Now();
  auto expired = testing::CertBuilder("expired leaf").WithValidity(now - 7200, now - 3600).IssueBy(ca);
  auto early = testing::CertBuilder("future leaf").WithValidity(now + 3600, now + 7200).IssueBy(ca);
  auto no_sign = testing::CertBuilder("CA-usage leaf").AsCa(0).IssueBy(ca);
  auto valid = testing::CertBuilder("valid leaf").WithValidity(now - 1, now + 1).IssueBy(ca);
  auto other = testing::CertBuilder("other").SelfSign();
  Init(ProviderMode::kIsolated, {&ca});
  PolicyService service(*store_, "default", issuer_, clock_);
  const auto sgx = evidence::AttestationType::kSgxEnclave;
  auto other_cert = *crypto::Certificate::FromDer(other.Der());

  const std::vector<std::pair<const testing::TestCert*, std::string>> cases = {
      {&expired, "SIGNER_CERT_EXPIRED"},
      {&early, "SIGNER_CERT_NOT_YET_VALID"},
      {&no_sign, "SIGNER_CERT_KEY_USAGE"}};
  for (const auto& [cert, want] : cases) {
    auto signer = Signer(*cert, want);
    auto set = service.SetPolicy(sgx, *client::BuildPolicyDocument(kPolicy, &signer), caller_);
    ASSERT_FALSE(set.has_value()) << want;
    EXPECT_EQ(set.error().reason(), want);
    EXPECT_EQ(set.error().code(), StatusCode::kInvalidArgument);
    auto add = service.AddCertificate(
        nlohmann::json(*client::BuildCertificateDocument(other_cert, signer)).dump(), caller_);
    ASSERT_FALSE(add.has_value()) << want;
    EXPECT_EQ(add.error().reason(), want);
    auto reset = service.ResetPolicy(sgx, *client::BuildResetDocument(&signer), caller_);
    ASSERT_FALSE(reset.has_value()) << want;
    EXPECT_EQ(reset.error().reason(), want);
  }
  EXPECT_EQ(HistorySize(), 0u);
  EXPECT_EQ(store_->ListSigners("default")->size(), 1u);

  // The bounds are inclusive, and a leaf in its validity still signs.
  auto signer = Signer(valid, "valid");
  EXPECT_TRUE(service.SetPolicy(sgx, *client::BuildPolicyDocument(kPolicy, &signer), caller_)
                  .has_value());
  EXPECT_TRUE(service
                  .AddCertificate(
                      nlohmann::json(*client::BuildCertificateDocument(other_cert, signer)).dump(),
                      caller_)
                  .has_value());
  EXPECT_EQ(store_->ListSigners("default")->size(), 2u);
}

TEST_F(PolicyServiceTest, IsolatedRefusesADirectlyRegisteredSignerThatExpired) {
  const UnixTime now = clock_.Now();
  auto old = testing::CertBuilder("old").WithValidity(now - 7200, now - 1).SelfSign();
  Init(ProviderMode::kIsolated, {&old});
  PolicyService service(*store_, "default", issuer_, clock_);
  auto signer = Signer(old, "old");
  auto set = service.SetPolicy(evidence::AttestationType::kSgxEnclave,
                               *client::BuildPolicyDocument(kPolicy, &signer), caller_);
  ASSERT_FALSE(set.has_value());
  EXPECT_EQ(set.error().reason(), "SIGNER_CERT_EXPIRED");
}

// The documents of the Azure SDK for C++ with an EC signer (maa-real-clients.md §8): header
// {"alg":"EC","x5c":[...]}, signature = EVP_DigestSign(SHA-256) output, a DER ECDSA-Sig-Value.
std::string AzureSdkEcDocument(const testing::TestCert& signer, std::string_view payload,
                               const char* alg = "EC") {
  const std::string header =
      std::string(R"({"alg":")") + alg + R"(","x5c":[")" + Base64Encode(signer.Der()) + R"("]})";
  const std::string input =
      Base64UrlEncode(AsBytes(header)) + "." + Base64UrlEncode(AsBytes(payload));
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  size_t len = 0;
  EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, signer.key().get());
  EVP_DigestSign(ctx, nullptr, &len, AsBytes(input).data(), input.size());
  Bytes der(len);
  EVP_DigestSign(ctx, der.data(), &len, AsBytes(input).data(), input.size());
  EVP_MD_CTX_free(ctx);
  der.resize(len);
  return input + "." + Base64UrlEncode(der);
}

std::string PolicyPayload(std::string_view text) {
  return nlohmann::json({{"AttestationPolicy", Base64UrlEncode(AsBytes(text))}}).dump();
}

TEST_F(PolicyServiceTest, IsolatedAcceptsTheAzureSdkForCppEcForm) {
  auto registered = testing::CertBuilder("registered").SelfSign();
  auto other = testing::CertBuilder("other").SelfSign();
  Init(ProviderMode::kIsolated, {&registered});
  PolicyService service(*store_, "default", issuer_, clock_);
  const auto sgx = evidence::AttestationType::kSgxEnclave;

  const std::string doc = AzureSdkEcDocument(registered, PolicyPayload(kPolicy));
  nlohmann::json set = Claims(service.SetPolicy(sgx, doc, caller_));
  EXPECT_EQ(set["x-ms-policy-result"], "Updated");
  EXPECT_EQ(set["x-ms-policy-token-hash"], PolicyTokenHash(doc));
  EXPECT_EQ(set["x-ms-policy-signer"]["x5c"][0], Base64Encode(registered.Der()));
  auto history = *store_->PolicyHistory("default", "SgxEnclave");
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0].policy_jws, doc);
  EXPECT_EQ(history[0].policy_text, kPolicy);

  const std::string cert_payload =
      nlohmann::json({{"policyCertificate",
                       {{"kty", "EC"}, {"x5c", {Base64Encode(other.Der())}}}}})
          .dump();
  nlohmann::json added = Claims(service.AddCertificate(
      nlohmann::json(AzureSdkEcDocument(registered, cert_payload)).dump(), caller_));
  EXPECT_EQ(added["x-ms-policycertificates-result"], "IsPresent");
  EXPECT_EQ(store_->ListSigners("default")->size(), 2u);
  EXPECT_EQ(Claims(service.ResetPolicy(sgx, AzureSdkEcDocument(registered, ""), caller_))
                ["x-ms-policy-result"],
            "Removed");

  // The key still comes from the certificate, so the form gives no way around the signer
  // checks: a stranger's EC document is untrusted, a tampered one does not verify.
  auto stranger = testing::CertBuilder("stranger").SelfSign();
  auto untrusted = service.SetPolicy(sgx, AzureSdkEcDocument(stranger, PolicyPayload(kPolicy)),
                                     caller_);
  ASSERT_FALSE(untrusted.has_value());
  EXPECT_EQ(untrusted.error().reason(), "SIGNER_NOT_TRUSTED");
  const std::string other_text = "version=1.0; authorizationrules{=> deny();}; issuancerules{};";
  std::string forged = AzureSdkEcDocument(registered, PolicyPayload(other_text));
  forged = doc.substr(0, doc.find('.')) + forged.substr(forged.find('.'), forged.rfind('.') -
                                                            forged.find('.')) +
           doc.substr(doc.rfind('.'));
  auto bad = service.SetPolicy(sgx, forged, caller_);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().reason(), "JWS_SIGNATURE_INVALID");
  EXPECT_EQ(bad.error().code(), StatusCode::kPermissionDenied);
}

TEST_F(PolicyServiceTest, TheEcFormNeedsAP256CertificateAndADerSignature) {
  auto registered = testing::CertBuilder("registered").SelfSign();
  Init(ProviderMode::kIsolated, {&registered});
  PolicyService service(*store_, "default", issuer_, clock_);
  const auto sgx = evidence::AttestationType::kSgxEnclave;

  // ES256 with the DER signature, and "EC" with the JOSE r ‖ s signature, are both refused.
  auto es256_der = service.SetPolicy(
      sgx, AzureSdkEcDocument(registered, PolicyPayload(kPolicy), "ES256"), caller_);
  ASSERT_FALSE(es256_der.has_value());
  EXPECT_EQ(es256_der.error().reason(), "JWS_SIGNATURE_INVALID");
  auto signer = Signer(registered, "registered");
  std::string es256 = *client::BuildPolicyDocument(kPolicy, &signer);
  const std::string ec_header =
      Base64UrlEncode(AsBytes(R"({"alg":"EC","x5c":[")" + Base64Encode(registered.Der()) + R"("]})"));
  auto ec_raw = service.SetPolicy(sgx, ec_header + es256.substr(es256.find('.')), caller_);
  ASSERT_FALSE(ec_raw.has_value());
  EXPECT_EQ(ec_raw.error().reason(), "JWS_SIGNATURE_INVALID");

  // "EC" over an RSA certificate is not the Azure SDK form.
  crypto::EvpPkeyPtr rsa(EVP_RSA_gen(2048));
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_time_adj_ex(X509_getm_notAfter(x), 3650, 0, nullptr);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("rsa"), -1, -1, 0);
  X509_set_issuer_name(x, X509_get_subject_name(x));
  X509_set_pubkey(x, rsa.get());
  X509_sign(x, rsa.get(), EVP_sha256());
  int der_len = i2d_X509(x, nullptr);
  Bytes rsa_der(static_cast<size_t>(der_len));
  unsigned char* out = rsa_der.data();
  i2d_X509(x, &out);
  X509_free(x);
  const std::string header =
      R"({"alg":"EC","x5c":[")" + Base64Encode(rsa_der) + R"("]})";
  const std::string input = Base64UrlEncode(AsBytes(header)) + "." +
                            Base64UrlEncode(AsBytes(PolicyPayload(kPolicy)));
  auto sig = crypto::SignJwsInput(crypto::JwsAlg::kRs256, rsa.get(), input);
  ASSERT_TRUE(sig.has_value());
  auto ec_rsa = service.SetPolicy(sgx, input + "." + Base64UrlEncode(*sig), caller_);
  ASSERT_FALSE(ec_rsa.has_value());
  EXPECT_EQ(ec_rsa.error().reason(), "JWS_UNSUPPORTED_ALG");
  EXPECT_EQ(HistorySize(), 0u);
}

TEST_F(PolicyServiceTest, DocumentMembersOfTheWrongJsonTypeAre400) {
  auto registered = testing::CertBuilder("registered").SelfSign();
  Init(ProviderMode::kIsolated, {&registered});
  PolicyService service(*store_, "default", issuer_, clock_);
  for (const char* payload :
       {R"({"policyCertificate":"MIIB"})", R"({"policyCertificate":{"x5c":5}})",
        R"({"policyCertificate":{"x5c":[5]}})", R"({"policyCertificate":{"x5c":[]}})",
        R"({"policyCertificate":{"x5c":["!!"]}})", R"({"policyCertificate":{"x5c":{"0":"a"}}})",
        R"({"policyCertificate":[]})", R"({"other":1})"}) {
    StatusOr<std::string> r = Err(Status::Internal("threw"));
    EXPECT_NO_THROW(r = service.AddCertificate(AzureSdkEcDocument(registered, payload), caller_));
    ASSERT_FALSE(r.has_value()) << payload;
    EXPECT_EQ(r.error().reason(), "CERTIFICATE_DOCUMENT_INVALID") << payload;
    EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument) << payload;
  }
  const auto sgx = evidence::AttestationType::kSgxEnclave;
  for (const char* payload : {R"({"AttestationPolicy":5})", R"({"AttestationPolicy":["a"]})",
                              R"({"AttestationPolicy":null})", R"({"AttestationPolicy":"!!"})"}) {
    auto r = service.SetPolicy(sgx, AzureSdkEcDocument(registered, payload), caller_);
    ASSERT_FALSE(r.has_value()) << payload;
    EXPECT_EQ(r.error().reason(), "POLICY_DOCUMENT_INVALID") << payload;
  }
  // Header members of the wrong type: alg, x5c, x5c entries, jwk.
  const std::string payload = PolicyPayload(kPolicy);
  for (const std::string& header :
       {std::string(R"({"alg":123})"), std::string(R"({"alg":["ES256"]})"),
        std::string(R"({"alg":"ES256","x5c":"MIIB"})"), std::string(R"({"alg":"ES256","x5c":[7]})"),
        std::string(R"({"alg":"ES256","jwk":5})"), std::string(R"({"alg":"ES256","jwk":{"x5c":{}}})")}) {
    const std::string doc = Base64UrlEncode(AsBytes(header)) + "." +
                            Base64UrlEncode(AsBytes(payload)) + ".AQ";
    StatusOr<std::string> r = Err(Status::Internal("threw"));
    EXPECT_NO_THROW(r = service.SetPolicy(sgx, doc, caller_)) << header;
    ASSERT_FALSE(r.has_value()) << header;
    EXPECT_EQ(r.error().reason(), "JWS_MALFORMED") << header;
  }
  EXPECT_EQ(HistorySize(), 0u);
}

// --- BearerAuthenticator -------------------------------------------------------------------

std::string Es256Jwt(const testing::TestKey& key, const nlohmann::json& claims,
                     const std::string& kid = "k1") {
  std::string input = Base64UrlEncode(AsBytes(nlohmann::json({{"alg", "ES256"}, {"kid", kid}}).dump())) +
                      "." + Base64UrlEncode(AsBytes(claims.dump()));
  return input + "." + Base64UrlEncode(key.SignRaw(AsBytes(input)));
}

std::string Jwks(const testing::TestKey& key) {
  Bytes xy = key.PublicRaw();
  return nlohmann::json({{"keys",
                          {{{"kty", "EC"}, {"crv", "P-256"}, {"kid", "k1"},
                            {"x", Base64UrlEncode(ByteSpan(xy.data(), 32))},
                            {"y", Base64UrlEncode(ByteSpan(xy.data() + 32, 32))}}}}})
      .dump();
}

TEST(BearerAuthenticatorTest, ChecksSignatureIssuerAudienceTimeAndRoles) {
  auto idp = testing::TestKey::Generate();
  auto rogue = testing::TestKey::Generate();
  FixedClock clock(1800000000);
  BearerAuthOptions options;
  options.issuer = "https://idp.test";
  options.audience = "https://attest.azure.net";
  auto auth = BearerAuthenticator::Create(options, Jwks(idp), clock);
  ASSERT_TRUE(auth.has_value()) << auth.error().ToString();
  nlohmann::json claims = {{"iss", "https://idp.test"}, {"aud", "https://attest.azure.net"},
                           {"sub", "alice"}, {"exp", 1800000600},
                           {"roles", {"AttestationPolicy.Write"}}};
  auto ok = auth->Authenticate("Bearer " + Es256Jwt(idp, claims));
  ASSERT_TRUE(ok.has_value()) << ok.error().ToString();
  EXPECT_TRUE(ok->can_write && ok->can_read);
  EXPECT_EQ(ok->identity, "sub:alice");

  nlohmann::json reader = claims;
  reader["roles"] = "Other AttestationPolicy.Read";
  auto r = auth->Authenticate("Bearer " + Es256Jwt(idp, reader));
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->can_read);
  EXPECT_FALSE(r->can_write);

  auto reason = [&](const std::string& header) {
    auto result = auth->Authenticate(header);
    EXPECT_FALSE(result.has_value()) << header;
    if (!result.has_value()) {
      EXPECT_EQ(result.error().code(), StatusCode::kUnauthenticated);
    }
    return result.has_value() ? std::string() : result.error().reason();
  };
  EXPECT_EQ(reason(""), "BEARER_MISSING");
  EXPECT_EQ(reason("Basic abc"), "BEARER_MISSING");
  EXPECT_EQ(reason("Bearer " + Es256Jwt(rogue, claims)), "BEARER_INVALID");
  EXPECT_EQ(reason("Bearer " + Es256Jwt(idp, claims, "unknown")), "BEARER_INVALID");
  EXPECT_EQ(reason("Bearer not.a.jwt"), "BEARER_INVALID");
  nlohmann::json expired = claims;
  expired["exp"] = 1800000000 - 3600;
  EXPECT_EQ(reason("Bearer " + Es256Jwt(idp, expired)), "BEARER_EXPIRED");
  nlohmann::json wrong_iss = claims;
  wrong_iss["iss"] = "https://evil.test";
  EXPECT_EQ(reason("Bearer " + Es256Jwt(idp, wrong_iss)), "BEARER_INVALID");
  nlohmann::json wrong_aud = claims;
  wrong_aud["aud"] = {"https://other"};
  EXPECT_EQ(reason("Bearer " + Es256Jwt(idp, wrong_aud)), "BEARER_INVALID");
  nlohmann::json no_exp = claims;
  no_exp.erase("exp");
  EXPECT_EQ(reason("Bearer " + Es256Jwt(idp, no_exp)), "BEARER_INVALID");
  // alg none is never a credential.
  EXPECT_EQ(reason("Bearer eyJhbGciOiJub25lIn0." + Base64UrlEncode(AsBytes(claims.dump())) + "."),
            "BEARER_INVALID");
}

std::string SignedJwt(const testing::TestKey& key, const nlohmann::json& header,
                      const nlohmann::json& claims) {
  std::string input = Base64UrlEncode(AsBytes(header.dump())) + "." +
                      Base64UrlEncode(AsBytes(claims.dump()));
  return input + "." + Base64UrlEncode(key.SignRaw(AsBytes(input)));
}

TEST(BearerAuthenticatorTest, WrongJsonTypesInATokenAre401NeverAThrow) {
  // issue 14 item 6: {"alg":123} used to throw inside Authenticate (answered 500).
  auto idp = testing::TestKey::Generate();
  FixedClock clock(1800000000);
  BearerAuthOptions options;
  options.issuer = "https://idp.test";
  options.audience = "https://attest.azure.net";
  auto auth = BearerAuthenticator::Create(options, Jwks(idp), clock);
  ASSERT_TRUE(auth.has_value());
  const nlohmann::json claims = {{"iss", "https://idp.test"}, {"aud", "https://attest.azure.net"},
                                 {"sub", "alice"}, {"exp", 1800000600}, {"nbf", 1800000000},
                                 {"roles", {"AttestationPolicy.Write"}}};
  ASSERT_TRUE(auth->Authenticate("Bearer " + SignedJwt(idp, {{"alg", "ES256"}, {"kid", "k1"}},
                                                       claims))
                  .has_value());
  auto reason = [&](const nlohmann::json& header, const nlohmann::json& body) {
    std::string token = "Bearer " + SignedJwt(idp, header, body);
    StatusOr<Caller> result = Err(Status::Internal("threw"));
    EXPECT_NO_THROW(result = auth->Authenticate(token)) << header.dump() << body.dump();
    EXPECT_FALSE(result.has_value()) << header.dump() << body.dump();
    if (result.has_value()) return std::string("OK");
    EXPECT_EQ(result.error().code(), StatusCode::kUnauthenticated);
    return result.error().reason();
  };
  const nlohmann::json es256 = {{"alg", "ES256"}, {"kid", "k1"}};
  for (const nlohmann::json& alg : {nlohmann::json(123), nlohmann::json(nullptr),
                                    nlohmann::json::array({"ES256"}), nlohmann::json::object(),
                                    nlohmann::json(true), nlohmann::json(256.5)}) {
    EXPECT_EQ(reason({{"alg", alg}, {"kid", "k1"}}, claims), "BEARER_INVALID") << alg.dump();
  }
  EXPECT_EQ(reason({{"alg", "ES256"}, {"kid", 1}}, claims), "BEARER_INVALID");
  EXPECT_EQ(reason({{"alg", "EC"}, {"kid", "k1"}}, claims), "BEARER_INVALID");
  // issue 8 finding 10: a non-numeric exp or nbf is an error, not an absent claim.
  for (const char* member : {"exp", "nbf"}) {
    for (const nlohmann::json& value :
         {nlohmann::json("1800000600"), nlohmann::json(nullptr), nlohmann::json::array({1}),
          nlohmann::json::object(), nlohmann::json(false)}) {
      nlohmann::json body = claims;
      body[member] = value;
      EXPECT_EQ(reason(es256, body), "BEARER_INVALID") << member << "=" << value.dump();
    }
  }
  // A string nbf in the future used to be ignored, letting the token in early.
  nlohmann::json future = claims;
  future["nbf"] = "4000000000";
  EXPECT_EQ(reason(es256, future), "BEARER_INVALID");
  nlohmann::json early = claims;
  early["nbf"] = 1900000000;
  EXPECT_EQ(reason(es256, early), "BEARER_NOT_YET_VALID");
  for (const char* member : {"iss", "aud"}) {
    for (const nlohmann::json& value : {nlohmann::json(5), nlohmann::json::object()}) {
      nlohmann::json body = claims;
      body[member] = value;
      EXPECT_EQ(reason(es256, body), "BEARER_INVALID") << member << "=" << value.dump();
    }
  }
  // Roles and identity of the wrong type grant nothing and never throw.
  nlohmann::json odd = claims;
  odd["roles"] = 7;
  odd["sub"] = nlohmann::json::object();
  auto caller = auth->Authenticate("Bearer " + SignedJwt(idp, es256, odd));
  ASSERT_TRUE(caller.has_value());
  EXPECT_FALSE(caller->can_read);
  EXPECT_EQ(caller->identity, "");
}

TEST(BearerAuthenticatorTest, AcceptsRsaKeysWithRs256AndPs256AndHonoursTheJwkAlg) {
  crypto::EvpPkeyPtr rsa(EVP_RSA_gen(2048));
  auto jwk = *crypto::PublicJwk(rsa.get());
  jwk["kid"] = "r1";
  FixedClock clock(1800000000);
  BearerAuthOptions options;
  options.issuer = "https://idp.test";
  const nlohmann::json claims = {{"iss", "https://idp.test"}, {"exp", 1800000600},
                                 {"roles", "AttestationPolicy.Read"}};
  auto token = [&](crypto::JwsAlg alg) {
    return "Bearer " + *crypto::SignCompactJws(
                           alg, rsa.get(),
                           nlohmann::json({{"alg", std::string(crypto::JwsAlgName(alg))}, {"kid", "r1"}}).dump(),
                           claims.dump());
  };
  auto any = BearerAuthenticator::Create(options, nlohmann::json({{"keys", {jwk}}}).dump(), clock);
  ASSERT_TRUE(any.has_value()) << any.error().ToString();
  for (auto alg : {crypto::JwsAlg::kRs256, crypto::JwsAlg::kRs384, crypto::JwsAlg::kPs256}) {
    auto caller = any->Authenticate(token(alg));
    ASSERT_TRUE(caller.has_value()) << crypto::JwsAlgName(alg) << caller.error().ToString();
    EXPECT_TRUE(caller->can_read);
  }
  jwk["alg"] = "PS256";
  auto pinned = BearerAuthenticator::Create(options, nlohmann::json({{"keys", {jwk}}}).dump(), clock);
  ASSERT_TRUE(pinned.has_value());
  EXPECT_TRUE(pinned->Authenticate(token(crypto::JwsAlg::kPs256)).has_value());
  auto rs = pinned->Authenticate(token(crypto::JwsAlg::kRs256));
  ASSERT_FALSE(rs.has_value());
  EXPECT_EQ(rs.error().reason(), "BEARER_INVALID");
}

TEST(BearerAuthenticatorTest, RejectsBadJwks) {
  FixedClock clock(0);
  BearerAuthOptions options;
  options.issuer = "x";
  EXPECT_FALSE(BearerAuthenticator::Create(options, "[]", clock).has_value());
  EXPECT_FALSE(BearerAuthenticator::Create(options, R"({"keys":[]})", clock).has_value());
  EXPECT_FALSE(
      BearerAuthenticator::Create(options, R"({"keys":[{"kty":"RSA","n":"!","e":"AQAB"}]})", clock)
          .has_value());
  // JWKS members of the wrong JSON type are a configuration error, never a throw.
  for (const char* jwks :
       {R"({"keys":{}})", R"({"keys":[5]})", R"({"keys":[{"kty":5}]})",
        R"({"keys":[{"kty":"RSA","n":5,"e":"AQAB"}]})", R"({"keys":[{"kty":"EC","crv":1}]})",
        R"({"keys":[{"kty":"EC","crv":"P-256","x":[],"y":{}}]})",
        R"({"keys":[{"kty":"RSA","kid":1,"n":"AQAB","e":"AQAB"}]})",
        R"({"keys":[{"kty":"RSA","alg":["RS256"],"n":"AQAB","e":"AQAB"}]})",
        R"({"keys":[{"x5c":"MIIB"}]})", R"({"keys":[{"x5c":[1]}]})"}) {
    StatusOr<BearerAuthenticator> created = Err(Status::Internal("threw"));
    EXPECT_NO_THROW(created = BearerAuthenticator::Create(options, jwks, clock)) << jwks;
    ASSERT_FALSE(created.has_value()) << jwks;
    EXPECT_EQ(created.error().reason(), "AUTH_CONFIG_INVALID") << jwks;
  }
  options.issuer.clear();
  EXPECT_FALSE(BearerAuthenticator::Create(options, R"({"keys":[]})", clock).has_value());
}

}  // namespace
}  // namespace attest::service
