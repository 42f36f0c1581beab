#include "crypto/jws.h"

#include <gtest/gtest.h>
#include <openssl/rsa.h>

#include "base/encoding.h"
#include "crypto/digest.h"
#include "crypto/jwk.h"

namespace attest::crypto {
namespace {

std::string Seg(std::string_view json) { return Base64UrlEncode(AsBytes(json)); }

EVP_PKEY* Rsa2048() {
  static EvpPkeyPtr key(EVP_RSA_gen(2048));
  return key.get();
}
EVP_PKEY* P256() {
  static EvpPkeyPtr key(EVP_EC_gen("P-256"));
  return key.get();
}
EVP_PKEY* P384() {
  static EvpPkeyPtr key(EVP_EC_gen("P-384"));
  return key.get();
}

// What a plain OpenSSL client (the Azure SDK for C++, maa-real-clients.md §8) produces:
// EVP_DigestSign with SHA-256 and default parameters, for EC a DER ECDSA-Sig-Value.
Bytes OpenSslSign(EVP_PKEY* key, std::string_view input, int padding = 0, int salt = 0) {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  EXPECT_EQ(EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key), 1);
  if (padding != 0) {
    EXPECT_EQ(EVP_PKEY_CTX_set_rsa_padding(pctx, padding), 1);
    EXPECT_EQ(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt), 1);
  }
  size_t len = 0;
  EVP_DigestSign(ctx.get(), nullptr, &len, AsBytes(input).data(), input.size());
  Bytes sig(len);
  EXPECT_EQ(EVP_DigestSign(ctx.get(), sig.data(), &len, AsBytes(input).data(), input.size()), 1);
  sig.resize(len);
  return sig;
}

std::string Reason(const Status& s) { return s.ok() ? "OK" : s.reason(); }

TEST(JwsAlgTest, AzureSdkAliasesOnlyWhenAsked) {
  EXPECT_EQ(JwsAlgFromName("PS256"), JwsAlg::kPs256);
  EXPECT_EQ(JwsAlgFromName("ES384"), JwsAlg::kEs384);
  EXPECT_FALSE(JwsAlgFromName("EC").has_value());
  EXPECT_FALSE(JwsAlgFromName("RSA256").has_value());
  EXPECT_FALSE(JwsAlgFromName("rs256").has_value());  // RFC 7515 §4.1.1: case-sensitive
  EXPECT_EQ(JwsAlgFromName("EC", JwsAlgNames::kWithAzureSdkAliases), JwsAlg::kAzureSdkEcDer);
  EXPECT_EQ(JwsAlgFromName("RSA256", JwsAlgNames::kWithAzureSdkAliases), JwsAlg::kRs256);
  EXPECT_EQ(JwsAlgName(JwsAlg::kAzureSdkEcDer), "EC");
}

TEST(JwsTest, SignsAndVerifiesEveryAlgorithmAndRefusesTampering) {
  const std::vector<std::pair<JwsAlg, EVP_PKEY*>> cases = {
      {JwsAlg::kRs256, Rsa2048()}, {JwsAlg::kRs384, Rsa2048()}, {JwsAlg::kPs256, Rsa2048()},
      {JwsAlg::kEs256, P256()},    {JwsAlg::kEs384, P384()},    {JwsAlg::kAzureSdkEcDer, P256()}};
  for (const auto& [alg, key] : cases) {
    const std::string name(JwsAlgName(alg));
    const std::string header = R"({"alg":")" + name + R"(","kid":"k"})";
    auto jws = SignCompactJws(alg, key, header, R"({"a":1})");
    ASSERT_TRUE(jws.has_value()) << name << ": " << jws.error().ToString();
    auto parsed = ParseCompactJws(*jws);
    ASSERT_TRUE(parsed.has_value()) << name;
    EXPECT_EQ(parsed->alg, name);
    EXPECT_EQ(parsed->kid, "k");
    EXPECT_EQ(parsed->payload["a"], 1);
    if (alg == JwsAlg::kEs256) {
      EXPECT_EQ(parsed->signature.size(), 64u);
    }
    if (alg == JwsAlg::kEs384) {
      EXPECT_EQ(parsed->signature.size(), 96u);
    }
    EXPECT_TRUE(VerifyJwsSignature(alg, key, parsed->signing_input, parsed->signature).ok())
        << name;
    std::string other_input = parsed->signing_input + "x";
    EXPECT_EQ(Reason(VerifyJwsSignature(alg, key, other_input, parsed->signature)),
              "JWS_SIGNATURE_INVALID")
        << name;
    Bytes bad = parsed->signature;
    bad[bad.size() / 2] ^= 0x01;
    EXPECT_EQ(Reason(VerifyJwsSignature(alg, key, parsed->signing_input, bad)),
              "JWS_SIGNATURE_INVALID")
        << name;
  }
}

