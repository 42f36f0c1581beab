#include "service/policy_service.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "base/encoding.h"
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

TEST(BearerAuthenticatorTest, RejectsBadJwks) {
  FixedClock clock(0);
  BearerAuthOptions options;
  options.issuer = "x";
  EXPECT_FALSE(BearerAuthenticator::Create(options, "[]", clock).has_value());
  EXPECT_FALSE(BearerAuthenticator::Create(options, R"({"keys":[]})", clock).has_value());
  EXPECT_FALSE(
      BearerAuthenticator::Create(options, R"({"keys":[{"kty":"RSA","n":"!","e":"AQAB"}]})", clock)
          .has_value());
  options.issuer.clear();
  EXPECT_FALSE(BearerAuthenticator::Create(options, R"({"keys":[]})", clock).has_value());
}

}  // namespace
}  // namespace attest::service
