#include "evidence/tpm/tpm_structures.h"

#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>
#include <tss2/tss2_mu.h>

#include <cstdio>
#include <string>

#include "base/encoding.h"

namespace attest::evidence::tpm {
namespace {

constexpr uint32_t kTpmGenerated = 0xFF544347;  // TPM_GENERATED_VALUE, "\xFFTCG"
constexpr uint16_t kStAttestQuote = 0x8018;     // TPM_ST_ATTEST_QUOTE

std::string RcText(TSS2_RC rc) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%x", rc);
  return buf;
}

Status Malformed(std::string_view reason, std::string_view what, std::string message) {
  return Status::InvalidEvidence(std::string(reason), std::string(what) + ": " + message);
}

// spec/tpm.md §10: libtss2-mu neither caps sizes nor rejects trailing bytes; the caller does.
template <typename T, typename F>
StatusOr<std::unique_ptr<T>> Unmarshal(ByteSpan in, F fn, std::string_view reason,
                                       std::string_view what) {
  if (in.empty()) return Err(Malformed(reason, what, "empty"));
  if (in.size() > kMaxTpmStructureSize) {
    return Err(Malformed(reason, what,
                         std::to_string(in.size()) + " bytes exceeds the cap of " +
                             std::to_string(kMaxTpmStructureSize)));
  }
  // The tss2 structs are large fixed-size arrays: on the heap (spec/tpm.md §10).
  auto out = std::make_unique<T>();
  size_t offset = 0;
  TSS2_RC rc = fn(in.data(), in.size(), &offset, out.get());
  if (rc != TSS2_RC_SUCCESS) {
    return Err(Malformed(reason, what, "does not unmarshal (tss2 rc " + RcText(rc) + ")"));
  }
  if (offset != in.size()) {
    return Err(Malformed(reason, what,
                         std::to_string(in.size() - offset) + " trailing bytes after the structure"));
  }
  return out;
}

std::shared_ptr<EVP_PKEY> Share(EVP_PKEY* key) {
  return std::shared_ptr<EVP_PKEY>(key, [](EVP_PKEY* k) { EVP_PKEY_free(k); });
}

StatusOr<std::shared_ptr<EVP_PKEY>> RsaKey(ByteSpan modulus, uint32_t exponent) {
  // TPM 2.0 Part 2, TPMS_RSA_PARMS: exponent 0 means the default 65537.
  if (exponent == 0) exponent = 65537;
  if (modulus.size() < 128) {
    return Err(Status::InvalidEvidence("TPM_AK_MALFORMED", "AK: RSA modulus too short"));
  }
  crypto::BignumPtr n(BN_bin2bn(modulus.data(), static_cast<int>(modulus.size()), nullptr));
  crypto::BignumPtr e(BN_new());
  if (!n || !e || BN_set_word(e.get(), exponent) != 1) return Err(Status::Internal("BN alloc"));
  std::unique_ptr<OSSL_PARAM_BLD, void (*)(OSSL_PARAM_BLD*)> bld(OSSL_PARAM_BLD_new(),
                                                                 OSSL_PARAM_BLD_free);
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
    return Err(Status::Internal("OSSL_PARAM_BLD"));
  }
  std::unique_ptr<OSSL_PARAM, void (*)(OSSL_PARAM*)> params(OSSL_PARAM_BLD_to_param(bld.get()),
                                                            OSSL_PARAM_free);
  crypto::EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return Err(Status::InvalidEvidence("TPM_AK_MALFORMED", "AK: RSA key not accepted"));
  }
  return Share(key);
}