TEST(JwsTest, AzureSdkEcFormIsDerAndDistinctFromEs256) {
  const std::string input = Seg(R"({"alg":"EC"})") + "." + Seg(R"({"a":1})");
  const Bytes der = OpenSslSign(P256(), input);
  ASSERT_EQ(der[0], 0x30);  // a DER SEQUENCE, not r ‖ s
  EXPECT_TRUE(VerifyJwsSignature(JwsAlg::kAzureSdkEcDer, P256(), input, der).ok());
  // The DER signature is not an ES256 signature, nor r ‖ s an "EC" one.
  EXPECT_EQ(Reason(VerifyJwsSignature(JwsAlg::kEs256, P256(), input, der)),
            "JWS_SIGNATURE_INVALID");
  auto raw = SignJwsInput(JwsAlg::kEs256, P256(), input);
  ASSERT_TRUE(raw.has_value());
  EXPECT_EQ(Reason(VerifyJwsSignature(JwsAlg::kAzureSdkEcDer, P256(), input, *raw)),
            "JWS_SIGNATURE_INVALID");
  // Trailing bytes after the DER signature are refused.
  Bytes padded = der;
  padded.push_back(0);
  EXPECT_EQ(Reason(VerifyJwsSignature(JwsAlg::kAzureSdkEcDer, P256(), input, padded)),
            "JWS_SIGNATURE_INVALID");
}

TEST(JwsTest, Ps256IsRfc7518Pss) {
  // RFC 7518 §3.5: salt length = 32 for PS256; another salt length does not verify.
  const std::string input = "header.payload";
  EXPECT_TRUE(VerifyJwsSignature(JwsAlg::kPs256, Rsa2048(), input,
                                 OpenSslSign(Rsa2048(), input, RSA_PKCS1_PSS_PADDING, 32))
                  .ok());
  EXPECT_EQ(Reason(VerifyJwsSignature(JwsAlg::kPs256, Rsa2048(), input,
                                      OpenSslSign(Rsa2048(), input, RSA_PKCS1_PSS_PADDING, 20))),
            "JWS_SIGNATURE_INVALID");
  // A PKCS#1 v1.5 signature is not PS256, and the other way round.
  EXPECT_EQ(Reason(VerifyJwsSignature(JwsAlg::kPs256, Rsa2048(), input,
                                      OpenSslSign(Rsa2048(), input))),
            "JWS_SIGNATURE_INVALID");
  EXPECT_EQ(Reason(VerifyJwsSignature(JwsAlg::kRs256, Rsa2048(), input,
                                      OpenSslSign(Rsa2048(), input, RSA_PKCS1_PSS_PADDING, 32))),
            "JWS_SIGNATURE_INVALID");
}

TEST(JwsTest, RefusesAKeyThatDoesNotFitTheAlgorithm) {
  EvpPkeyPtr small(EVP_RSA_gen(1024));
  const Bytes sig(64, 1);
  const std::vector<std::pair<JwsAlg, EVP_PKEY*>> cases = {
      {JwsAlg::kEs256, Rsa2048()},      {JwsAlg::kRs256, P256()},
      {JwsAlg::kPs256, P256()},         {JwsAlg::kEs256, P384()},
      {JwsAlg::kEs384, P256()},         {JwsAlg::kAzureSdkEcDer, P384()},
      {JwsAlg::kAzureSdkEcDer, Rsa2048()}, {JwsAlg::kRs256, small.get()},
      {JwsAlg::kRs256, nullptr}};
  for (const auto& [alg, key] : cases) {
    EXPECT_EQ(Reason(VerifyJwsSignature(alg, key, "a.b", sig)), "JWS_KEY_UNSUITABLE")
        << JwsAlgName(alg);
  }
  EXPECT_EQ(Reason(VerifyJwsSignature(JwsAlg::kNone, P256(), "a.b", {})), "JWS_UNSUPPORTED_ALG");
  EXPECT_FALSE(SignJwsInput(JwsAlg::kEs256, Rsa2048(), "a.b").has_value());
  // The header given to the signer must name the algorithm it signs with.
  EXPECT_FALSE(SignCompactJws(JwsAlg::kEs256, P256(), R"({"alg":"RS256"})", "{}").has_value());
}

TEST(JwsTest, RefusesHeadersWithWrongJsonTypes) {
  const std::string p = Seg(R"({"a":1})");
  for (const char* header :
       {R"({"alg":123})", R"({"alg":null})", R"({"alg":["RS256"]})", R"({"alg":{"x":1}})",
        R"({"alg":true})", R"({"typ":"JWT"})", R"({"alg":"RS256","kid":5})",
        R"({"alg":"RS256","kid":["a"]})", R"({"alg":"RS256","crit":["exp"]})"}) {
    auto parsed = ParseCompactJws(Seg(header) + "." + p + ".AQ");
    ASSERT_FALSE(parsed.has_value()) << header;
    EXPECT_EQ(parsed.error().reason(), "JWS_MALFORMED") << header;
    EXPECT_EQ(parsed.error().code(), StatusCode::kInvalidArgument);
  }
}

