#include "testing/test_key.h"

#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/x509.h>

#include "crypto/openssl_ptr.h"
#include "testing/testing_ptr.h"

namespace attest::testing {

TestKey TestKey::Generate() {
  EVP_PKEY* raw = EVP_EC_gen("P-256");
  BuilderCheck(raw != nullptr, "EVP_EC_gen(P-256)");
  return TestKey(std::shared_ptr<EVP_PKEY>(raw, EVP_PKEY_free));
}

Bytes TestKey::SpkiDer() const {
  int len = i2d_PUBKEY(key_.get(), nullptr);
  BuilderCheck(len > 0, "i2d_PUBKEY");
  Bytes der(static_cast<size_t>(len));
  uint8_t* p = der.data();
  i2d_PUBKEY(key_.get(), &p);
  return der;
}

Bytes TestKey::PublicRaw() const {
  // A P-256 SubjectPublicKeyInfo ends with the 65-byte uncompressed point 04 ‖ x ‖ y.
  Bytes spki = SpkiDer();
  BuilderCheck(spki.size() >= 65 && spki[spki.size() - 65] == 0x04, "uncompressed P-256 point");
  return Bytes(spki.end() - 64, spki.end());
}

Bytes TestKey::SignRaw(ByteSpan data) const {
  crypto::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  BuilderCheck(ctx != nullptr, "EVP_MD_CTX_new");
  BuilderCheck(EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get()) == 1,
               "EVP_DigestSignInit");
  size_t der_len = 0;
  BuilderCheck(EVP_DigestSign(ctx.get(), nullptr, &der_len, data.data(), data.size()) == 1,
               "EVP_DigestSign (size)");
  Bytes der(der_len);
  BuilderCheck(EVP_DigestSign(ctx.get(), der.data(), &der_len, data.data(), data.size()) == 1,
               "EVP_DigestSign");
  const uint8_t* p = der.data();
  crypto::EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_len)));
  BuilderCheck(sig != nullptr, "d2i_ECDSA_SIG");
  Bytes rs(64);
  BuilderCheck(BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), rs.data(), 32) == 32 &&
                   BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), rs.data() + 32, 32) == 32,
               "ECDSA r/s to 32 bytes");
  return rs;
}

}  // namespace attest::testing