StatusOr<std::shared_ptr<EVP_PKEY>> EcKey(uint16_t curve, ByteSpan x, ByteSpan y) {
  const char* group = nullptr;
  size_t size = 0;
  if (curve == 0x0003) {
    group = "P-256";
    size = 32;
  } else if (curve == 0x0004) {
    group = "P-384";
    size = 48;
  } else {
    return Err(Status::InvalidEvidence("TPM_AK_MALFORMED",
                                       "AK: ECC curve " + std::to_string(curve) +
                                           " is not supported (P-256, P-384)"));
  }
  if (x.size() > size || y.size() > size) {
    return Err(Status::InvalidEvidence("TPM_AK_MALFORMED", "AK: ECC coordinate too long"));
  }
  // SEC 1 uncompressed point; TPM coordinates may be shorter than the field (leading zeros).
  Bytes point(1 + 2 * size, 0);
  point[0] = 0x04;
  std::copy(x.begin(), x.end(), point.begin() + 1 + (size - x.size()));
  std::copy(y.begin(), y.end(), point.begin() + 1 + size + (size - y.size()));
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(group), 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()),
      OSSL_PARAM_construct_end()};
  crypto::EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* key = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    return Err(Status::InvalidEvidence("TPM_AK_MALFORMED", "AK: ECC point not on the curve"));
  }
  return Share(key);
}

}  // namespace

size_t HashSize(uint16_t alg) {
  switch (alg) {
    case kAlgSha1:
      return 20;
    case kAlgSha256:
      return 32;
    case kAlgSha384:
      return 48;
    case kAlgSha512:
      return 64;
    default:
      return 0;
  }
}

// Explicitly fetched once: EVP_sha1() and friends make every EVP_Digest fetch the algorithm
// again under OpenSSL's store lock, which dominated decoding a log's events (one hash each).
// The fetched objects live as long as the process.
const EVP_MD* HashMd(uint16_t alg) {
  switch (alg) {
    case kAlgSha1: {
      static const EVP_MD* md = EVP_MD_fetch(nullptr, "SHA1", nullptr);
      return md;
    }
    case kAlgSha256: {
      static const EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
      return md;
    }
    case kAlgSha384: {
      static const EVP_MD* md = EVP_MD_fetch(nullptr, "SHA384", nullptr);
      return md;
    }
    case kAlgSha512: {
      static const EVP_MD* md = EVP_MD_fetch(nullptr, "SHA512", nullptr);
      return md;
    }
    default:
      return nullptr;
  }
}

std::string_view HashName(uint16_t alg) {
  switch (alg) {
    case kAlgSha1:
      return "sha1";
    case kAlgSha256:
      return "sha256";
    case kAlgSha384:
      return "sha384";
    case kAlgSha512:
      return "sha512";
    default:
      return "";
  }
}

std::optional<uint16_t> HashFromName(std::string_view name) {
  for (uint16_t alg : {kAlgSha1, kAlgSha256, kAlgSha384, kAlgSha512}) {
    if (HashName(alg) == name) return alg;
  }
  return std::nullopt;
}

Bytes Hash(uint16_t alg, ByteSpan data) {
  const EVP_MD* md = HashMd(alg);
  if (md == nullptr) return {};
  Bytes out(EVP_MD_get_size(md));
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr) != 1) return {};
  out.resize(len);
  return out;
}

