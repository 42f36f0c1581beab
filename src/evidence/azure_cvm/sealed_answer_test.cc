#include "evidence/azure_cvm/sealed_answer.h"

#include <gtest/gtest.h>
#include <openssl/rsa.h>

#include <nlohmann/json.hpp>

#include "base/encoding.h"
#include "crypto/aes_gcm.h"
#include "crypto/openssl_ptr.h"

namespace attest::evidence::azure_cvm {
namespace {

struct Keys {
  crypto::EvpPkeyPtr key{EVP_RSA_gen(2048)};
};

nlohmann::json Decode(const std::string& token) {
  Bytes raw = Base64UrlDecode(token).value();
  return nlohmann::json::parse(raw.begin(), raw.end());
}

std::string Encode(const nlohmann::json& j) {
  std::string s = j.dump();
  return Base64UrlEncode(ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

TEST(SealedAnswerTest, HasTheShapeMicrosoftsClientsRead) {
  Keys k;
  std::string token = SealGuestAnswer("a.b.c", k.key.get()).value();
  nlohmann::json j = Decode(token);
  EXPECT_EQ(j["EncryptionParams"]["Cipher"], "AES");
  EXPECT_EQ(j["EncryptionParams"]["BlockMode"], "ChainingModeGCM");
  EXPECT_EQ(j["EncryptionParams"]["BlockPadding"], "PKCS7");
  EXPECT_EQ(j["EncryptionParams"]["KeySizeInBits"], 256);
  EXPECT_EQ(Base64Decode(j["EncryptionParams"]["Iv"].get<std::string>())->size(), 12u);
  EXPECT_EQ(Base64Decode(j["AuthenticationData"].get<std::string>())->size(), 16u);
  EXPECT_EQ(Base64Decode(j["EncryptedInnerKey"].get<std::string>())->size(), 256u);
  EXPECT_EQ(Base64Decode(j["Jwt"].get<std::string>())->size(), 5u);  // GCM: as long as the JWT
}

TEST(SealedAnswerTest, OpensWithThePrivateKeyAsTheClientsDo) {
  Keys k;
  std::string token = SealGuestAnswer("header.payload.signature", k.key.get()).value();
  EXPECT_EQ(OpenGuestAnswer(token, SoftwareUnwrapper(k.key.get())).value(),
            "header.payload.signature");
  // The inner key is RSAES-PKCS1-v1_5-wrapped (what TPM2_RSA_Decrypt under TPM_ALG_RSAES
  // undoes), and the ciphertext is AES-256-GCM with "Transport Key" as additional data.
  nlohmann::json j = Decode(token);
  Bytes wrapped = Base64Decode(j["EncryptedInnerKey"].get<std::string>()).value();
  crypto::EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new(k.key.get(), nullptr));
  Bytes key(256);
  size_t size = key.size();
  ASSERT_EQ(EVP_PKEY_decrypt_init(ctx.get()), 1);
  ASSERT_EQ(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING), 1);
  ASSERT_EQ(EVP_PKEY_decrypt(ctx.get(), key.data(), &size, wrapped.data(), wrapped.size()), 1);
  key.resize(size);
  auto plain = crypto::AesGcmOpen(key, Base64Decode(j["EncryptionParams"]["Iv"].get<std::string>()).value(),
                                  crypto::AsBytes("Transport Key"),
                                  Base64Decode(j["Jwt"].get<std::string>()).value(),
                                  Base64Decode(j["AuthenticationData"].get<std::string>()).value());
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(std::string(plain->begin(), plain->end()), "header.payload.signature");
  EXPECT_FALSE(crypto::AesGcmOpen(key, Base64Decode(j["EncryptionParams"]["Iv"].get<std::string>()).value(),
                                  crypto::AsBytes("other"),
                                  Base64Decode(j["Jwt"].get<std::string>()).value(),
                                  Base64Decode(j["AuthenticationData"].get<std::string>()).value())
                   .has_value());
}

TEST(SealedAnswerTest, EveryAnswerHasAFreshKeyAndIv) {
  Keys k;
  nlohmann::json a = Decode(SealGuestAnswer("same", k.key.get()).value());
  nlohmann::json b = Decode(SealGuestAnswer("same", k.key.get()).value());
  EXPECT_NE(a["EncryptionParams"]["Iv"], b["EncryptionParams"]["Iv"]);
  EXPECT_NE(a["Jwt"], b["Jwt"]);
}

TEST(SealedAnswerTest, AnotherKeyOrATamperedAnswerDoesNotOpen) {
  Keys k;
  Keys other;
  std::string token = SealGuestAnswer("x.y.z", k.key.get()).value();
  EXPECT_FALSE(OpenGuestAnswer(token, SoftwareUnwrapper(other.key.get())).has_value());
  for (const char* member : {"Jwt", "AuthenticationData"}) {
    nlohmann::json j = Decode(token);
    Bytes b = Base64Decode(j[member].get<std::string>()).value();
    b[0] ^= 1;
    j[member] = Base64Encode(b);
    auto r = OpenGuestAnswer(Encode(j), SoftwareUnwrapper(k.key.get()));
    ASSERT_FALSE(r.has_value()) << member;
    EXPECT_EQ(r.error().reason(), "SEALED_ANSWER_INVALID");
  }
  nlohmann::json j = Decode(token);
  j["EncryptionParams"]["Iv"] = Base64Encode(Bytes(16, 0));
  EXPECT_EQ(OpenGuestAnswer(Encode(j), SoftwareUnwrapper(k.key.get())).error().reason(),
            "SEALED_ANSWER_INVALID");
  j = Decode(token);
  j["EncryptionParams"]["BlockMode"] = "ChainingModeCBC";
  EXPECT_EQ(OpenGuestAnswer(Encode(j), SoftwareUnwrapper(k.key.get())).error().reason(),
            "SEALED_ANSWER_INVALID");
  j = Decode(token);
  j.erase("Jwt");
  EXPECT_EQ(OpenGuestAnswer(Encode(j), SoftwareUnwrapper(k.key.get())).error().reason(),
            "SEALED_ANSWER_INVALID");
  EXPECT_EQ(OpenGuestAnswer("!!!", SoftwareUnwrapper(k.key.get())).error().reason(),
            "SEALED_ANSWER_INVALID");
  EXPECT_EQ(OpenGuestAnswer(Encode(nlohmann::json::array()), SoftwareUnwrapper(k.key.get()))
                .error()
                .reason(),
            "SEALED_ANSWER_INVALID");
}

}  // namespace
}  // namespace attest::evidence::azure_cvm
