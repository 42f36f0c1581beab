#include "token/signing_key.h"

#include <gtest/gtest.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>

#include "base/encoding.h"
#include "crypto/digest.h"
#include "base/file.h"
#include "token/jwks.h"
#include "token/jws.h"
#include "token/token_issuer.h"

namespace attest::token {
namespace {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/attestd-token-test-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

unsigned FileMode(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

TEST(SigningKeyTest, CreatesKeyAndCertificateWithOwnerOnlyPermissions) {
  TempDir dir;
  auto key = SigningKey::LoadOrCreate(dir.path(), "https://attest.example");
  ASSERT_TRUE(key.has_value()) << key.error().ToString();
  EXPECT_TRUE(key->created());
  EXPECT_EQ(FileMode(dir.path() + "/token-signing-key.pem"), 0600u);
  EXPECT_EQ(FileMode(dir.path() + "/token-signing-cert.pem"), 0600u);
  EXPECT_EQ(key->kid().size(), 43u);  // base64url of a SHA-256 thumbprint
  EXPECT_EQ(EVP_PKEY_get_bits(key->public_key()), 2048);
}

TEST(SigningKeyTest, ReloadKeepsKidAndDeletedKeyIsRegenerated) {
  TempDir dir;
  auto first = SigningKey::LoadOrCreate(dir.path(), "https://attest.example");
  ASSERT_TRUE(first.has_value());
  auto second = SigningKey::LoadOrCreate(dir.path(), "https://attest.example");
  ASSERT_TRUE(second.has_value());
  EXPECT_FALSE(second->created());
  EXPECT_EQ(first->kid(), second->kid());
  EXPECT_EQ(first->certificate_der(), second->certificate_der());

  std::filesystem::remove(dir.path() + "/token-signing-key.pem");
  auto third = SigningKey::LoadOrCreate(dir.path(), "https://attest.example");
  ASSERT_TRUE(third.has_value());
  EXPECT_TRUE(third->created());
  EXPECT_NE(third->kid(), first->kid());
}

TEST(SigningKeyTest, CertificateIsReissuedForNewBaseUrlWithSameKid) {
  TempDir dir;
  auto first = SigningKey::LoadOrCreate(dir.path(), "https://a.example");
  ASSERT_TRUE(first.has_value());
  auto second = SigningKey::LoadOrCreate(dir.path(), "https://b.example");
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(first->kid(), second->kid());
  EXPECT_NE(first->certificate_der(), second->certificate_der());
  const unsigned char* p = second->certificate_der().data();
  crypto::X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(second->certificate_der().size())));
  ASSERT_TRUE(cert);
  char cn[128] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert.get()), NID_commonName, cn, sizeof cn);
  EXPECT_STREQ(cn, "https://b.example");
}

TEST(SigningKeyTest, RefusesToReplaceAnUnusableKeyFile) {
  TempDir dir;
  std::string junk = "not a key";
  ASSERT_TRUE(WriteFileAtomic(dir.path() + "/token-signing-key.pem", AsBytes(junk), 0600).ok());
  auto key = SigningKey::LoadOrCreate(dir.path(), "https://attest.example");
  ASSERT_FALSE(key.has_value());
  EXPECT_EQ(key.error().reason(), "SIGNING_KEY_UNUSABLE");
}

