// Token validation and JWKS parsing against a key and certificate minted here with OpenSSL.
#include "client/token_validator.h"

#include <gtest/gtest.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <set>

#include "base/encoding.h"
#include "client/attestation_signer.h"
#include "client/jwt.h"
#include "crypto/openssl_ptr.h"

namespace attest::client {
namespace {

constexpr UnixTime kIssuedAt = 1'700'000'000;
constexpr char kIssuer[] = "https://attest.test:8443";

struct MintedSigner {
  crypto::EvpPkeyPtr key;
  crypto::Certificate cert;
};

crypto::EvpPkeyPtr NewRsaKey() { return crypto::EvpPkeyPtr(EVP_RSA_gen(2048)); }
crypto::EvpPkeyPtr NewEcKey() { return crypto::EvpPkeyPtr(EVP_EC_gen("P-256")); }

// A self-signed certificate over `key`, as attestd and MAA publish at /certs.
MintedSigner Mint(crypto::EvpPkeyPtr key) {
  crypto::X509Ptr x509(X509_new());
  X509_set_version(x509.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x509.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(x509.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(x509.get()), 86400);
  X509_set_pubkey(x509.get(), key.get());
  X509_NAME* name = X509_get_subject_name(x509.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(kIssuer), -1, -1, 0);
  X509_set_issuer_name(x509.get(), name);
  EXPECT_GT(X509_sign(x509.get(), key.get(), EVP_sha256()), 0);
  unsigned char* der = nullptr;
  int len = i2d_X509(x509.get(), &der);
  Bytes bytes(der, der + len);
  OPENSSL_free(der);
  auto cert = crypto::Certificate::FromDer(bytes);
  EXPECT_TRUE(cert.has_value());
  return MintedSigner{std::move(key), std::move(cert).value()};
}

// RS256 over "<header>.<payload>" with `key`.
std::string Sign(const nlohmann::json& header, const nlohmann::json& claims, EVP_PKEY* key) {
  std::string input = Base64UrlEncode(AsBytes(header.dump())) + "." +
                      Base64UrlEncode(AsBytes(claims.dump()));
  crypto::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  EXPECT_EQ(EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key), 1);
  size_t len = 0;
  ByteSpan in = AsBytes(input);
  EXPECT_EQ(EVP_DigestSign(ctx.get(), nullptr, &len, in.data(), in.size()), 1);
  Bytes sig(len);
  EXPECT_EQ(EVP_DigestSign(ctx.get(), sig.data(), &len, in.data(), in.size()), 1);
  sig.resize(len);
  return input + "." + Base64UrlEncode(sig);
}

class TokenValidatorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    signer_ = new MintedSigner(Mint(NewRsaKey()));
    other_ = new MintedSigner(Mint(NewRsaKey()));
  }
  static void TearDownTestSuite() {
    delete signer_;
    delete other_;
  }

  static nlohmann::json Header(const std::string& kid = "key-1") {
    return {{"alg", "RS256"}, {"jku", std::string(kIssuer) + "/certs"}, {"kid", kid},
            {"typ", "JWT"}};
  }
  static nlohmann::json Claims() {
    return {{"iss", kIssuer},
            {"iat", kIssuedAt},
            {"nbf", kIssuedAt},
            {"exp", kIssuedAt + 28800},
            {"x-ms-attestation-type", "sgx"},
            {"x-ms-sgx-mrenclave", "ab12"}};
  }
  std::vector<AttestationSigner> Signers() const {
    return {AttestationSigner{"key-1", {signer_->cert}},
            AttestationSigner{"key-2", {other_->cert}}};
  }
  TokenValidationOptions Options(UnixTime now = kIssuedAt + 10) {
    clock_ = std::make_unique<FixedClock>(now);
    TokenValidationOptions options;
    options.expected_issuer = kIssuer;
    options.clock = clock_.get();
    options.clock_skew_seconds = 60;
    return options;
  }
  std::string Reason(std::string_view token, const TokenValidationOptions& options) {
    auto result = ValidateAttestationToken(token, Signers(), options);
    return result.has_value() ? "OK" : result.error().reason();
  }

  static MintedSigner* signer_;
  static MintedSigner* other_;
  std::unique_ptr<FixedClock> clock_;
};

MintedSigner* TokenValidatorTest::signer_ = nullptr;
MintedSigner* TokenValidatorTest::other_ = nullptr;

