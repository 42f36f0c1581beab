#include "crypto/ecdsa.h"

#include <gtest/gtest.h>

#include <openssl/ec.h>
#include <openssl/obj_mac.h>

#include "base/encoding.h"
#include "crypto/digest.h"

namespace attest::crypto {
namespace {

// A fresh P-256 key as raw x ‖ y plus a signer over SHA-256 digests.
struct TestKey {
  EvpPkeyPtr key;
  Bytes xy;

  TestKey() {
    key.reset(EVP_EC_gen("P-256"));
    uint8_t buf[65];
    size_t len = 0;
    EVP_PKEY_get_octet_string_param(key.get(), "pub", buf, sizeof buf, &len);
    xy.assign(buf + 1, buf + len);
  }
  Bytes SignRaw(ByteSpan data) const {
    Sha256Digest d = Sha256(data);
    EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new(key.get(), nullptr));
    EVP_PKEY_sign_init(ctx.get());
    uint8_t der[80];
    size_t der_len = sizeof der;
    EVP_PKEY_sign(ctx.get(), der, &der_len, d.data(), d.size());
    const uint8_t* p = der;
    EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_len)));
    Bytes rs(64);
    BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), rs.data(), 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), rs.data() + 32, 32);
    return rs;
  }
};

TEST(EcdsaTest, VerifiesRawSignatureAndRejectsAnyChange) {
  TestKey k;
  Bytes msg = ToBytes(std::string_view("attested message"));
  Bytes sig = k.SignRaw(msg);
  auto key = EcP256KeyFromRaw(k.xy, "R");
  ASSERT_TRUE(key.has_value());
  EXPECT_TRUE(VerifyEcdsaP256Sha256Raw(key->get(), msg, sig));
  Bytes other = msg;
  other[0] ^= 1;
  EXPECT_FALSE(VerifyEcdsaP256Sha256Raw(key->get(), other, sig));
  Bytes bad = sig;
  bad[63] ^= 1;
  EXPECT_FALSE(VerifyEcdsaP256Sha256Raw(key->get(), msg, bad));
  EXPECT_FALSE(VerifyEcdsaP256Sha256Raw(key->get(), msg, ByteSpan(sig).first(63)));
  Bytes zero(64, 0);
  EXPECT_FALSE(VerifyEcdsaP256Sha256Raw(key->get(), msg, zero));
}

TEST(EcdsaTest, RejectsPublicKeyNotOnTheCurve) {
  TestKey k;
  Bytes off = k.xy;
  off[63] ^= 1;  // y changed: (x, y') is not on P-256
  auto key = EcP256KeyFromRaw(off, "UNSUPPORTED_QUOTE_FORMAT");
  ASSERT_FALSE(key.has_value());
  EXPECT_EQ(key.error().reason(), "UNSUPPORTED_QUOTE_FORMAT");
  EXPECT_FALSE(EcP256KeyFromRaw(Bytes(64, 0), "R").has_value());
  EXPECT_FALSE(EcP256KeyFromRaw(Bytes(63, 1), "R").has_value());
}

}  // namespace
}  // namespace attest::crypto