TEST(JwsTest, EmptyPayloadAndPaddingOnlyWhenAllowed) {
  const std::string h = Seg(R"({"alg":"none"})");
  EXPECT_EQ(ParseCompactJws(h + "..").error().reason(), "JWS_MALFORMED");
  auto reset = ParseCompactJws(h + "..", {.allow_empty_payload = true});
  ASSERT_TRUE(reset.has_value());
  EXPECT_TRUE(reset->payload.is_null());
  const std::string padded = h + "." + Seg("{}") + "=.";
  EXPECT_TRUE(ParseCompactJws(padded).has_value());
  EXPECT_EQ(ParseCompactJws(padded, {.canonical_base64url = true}).error().reason(),
            "JWS_MALFORMED");
  EXPECT_EQ(ParseCompactJws(h + "." + Seg("{}") + ".", {.max_size = 8}).error().reason(),
            "JWS_MALFORMED");
  for (const char* bad : {"", "abc", "a.b", "a.b.c.d", "!!.e30.", "e30.!!.", "W10.e30."}) {
    EXPECT_EQ(ParseCompactJws(bad).error().reason(), "JWS_MALFORMED") << bad;
  }
  EXPECT_EQ(UnsecuredCompactJws(R"({"a":1})"), "eyJhbGciOiJub25lIn0.eyJhIjoxfQ.");
}

TEST(JwkTest, ExportsAndImportsRsaAndEcKeys) {
  for (EVP_PKEY* key : {Rsa2048(), P256(), P384()}) {
    auto jwk = PublicJwk(key);
    ASSERT_TRUE(jwk.has_value()) << jwk.error().ToString();
    auto back = PublicKeyFromJwk(*jwk, "R");
    ASSERT_TRUE(back.has_value()) << back.error().ToString();
    EXPECT_EQ(EVP_PKEY_eq(key, back->get()), 1);
    EXPECT_TRUE(JwkThumbprint(key).has_value());
  }
  EXPECT_EQ((*PublicJwk(P256()))["crv"], "P-256");
  EXPECT_EQ((*PublicJwk(P384()))["crv"], "P-384");
  EXPECT_EQ(*DefaultJwsAlg(Rsa2048()), JwsAlg::kRs256);
  EXPECT_EQ(*DefaultJwsAlg(P256()), JwsAlg::kEs256);
  EXPECT_EQ(*DefaultJwsAlg(P384()), JwsAlg::kEs384);
}

TEST(JwkTest, Rfc7638ThumbprintOfAnRsaKeyIsOverERequiredMembersInOrder) {
  auto jwk = *PublicJwk(Rsa2048());
  const std::string canonical = R"({"e":")" + jwk["e"].get<std::string>() +
                                R"(","kty":"RSA","n":")" + jwk["n"].get<std::string>() + R"("})";
  EXPECT_EQ(*JwkThumbprint(Rsa2048()), Base64UrlEncode(Sha256(AsBytes(canonical))));
}

TEST(JwkTest, RefusesMembersOfTheWrongJsonType) {
  auto ec = *PublicJwk(P256());
  auto rsa = *PublicJwk(Rsa2048());
  std::vector<nlohmann::json> bad;
  bad.push_back(nlohmann::json::array());
  bad.push_back({{"kty", 1}});
  bad.push_back({{"kty", "oct"}, {"k", "AAAA"}});
  for (const char* member : {"x", "y", "crv"}) {
    nlohmann::json j = ec;
    j[member] = 5;
    bad.push_back(j);
    j[member] = nlohmann::json::array({ec[member]});
    bad.push_back(j);
  }
  for (const char* member : {"n", "e"}) {
    nlohmann::json j = rsa;
    j[member] = nlohmann::json::object();
    bad.push_back(j);
  }
  nlohmann::json off_curve = ec;
  off_curve["y"] = Base64UrlEncode(Bytes(32, 0x11));
  bad.push_back(off_curve);
  bad.push_back({{"x5c", "MIIB"}});
  bad.push_back({{"x5c", nlohmann::json::array({7})}});
  bad.push_back({{"x5c", nlohmann::json::array({"bm90IGEgY2VydA"})}});
  for (const nlohmann::json& jwk : bad) {
    auto key = PublicKeyFromJwk(jwk, "MY_REASON");
    ASSERT_FALSE(key.has_value()) << jwk.dump();
    EXPECT_EQ(key.error().reason(), "MY_REASON") << jwk.dump();
  }
}

}  // namespace
}  // namespace attest::crypto