TEST_F(TokenValidatorTest, AcceptsTokenSignedByKeyNamedByKid) {
  std::string token = Sign(Header(), Claims(), signer_->key.get());
  auto claims = ValidateAttestationToken(token, Signers(), Options());
  ASSERT_TRUE(claims.has_value()) << claims.error().ToString();
  EXPECT_EQ((*claims)["x-ms-sgx-mrenclave"], "ab12");
  EXPECT_EQ((*claims)["iss"], kIssuer);
}

TEST_F(TokenValidatorTest, RejectsTamperedPayload) {
  std::string token = Sign(Header(), Claims(), signer_->key.get());
  nlohmann::json forged = Claims();
  forged["x-ms-sgx-mrenclave"] = "cd34";
  size_t dot1 = token.find('.');
  size_t dot2 = token.find('.', dot1 + 1);
  std::string tampered = token.substr(0, dot1 + 1) + Base64UrlEncode(AsBytes(forged.dump())) +
                         token.substr(dot2);
  EXPECT_EQ(Reason(tampered, Options()), "TOKEN_SIGNATURE_INVALID");
}

TEST_F(TokenValidatorTest, RejectsTokenWhoseKidIsNotPublished) {
  std::string token = Sign(Header("key-unknown"), Claims(), signer_->key.get());
  EXPECT_EQ(Reason(token, Options()), "TOKEN_SIGNER_NOT_FOUND");
  nlohmann::json no_kid = Header();
  no_kid.erase("kid");
  EXPECT_EQ(Reason(Sign(no_kid, Claims(), signer_->key.get()), Options()),
            "TOKEN_SIGNER_NOT_FOUND");
}

TEST_F(TokenValidatorTest, RejectsTokenSignedByAnotherPublishedKey) {
  // kid names key-1 but key-2 signed: the kid must select the verifying key.
  std::string token = Sign(Header("key-1"), Claims(), other_->key.get());
  EXPECT_EQ(Reason(token, Options()), "TOKEN_SIGNATURE_INVALID");
}

TEST_F(TokenValidatorTest, RejectsExpiredTokenBeyondClockSkew) {
  std::string token = Sign(Header(), Claims(), signer_->key.get());
  UnixTime exp = kIssuedAt + 28800;
  EXPECT_EQ(Reason(token, Options(exp + 60)), "OK");  // within the skew
  EXPECT_EQ(Reason(token, Options(exp + 61)), "TOKEN_EXPIRED");
}

TEST_F(TokenValidatorTest, RejectsTokenNotYetValid) {
  std::string token = Sign(Header(), Claims(), signer_->key.get());
  EXPECT_EQ(Reason(token, Options(kIssuedAt - 60)), "OK");
  EXPECT_EQ(Reason(token, Options(kIssuedAt - 61)), "TOKEN_NOT_YET_VALID");
}

TEST_F(TokenValidatorTest, RejectsTokenWithoutExpiration) {
  nlohmann::json claims = Claims();
  claims.erase("exp");
  EXPECT_EQ(Reason(Sign(Header(), claims, signer_->key.get()), Options()), "TOKEN_NO_EXPIRATION");
  claims["exp"] = "tomorrow";
  EXPECT_EQ(Reason(Sign(Header(), claims, signer_->key.get()), Options()), "TOKEN_MALFORMED");
}

TEST_F(TokenValidatorTest, RejectsWrongOrMissingIssuer) {
  nlohmann::json claims = Claims();
  claims["iss"] = "https://evil.test";
  EXPECT_EQ(Reason(Sign(Header(), claims, signer_->key.get()), Options()),
            "TOKEN_ISSUER_MISMATCH");
  claims["iss"] = std::string(kIssuer) + "/";  // exact comparison, as the SDKs do
  EXPECT_EQ(Reason(Sign(Header(), claims, signer_->key.get()), Options()),
            "TOKEN_ISSUER_MISMATCH");
  claims.erase("iss");
  EXPECT_EQ(Reason(Sign(Header(), claims, signer_->key.get()), Options()),
            "TOKEN_ISSUER_MISMATCH");
}