StatusOr<Quote> ParseQuote(ByteSpan attest) {
  ATTEST_ASSIGN_OR_RETURN(auto a, (Unmarshal<TPMS_ATTEST>(attest, Tss2_MU_TPMS_ATTEST_Unmarshal,
                                                           "TPM_ATTEST_MALFORMED", "TPMS_ATTEST")));
  // spec/tpm.md §6 step 1 and §10: libtss2-mu checks neither the magic nor which valid
  // attestation type it unmarshalled.
  if (a->magic != kTpmGenerated) {
    return Err(Status::InvalidEvidence("TPM_ATTEST_NOT_QUOTE",
                                       "TPMS_ATTEST magic is not TPM_GENERATED_VALUE"));
  }
  if (a->type != kStAttestQuote) {
    return Err(Status::InvalidEvidence("TPM_ATTEST_NOT_QUOTE",
                                       "TPMS_ATTEST type " + RcText(a->type) +
                                           " is not TPM_ST_ATTEST_QUOTE"));
  }
  Quote q;
  q.qualified_signer.assign(a->qualifiedSigner.name, a->qualifiedSigner.name + a->qualifiedSigner.size);
  q.extra_data.assign(a->extraData.buffer, a->extraData.buffer + a->extraData.size);
  q.clock = a->clockInfo.clock;
  q.reset_count = a->clockInfo.resetCount;
  q.restart_count = a->clockInfo.restartCount;
  q.safe = a->clockInfo.safe != 0;
  q.firmware_version = a->firmwareVersion;
  const TPMS_QUOTE_INFO& info = a->attested.quote;
  for (uint32_t i = 0; i < info.pcrSelect.count; ++i) {
    const TPMS_PCR_SELECTION& s = info.pcrSelect.pcrSelections[i];
    if (HashSize(s.hash) == 0) {
      return Err(Status::InvalidEvidence("TPM_ATTEST_MALFORMED",
                                         "TPMS_ATTEST selects PCR bank " + RcText(s.hash) +
                                             ", not a supported hash"));
    }
    for (const PcrSelection& earlier : q.selections) {
      if (earlier.hash == s.hash) {
        return Err(Status::InvalidEvidence("TPM_ATTEST_MALFORMED",
                                           "TPMS_ATTEST selects the " +
                                               std::string(HashName(s.hash)) + " bank twice"));
      }
    }
    PcrSelection sel{s.hash, {}};
    for (uint32_t byte = 0; byte < s.sizeofSelect; ++byte) {
      for (uint32_t bit = 0; bit < 8; ++bit) {
        if ((s.pcrSelect[byte] >> bit) & 1) sel.pcrs.push_back(byte * 8 + bit);
      }
    }
    q.selections.push_back(std::move(sel));
  }
  q.pcr_digest.assign(info.pcrDigest.buffer, info.pcrDigest.buffer + info.pcrDigest.size);
  return q;
}

StatusOr<Signature> ParseSignature(ByteSpan tpmt_signature) {
  ATTEST_ASSIGN_OR_RETURN(
      auto s, (Unmarshal<TPMT_SIGNATURE>(tpmt_signature, Tss2_MU_TPMT_SIGNATURE_Unmarshal,
                                         "TPM_SIGNATURE_MALFORMED", "TPMT_SIGNATURE")));
  Signature out;
  out.sig_alg = s->sigAlg;
  switch (s->sigAlg) {
    case kAlgRsassa:
    case kAlgRsapss: {
      const TPMS_SIGNATURE_RSA& r = s->sigAlg == kAlgRsassa ? s->signature.rsassa : s->signature.rsapss;
      out.hash_alg = r.hash;
      out.rsa.assign(r.sig.buffer, r.sig.buffer + r.sig.size);
      break;
    }
    case kAlgEcdsa:
      out.hash_alg = s->signature.ecdsa.hash;
      out.ecdsa_r.assign(s->signature.ecdsa.signatureR.buffer,
                         s->signature.ecdsa.signatureR.buffer + s->signature.ecdsa.signatureR.size);
      out.ecdsa_s.assign(s->signature.ecdsa.signatureS.buffer,
                         s->signature.ecdsa.signatureS.buffer + s->signature.ecdsa.signatureS.size);
      break;
    default:
      return Err(Status::InvalidEvidence("TPM_SIGNATURE_SCHEME_UNSUPPORTED",
                                         "TPMT_SIGNATURE algorithm " + RcText(s->sigAlg) +
                                             " is not RSASSA, RSAPSS or ECDSA"));
  }
  if (HashMd(out.hash_alg) == nullptr) {
    return Err(Status::InvalidEvidence("TPM_SIGNATURE_SCHEME_UNSUPPORTED",
                                       "TPMT_SIGNATURE hash " + RcText(out.hash_alg) +
                                           " is not SHA-1/256/384/512"));
  }
  return out;
}

Signature RawRsassaSignature(ByteSpan sig, uint16_t hash_alg) {
  Signature s;
  s.sig_alg = kAlgRsassa;
  s.hash_alg = hash_alg;
  s.rsa = ToBytes(sig);
  return s;
}

