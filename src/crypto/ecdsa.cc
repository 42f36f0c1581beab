#include "crypto/ecdsa.h"

#include <openssl/core_names.h>
#include <openssl/param_build.h>

#include "base/reasons.h"
#include "crypto/digest.h"

namespace attest::crypto {

StatusOr<EvpPkeyPtr> EcP256KeyFromRaw(ByteSpan xy, std::string_view reason) {
  if (xy.size() != 64) {
    return Err(Status::InvalidEvidence(std::string(reason), "P-256 public key must be 64 bytes"));
  }
  uint8_t point[65];
  point[0] = 0x04;
  std::copy(xy.begin(), xy.end(), point + 1);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
                                       const_cast<char*>("prime256v1"), 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point),
      OSSL_PARAM_construct_end()};
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
    return Err(Status::InvalidEvidence(std::string(reason), "P-256 public key is not a valid point"));
  }
  // The import decodes the point with EC_POINT_oct2point, which rejects points not on the
  // curve; P-256 has cofactor 1, so every on-curve point other than infinity (which an
  // uncompressed encoding cannot express) has full order. A separate EVP_PKEY_public_check
  // would add a scalar multiplication per quote for nothing (ecdsa_test.cc covers this).
  return EvpPkeyPtr(raw);
}

StatusOr<Bytes> RawEcdsaSignatureToDer(ByteSpan rs, size_t component_size) {
  if (rs.size() != 2 * component_size) {
    return Err(
        Status::InvalidEvidence(reason::kInvalidSignatureFormat, "bad raw signature length"));
  }
  EcdsaSigPtr sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(rs.data(), static_cast<int>(component_size), nullptr);
  BIGNUM* s = BN_bin2bn(rs.data() + component_size, static_cast<int>(component_size), nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return Err(Status::Internal("cannot build ECDSA signature"));
  }
  int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) return Err(Status::Internal("cannot encode ECDSA signature"));
  Bytes der(static_cast<size_t>(len));
  uint8_t* p = der.data();
  i2d_ECDSA_SIG(sig.get(), &p);
  return der;
}

bool VerifyEcdsaDigestRaw(EVP_PKEY* key, ByteSpan digest, ByteSpan rs, size_t component_size) {
  if (key == nullptr) return false;
  auto der = RawEcdsaSignatureToDer(rs, component_size);
  if (!der) return false;
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new(key, nullptr));
  if (!ctx || EVP_PKEY_verify_init(ctx.get()) <= 0) return false;
  return EVP_PKEY_verify(ctx.get(), der->data(), der->size(), digest.data(), digest.size()) == 1;
}

bool VerifyEcdsaP256Sha256Raw(EVP_PKEY* key, ByteSpan data, ByteSpan rs) {
  Sha256Digest d = Sha256(data);
  return VerifyEcdsaDigestRaw(key, d, rs, 32);
}

}  // namespace attest::crypto