TEST(JwsTest, SignedTokenVerifiesAndTamperingIsDetected) {
  auto key = SigningKey::Generate("https://attest.example");
  ASSERT_TRUE(key.has_value());
  FixedClock clock(1700000000);
  TokenIssuer issuer(*key, "https://attest.example", clock);
  auto token = issuer.IssueAttestationToken({{"x-ms-ver", "1.0"}});
  ASSERT_TRUE(token.has_value()) << token.error().ToString();

  auto parsed = VerifyCompactJwsRs256(*token, key->public_key());
  ASSERT_TRUE(parsed.has_value()) << parsed.error().ToString();
  EXPECT_EQ(parsed->header.dump(),
            R"({"alg":"RS256","jku":"https://attest.example/certs","kid":")" + key->kid() +
                R"(","typ":"JWT"})");
  EXPECT_EQ(parsed->payload["iat"], 1700000000);
  EXPECT_EQ(parsed->payload["nbf"], 1700000000);
  EXPECT_EQ(parsed->payload["exp"], 1700000000 + 28800);
  EXPECT_EQ(parsed->payload["iss"], "https://attest.example");
  EXPECT_EQ(parsed->payload["jti"].get<std::string>().size(), 64u);

  std::string tampered = *token;
  size_t dot = tampered.find('.');
  tampered[dot + 2] = tampered[dot + 2] == 'A' ? 'B' : 'A';
  auto bad = VerifyCompactJwsRs256(tampered, key->public_key());
  ASSERT_FALSE(bad.has_value());
}

TEST(JwsTest, UnsecuredTokenHasNoneHeaderAndEmptySignature) {
  std::string jws = UnsecuredCompactJws({{"a", 1}});
  EXPECT_EQ(jws, "eyJhbGciOiJub25lIn0.eyJhIjoxfQ.");
  auto parsed = ParseCompactJws(jws);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_TRUE(parsed->signature.empty());
  EXPECT_FALSE(VerifyCompactJwsRs256(jws, nullptr).has_value());
}

TEST(JwsTest, RejectsMalformedTokens) {
  for (const char* bad : {"", "abc", "a.b", "a.b.c.d", "!!.e30.", "e30.!!.", "W10.e30."}) {
    auto parsed = ParseCompactJws(bad);
    ASSERT_FALSE(parsed.has_value()) << bad;
    EXPECT_EQ(parsed.error().reason(), "JWS_MALFORMED") << bad;
  }
}

TEST(JwksTest, PublishesKidKtyAndStandardBase64Certificate) {
  auto key = SigningKey::Generate("https://attest.example");
  ASSERT_TRUE(key.has_value());
  nlohmann::json jwks = JwkSet({&*key});
  ASSERT_EQ(jwks["keys"].size(), 1u);
  const nlohmann::json& jwk = jwks["keys"][0];
  EXPECT_EQ(jwk.size(), 7u);
  EXPECT_EQ(jwk["kid"], key->kid());
  EXPECT_EQ(jwk["use"], "sig");
  EXPECT_EQ(jwk["alg"], "RS256");
  // kid is the RFC 7638 thumbprint, so recomputing it from the published n and e proves them.
  std::string canonical = R"({"e":")" + jwk["e"].get<std::string>() + R"(","kty":"RSA","n":")" +
                          jwk["n"].get<std::string>() + R"("})";
  crypto::Sha256Digest d = crypto::Sha256(AsBytes(canonical));
  EXPECT_EQ(Base64UrlEncode(d), key->kid());
  EXPECT_EQ(jwk["kty"], "RSA");
  auto der = Base64Decode(jwk["x5c"][0].get<std::string>());
  ASSERT_TRUE(der.has_value());
  EXPECT_EQ(*der, key->certificate_der());
  constexpr std::string_view kTypeClaims[] = {"x-ms-sgx-mrenclave", "tdx_mrtd"};
  nlohmann::json meta = OpenIdMetadata("https://attest.example", kTypeClaims);
  EXPECT_EQ(meta["jwks_uri"], "https://attest.example/certs");
  EXPECT_EQ(meta["issuer"], "https://attest.example");
  EXPECT_EQ(meta["claims_supported"],
            nlohmann::json({"cnf", "nonce", "x-ms-ver", "x-ms-attestation-type", "x-ms-policy-hash",
                            "x-ms-policy-signer", "x-ms-sgx-mrenclave", "tdx_mrtd"}));
}

}  // namespace
}  // namespace attest::token