StatusOr<AkPublic> ParseTpmtPublic(ByteSpan tpmt_public) {
  ATTEST_ASSIGN_OR_RETURN(auto p, (Unmarshal<TPMT_PUBLIC>(tpmt_public, Tss2_MU_TPMT_PUBLIC_Unmarshal,
                                                           "TPM_AK_MALFORMED", "TPMT_PUBLIC")));
  AkPublic ak;
  ak.attributes = p->objectAttributes;
  if (p->type == kAlgRsa) {
    const TPMS_RSA_PARMS& parms = p->parameters.rsaDetail;
    ak.scheme = parms.scheme.scheme;
    if (parms.scheme.scheme != kAlgNull) ak.scheme_hash = parms.scheme.details.anySig.hashAlg;
    ATTEST_ASSIGN_OR_RETURN(ak.key, RsaKey(ByteSpan(p->unique.rsa.buffer, p->unique.rsa.size),
                                           parms.exponent));
  } else if (p->type == kAlgEcc) {
    const TPMS_ECC_PARMS& parms = p->parameters.eccDetail;
    ak.scheme = parms.scheme.scheme;
    if (parms.scheme.scheme != kAlgNull) ak.scheme_hash = parms.scheme.details.anySig.hashAlg;
    ATTEST_ASSIGN_OR_RETURN(ak.key, EcKey(parms.curveID,
                                          ByteSpan(p->unique.ecc.x.buffer, p->unique.ecc.x.size),
                                          ByteSpan(p->unique.ecc.y.buffer, p->unique.ecc.y.size)));
  } else {
    return Err(Status::InvalidEvidence("TPM_AK_MALFORMED",
                                       "TPMT_PUBLIC type " + RcText(p->type) + " is not RSA or ECC"));
  }
  ak.auth_policy.assign(p->authPolicy.buffer, p->authPolicy.buffer + p->authPolicy.size);
  // spec/tpm.md §4: Name = nameAlg ‖ H_nameAlg(TPMT_PUBLIC bytes as received).
  Bytes digest = Hash(p->nameAlg, tpmt_public);
  if (!digest.empty()) {
    ak.name = {static_cast<uint8_t>(p->nameAlg >> 8), static_cast<uint8_t>(p->nameAlg & 0xff)};
    ak.name.insert(ak.name.end(), digest.begin(), digest.end());
  }
  return ak;
}

StatusOr<AkPublic> ParseTpmPublic(ByteSpan in) {
  // TPM2B_PUBLIC = UINT16 size ‖ TPMT_PUBLIC; a TPMT_PUBLIC starts with its type (0x0001 RSA,
  // 0x0023 ECC), never with a size equal to the rest of the buffer.
  if (in.size() > 2 && ((size_t{in[0]} << 8) | in[1]) == in.size() - 2) {
    return ParseTpmtPublic(in.subspan(2));
  }
  return ParseTpmtPublic(in);
}

AkPublic AkFromKey(EVP_PKEY* key) {
  EVP_PKEY_up_ref(key);
  AkPublic ak;
  ak.key = Share(key);
  return ak;
}

Bytes AkSpkiDer(const AkPublic& ak) {
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(ak.key.get(), &der);
  if (len <= 0) return {};
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

Status CheckAkAttributes(const AkPublic& ak) {
  if (!ak.attributes) return Status::Ok();
  constexpr uint32_t kRequired =
      kAttrSign | kAttrRestricted | kAttrFixedTpm | kAttrFixedParent | kAttrSensitiveDataOrigin;
  uint32_t a = *ak.attributes;
  if ((a & kRequired) != kRequired || (a & kAttrDecrypt) != 0) {
    return Status::InvalidEvidence(
        "TPM_AK_ATTRIBUTES_INVALID",
        "AK attributes " + RcText(a) +
            " are not those of a restricted TPM-resident signing key (sign, restricted, fixedTPM, "
            "fixedParent, sensitiveDataOrigin set; decrypt clear)");
  }
  return Status::Ok();
}

}  // namespace attest::evidence::tpm
