#include "testing/tpm_builder.h"

#include <openssl/ec.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <tss2/tss2_mu.h>

#include <cstring>

#include "crypto/openssl_ptr.h"
#include "testing/testing_ptr.h"

namespace attest::testing {
namespace {

using namespace evidence::tpm;

void Check(bool ok, const char* what) { BuilderCheck(ok, what); }

Bytes BnBytes(const BIGNUM* bn) {
  Bytes out(BN_num_bytes(bn));
  BN_bn2bin(bn, out.data());
  return out;
}

void PutLe32(Bytes& b, uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void PutLe16(Bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v));
  b.push_back(static_cast<uint8_t>(v >> 8));
}
void PutLe64(Bytes& b, uint64_t v) {
  PutLe32(b, static_cast<uint32_t>(v));
  PutLe32(b, static_cast<uint32_t>(v >> 32));
}

}  // namespace

TpmTestKey TpmTestKey::Generate(Kind kind, uint16_t scheme, uint16_t hash, uint32_t attributes,
                                Bytes auth_policy) {
  TpmTestKey k;
  EVP_PKEY* key = nullptr;
  TPMT_PUBLIC pub{};
  pub.nameAlg = kAlgSha256;
  pub.objectAttributes = attributes;
  Check(auth_policy.size() <= sizeof pub.authPolicy.buffer, "auth policy size");
  pub.authPolicy.size = static_cast<uint16_t>(auth_policy.size());
  if (!auth_policy.empty()) {
    std::memcpy(pub.authPolicy.buffer, auth_policy.data(), auth_policy.size());
  }
  if (kind == Kind::kRsa2048) {
    key = EVP_RSA_gen(2048);
    Check(key != nullptr, "RSA gen");
    pub.type = kAlgRsa;
    pub.parameters.rsaDetail.symmetric.algorithm = kAlgNull;
    pub.parameters.rsaDetail.scheme.scheme = scheme;
    pub.parameters.rsaDetail.scheme.details.anySig.hashAlg = hash;
    pub.parameters.rsaDetail.keyBits = 2048;
    pub.parameters.rsaDetail.exponent = 0;
    BIGNUM* n = nullptr;
    Check(EVP_PKEY_get_bn_param(key, "n", &n) == 1, "n");
    Bytes nb = BnBytes(n);
    BN_free(n);
    pub.unique.rsa.size = static_cast<uint16_t>(nb.size());
    std::memcpy(pub.unique.rsa.buffer, nb.data(), nb.size());
  } else {
    key = EVP_EC_gen(kind == Kind::kEccP256 ? "P-256" : "P-384");
    Check(key != nullptr, "EC gen");
    pub.type = kAlgEcc;
    pub.parameters.eccDetail.symmetric.algorithm = kAlgNull;
    pub.parameters.eccDetail.scheme.scheme = scheme;
    pub.parameters.eccDetail.scheme.details.anySig.hashAlg = hash;
    pub.parameters.eccDetail.curveID = kind == Kind::kEccP256 ? 0x0003 : 0x0004;
    pub.parameters.eccDetail.kdf.scheme = kAlgNull;
    BIGNUM* x = nullptr;
    BIGNUM* y = nullptr;
    Check(EVP_PKEY_get_bn_param(key, "qx", &x) == 1 && EVP_PKEY_get_bn_param(key, "qy", &y) == 1, "xy");
    size_t size = kind == Kind::kEccP256 ? 32 : 48;
    Bytes xb(size), yb(size);
    BN_bn2binpad(x, xb.data(), static_cast<int>(size));
    BN_bn2binpad(y, yb.data(), static_cast<int>(size));
    BN_free(x);
    BN_free(y);
    pub.unique.ecc.x.size = static_cast<uint16_t>(size);
    std::memcpy(pub.unique.ecc.x.buffer, xb.data(), size);
    pub.unique.ecc.y.size = static_cast<uint16_t>(size);
    std::memcpy(pub.unique.ecc.y.buffer, yb.data(), size);
  }
  k.key_ = std::shared_ptr<EVP_PKEY>(key, [](EVP_PKEY* p) { EVP_PKEY_free(p); });
  uint8_t buf[1024];
  size_t off = 0;
  Check(Tss2_MU_TPMT_PUBLIC_Marshal(&pub, buf, sizeof buf, &off) == TSS2_RC_SUCCESS, "marshal pub");
  k.tpmt_public_.assign(buf, buf + off);
  return k;
}

TpmTestKey TpmTestKey::EncryptionKey(Bytes auth_policy, uint32_t attributes) {
  return Generate(Kind::kRsa2048, kAlgNull, 0, attributes, std::move(auth_policy));
}