TEST_F(TokenValidatorTest, EachDefectHasItsOwnReason) {
  nlohmann::json wrong_iss = Claims();
  wrong_iss["iss"] = "https://other.test";
  std::string good = Sign(Header(), Claims(), signer_->key.get());
  std::set<std::string> reasons = {
      Reason(good.substr(0, good.size() - 4) + "AAAA", Options()),
      Reason(Sign(Header("nope"), Claims(), signer_->key.get()), Options()),
      Reason(good, Options(kIssuedAt + 28800 + 3600)),
      Reason(Sign(Header(), wrong_iss, signer_->key.get()), Options()),
  };
  EXPECT_EQ(reasons.size(), 4u);
  EXPECT_EQ(reasons.count("OK"), 0u);
}

TEST_F(TokenValidatorTest, RejectsUnsignedAndNonRs256Tokens) {
  std::string body = Base64UrlEncode(AsBytes(Claims().dump()));
  std::string none = Base64UrlEncode(AsBytes(R"({"alg":"none"})")) + "." + body + ".";
  EXPECT_EQ(Reason(none, Options()), "TOKEN_ALGORITHM_UNSUPPORTED");
  nlohmann::json hs = Header();
  hs["alg"] = "HS256";
  EXPECT_EQ(Reason(Sign(hs, Claims(), signer_->key.get()), Options()),
            "TOKEN_ALGORITHM_UNSUPPORTED");
}

TEST_F(TokenValidatorTest, RejectsSignerWhoseCertificateIsNotRsa) {
  MintedSigner ec = Mint(NewEcKey());
  std::vector<AttestationSigner> signers = {AttestationSigner{"key-1", {ec.cert}}};
  std::string token = Sign(Header(), Claims(), signer_->key.get());
  auto result = ValidateAttestationToken(token, signers, Options());
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().reason(), "TOKEN_KEY_UNSUITABLE");
}

TEST_F(TokenValidatorTest, SkipsIssuerCheckOnlyWhenNoIssuerExpected) {
  nlohmann::json claims = Claims();
  claims["iss"] = "https://elsewhere.test";
  TokenValidationOptions options = Options();
  options.expected_issuer.clear();
  EXPECT_EQ(Reason(Sign(Header(), claims, signer_->key.get()), options), "OK");
}

TEST_F(TokenValidatorTest, ParsesJwksWithX5cAndFindsSignerByKid) {
  nlohmann::json jwks = {
      {"keys",
       {{{"kid", "key-1"}, {"kty", "RSA"}, {"x5c", {Base64Encode(signer_->cert.der())}}},
        {{"kid", "no-x5c"}, {"kty", "RSA"}, {"n", "AQAB"}, {"e", "AQAB"}},
        {{"kid", "key-2"},
         {"kty", "RSA"},
         {"x5c", {Base64Encode(other_->cert.der()), Base64Encode(signer_->cert.der())}}}}}};
  auto signers = ParseJwks(jwks.dump());
  ASSERT_TRUE(signers.has_value()) << signers.error().ToString();
  ASSERT_EQ(signers->size(), 2u);  // the key without x5c is unusable and skipped
  const AttestationSigner* key2 = FindSigner(*signers, "key-2");
  ASSERT_NE(key2, nullptr);
  EXPECT_EQ(key2->certificates.size(), 2u);
  EXPECT_EQ(key2->certificates[0].der(), other_->cert.der());
  EXPECT_EQ(FindSigner(*signers, "missing"), nullptr);

  // The parsed signers verify a real token end to end.
  std::string token = Sign(Header("key-2"), Claims(), other_->key.get());
  EXPECT_TRUE(ValidateAttestationToken(token, *signers, Options()).has_value());
}

TEST_F(TokenValidatorTest, RejectsMalformedJwks) {
  std::string good_cert = Base64Encode(signer_->cert.der());
  for (const std::string& bad : {
           std::string("not json"),
           std::string(R"([])"),
           std::string(R"({"keys":{}})"),
           std::string(R"({"keys":[1]})"),
           std::string(R"({"keys":[{"x5c":[")") + good_cert + R"("]}]})",        // no kid
           std::string(R"({"keys":[{"kid":"k","x5c":[]}]})"),                    // empty x5c
           std::string(R"({"keys":[{"kid":"k","x5c":["!!!"]}]})"),               // not base64
           std::string(R"({"keys":[{"kid":"k","x5c":["AAAA"]}]})"),              // not DER
       }) {
    auto signers = ParseJwks(bad);
    ASSERT_FALSE(signers.has_value()) << bad;
    EXPECT_EQ(signers.error().reason(), "INVALID_JWKS") << bad;
  }
}

}  // namespace
}  // namespace attest::client