Bytes TpmTestKey::tpm2b_public() const {
  Bytes out = {static_cast<uint8_t>(tpmt_public_.size() >> 8),
               static_cast<uint8_t>(tpmt_public_.size() & 0xff)};
  out.insert(out.end(), tpmt_public_.begin(), tpmt_public_.end());
  return out;
}

Bytes TpmTestKey::Name() const {
  Bytes out = {0x00, 0x0B};
  Bytes digest = Hash(kAlgSha256, tpmt_public_);
  out.insert(out.end(), digest.begin(), digest.end());
  return out;
}

Bytes TpmTestKey::SpkiDer() const {
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(key_.get(), &der);
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

Bytes TpmTestKey::Sign(ByteSpan data, uint16_t sig_alg, uint16_t hash) const {
  crypto::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  Check(EVP_DigestSignInit(ctx.get(), &pctx, HashMd(hash), nullptr, key_.get()) == 1, "sign init");
  if (sig_alg == kAlgRsapss) {
    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
  }
  size_t len = 0;
  Check(EVP_DigestSign(ctx.get(), nullptr, &len, data.data(), data.size()) == 1, "sign len");
  Bytes sig(len);
  Check(EVP_DigestSign(ctx.get(), sig.data(), &len, data.data(), data.size()) == 1, "sign");
  sig.resize(len);
  TPMT_SIGNATURE t{};
  t.sigAlg = sig_alg;
  if (sig_alg == kAlgEcdsa) {
    const unsigned char* p = sig.data();
    crypto::EcdsaSigPtr es(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size())));
    Check(es != nullptr, "ecdsa der");
    Bytes r = BnBytes(ECDSA_SIG_get0_r(es.get()));
    Bytes s = BnBytes(ECDSA_SIG_get0_s(es.get()));
    t.signature.ecdsa.hash = hash;
    t.signature.ecdsa.signatureR.size = static_cast<uint16_t>(r.size());
    std::memcpy(t.signature.ecdsa.signatureR.buffer, r.data(), r.size());
    t.signature.ecdsa.signatureS.size = static_cast<uint16_t>(s.size());
    std::memcpy(t.signature.ecdsa.signatureS.buffer, s.data(), s.size());
  } else {
    TPMS_SIGNATURE_RSA& rsa = sig_alg == kAlgRsassa ? t.signature.rsassa : t.signature.rsapss;
    rsa.hash = hash;
    rsa.sig.size = static_cast<uint16_t>(sig.size());
    std::memcpy(rsa.sig.buffer, sig.data(), sig.size());
  }
  uint8_t buf[1024];
  size_t off = 0;
  Check(Tss2_MU_TPMT_SIGNATURE_Marshal(&t, buf, sizeof buf, &off) == TSS2_RC_SUCCESS, "marshal sig");
  return Bytes(buf, buf + off);
}

Bytes BuildCertifyInfo(ByteSpan certified_name, uint32_t magic, uint16_t type) {
  TPMS_ATTEST a{};
  a.magic = magic;
  a.type = 0x8017;  // marshalled as certify; another `type` is patched in afterwards
  a.clockInfo.clock = 1000;
  a.clockInfo.safe = 1;
  a.firmwareVersion = 0x2000;
  Check(certified_name.size() <= sizeof a.attested.certify.name.name, "name size");
  a.attested.certify.name.size = static_cast<uint16_t>(certified_name.size());
  std::memcpy(a.attested.certify.name.name, certified_name.data(), certified_name.size());
  uint8_t buf[1024];
  size_t off = 0;
  Check(Tss2_MU_TPMS_ATTEST_Marshal(&a, buf, sizeof buf, &off) == TSS2_RC_SUCCESS, "marshal certify");
  buf[4] = static_cast<uint8_t>(type >> 8);  // TPMS_ATTEST: magic (4 bytes), then type
  buf[5] = static_cast<uint8_t>(type & 0xff);
  return Bytes(buf, buf + off);
}

Bytes BuildQuote(const TpmQuoteSpec& spec) {
  TPMS_ATTEST a{};
  a.magic = spec.magic;
  a.type = spec.type;
  a.qualifiedSigner.size = 34;
  a.qualifiedSigner.name[0] = 0x00;
  a.qualifiedSigner.name[1] = 0x0b;
  a.extraData.size = static_cast<uint16_t>(spec.nonce.size());
  if (!spec.nonce.empty()) {  // memcpy from an empty vector's null data() is undefined
    std::memcpy(a.extraData.buffer, spec.nonce.data(), spec.nonce.size());
  }
  a.clockInfo.clock = 123456;
  a.clockInfo.safe = 1;
  a.firmwareVersion = 0x2019102300163636;
  Bytes concatenated;
  TPMS_QUOTE_INFO& q = a.attested.quote;
  for (const auto& [bank, values] : spec.pcrs) {
    TPMS_PCR_SELECTION& s = q.pcrSelect.pcrSelections[q.pcrSelect.count++];
    s.hash = bank;
    s.sizeofSelect = 3;
    for (const auto& [index, value] : values) {
      s.pcrSelect[index / 8] |= static_cast<uint8_t>(1u << (index % 8));
      concatenated.insert(concatenated.end(), value.begin(), value.end());
    }
  }
  Bytes digest = Hash(spec.digest_hash, concatenated);
  q.pcrDigest.size = static_cast<uint16_t>(digest.size());
  std::memcpy(q.pcrDigest.buffer, digest.data(), digest.size());
  uint8_t buf[2048];
  size_t off = 0;
  // Marshal with a valid type, then patch it, so a wrong type can be tested.
  uint16_t type = a.type;
  if (type != 0x8018) a.type = 0x8018;
  Check(Tss2_MU_TPMS_ATTEST_Marshal(&a, buf, sizeof buf, &off) == TSS2_RC_SUCCESS, "marshal attest");
  Bytes out(buf, buf + off);
  out[4] = static_cast<uint8_t>(type >> 8);
  out[5] = static_cast<uint8_t>(type);
  return out;
}

Bytes BuildAgileEventLog(const std::vector<uint16_t>& banks, const std::vector<TestEvent>& events,
                         int startup_locality) {
  Bytes log;
  // Header: legacy-format EV_NO_ACTION with the Spec ID event (spec/tpm.md §7.1-7.2).
  Bytes spec_id;
  const char sig[16] = "Spec ID Event03";
  spec_id.insert(spec_id.end(), sig, sig + 16);
  PutLe32(spec_id, 0);           // platformClass
  spec_id.push_back(0);          // minor
  spec_id.push_back(2);          // major
  spec_id.push_back(0);          // errata
  spec_id.push_back(2);          // uintnSize
  PutLe32(spec_id, static_cast<uint32_t>(banks.size()));
  for (uint16_t b : banks) {
    PutLe16(spec_id, b);
    PutLe16(spec_id, static_cast<uint16_t>(HashSize(b)));
  }
  spec_id.push_back(0);  // vendorInfoSize
  PutLe32(log, 0);
  PutLe32(log, 3);
  log.insert(log.end(), 20, 0);
  PutLe32(log, static_cast<uint32_t>(spec_id.size()));
  log.insert(log.end(), spec_id.begin(), spec_id.end());
  auto put_event = [&](uint32_t pcr, uint32_t type, ByteSpan data, bool zero_digests) {
    PutLe32(log, pcr);
    PutLe32(log, type);
    PutLe32(log, static_cast<uint32_t>(banks.size()));
    for (uint16_t b : banks) {
      PutLe16(log, b);
      Bytes d = zero_digests ? Bytes(HashSize(b), 0) : Hash(b, data);
      log.insert(log.end(), d.begin(), d.end());
    }
    PutLe32(log, static_cast<uint32_t>(data.size()));
    log.insert(log.end(), data.begin(), data.end());
  };
  if (startup_locality >= 0) {
    Bytes d;
    const char sl[16] = "StartupLocality";
    d.insert(d.end(), sl, sl + 16);
    d.push_back(static_cast<uint8_t>(startup_locality));
    put_event(0, 3, d, true);
  }
  for (const TestEvent& e : events) put_event(e.pcr, e.type, e.data, false);
  return log;
}

Bytes BuildLegacyEventLog(const std::vector<TestEvent>& events) {
  Bytes log;
  for (const TestEvent& e : events) {
    PutLe32(log, e.pcr);
    PutLe32(log, e.type);
    Bytes d = Hash(kAlgSha1, e.data);
    log.insert(log.end(), d.begin(), d.end());
    PutLe32(log, static_cast<uint32_t>(e.data.size()));
    log.insert(log.end(), e.data.begin(), e.data.end());
  }
  return log;
}

Bytes UefiVariableData(const Bytes& guid, std::u16string_view name, const Bytes& value) {
  Bytes v = guid;
  PutLe64(v, name.size());
  PutLe64(v, value.size());
  for (char16_t c : name) PutLe16(v, static_cast<uint16_t>(c));
  v.insert(v.end(), value.begin(), value.end());
  return v;
}

Bytes SecureBootVariable(Bytes value) {
  return UefiVariableData({0x61, 0xdf, 0xe4, 0x8b, 0xca, 0x93, 0xd2, 0x11, 0xaa, 0x0d, 0x00, 0xe0,
                           0x98, 0x03, 0x2b, 0x8c},
                          u"SecureBoot", value);
}

Bytes ImageSecurityDatabaseGuid() {
  return {0xcb, 0xb2, 0x19, 0xd7, 0x3a, 0x3d, 0x96, 0x45,
          0xa3, 0xbc, 0xda, 0xd0, 0x0e, 0x67, 0x65, 0x6f};
}

}  // namespace attest::testing
