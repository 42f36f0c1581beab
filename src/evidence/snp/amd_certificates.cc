#include "evidence/snp/amd_certificates.h"

#include <openssl/asn1.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <string_view>

#include "base/encoding.h"
#include "crypto/digest.h"
#include "crypto/openssl_ptr.h"

namespace attest::snp {
namespace {

constexpr std::string_view kArc = "1.3.6.1.4.1.3704.1.";

Status EkInvalid(std::string message) {
  return Status::InvalidEvidence("SNP_EK_CERT_INVALID", std::move(message));
}

Status ChainInvalid(std::string message) {
  return Status::InvalidEvidence("SNP_CERT_CHAIN_INVALID", std::move(message));
}

// The extension value is a complete DER INTEGER (values >= 128 carry a leading zero byte).
StatusOr<int64_t> DecodeInteger(ByteSpan der, std::string_view what) {
  const unsigned char* p = der.data();
  ASN1_INTEGER* i = d2i_ASN1_INTEGER(nullptr, &p, static_cast<long>(der.size()));
  if (i == nullptr || p != der.data() + der.size()) {
    ASN1_INTEGER_free(i);
    return Err(EkInvalid("extension " + std::string(what) + " is not a DER INTEGER"));
  }
  int64_t v = 0;
  const int ok = ASN1_INTEGER_get_int64(&v, i);
  ASN1_INTEGER_free(i);
  if (ok != 1 || v < 0 || v > 255) {
    return Err(EkInvalid("extension " + std::string(what) + " is out of range"));
  }
  return v;
}

// productName / cspID: IA5String (tag 0x16, short or long form length).
StatusOr<std::string> DecodeIa5(ByteSpan der, std::string_view what) {
  const unsigned char* p = der.data();
  ASN1_IA5STRING* s = d2i_ASN1_IA5STRING(nullptr, &p, static_cast<long>(der.size()));
  if (s == nullptr || p != der.data() + der.size()) {
    ASN1_IA5STRING_free(s);
    return Err(EkInvalid("extension " + std::string(what) + " is not an IA5String"));
  }
  std::string out(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                  static_cast<size_t>(ASN1_STRING_length(s)));
  ASN1_IA5STRING_free(s);
  return out;
}

// hwID: the raw chip id in every real certificate; a DER OCTET STRING wrapper is accepted in
// case AMD adds one (spec §6.4).
StatusOr<Bytes> DecodeHwid(ByteSpan v) {
  if (v.size() == 64 || v.size() == 8) return Bytes(v.begin(), v.end());
  if (v.size() >= 2 && v[0] == 0x04 && v[1] == v.size() - 2 && (v[1] == 64 || v[1] == 8)) {
    return Bytes(v.begin() + 2, v.end());
  }
  return Err(EkInvalid("hwID extension is " + std::to_string(v.size()) +
                       " bytes, expected a 64- or 8-byte chip id"));
}

bool IsEcP384(EVP_PKEY* key) {
  if (key == nullptr || EVP_PKEY_base_id(key) != EVP_PKEY_EC) return false;
  char group[64] = {};
  size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof(group), &len) != 1) return false;
  return std::string_view(group, len) == "secp384r1";
}

Bytes DigestBytes(ByteSpan data) {
  crypto::Sha256Digest d = crypto::Sha256(data);
  return Bytes(d.begin(), d.end());
}

}  // namespace

StatusOr<EkInfo> ParseEkCertificate(const crypto::Certificate& cert) {
  EkInfo info;
  const std::string cn = cert.SubjectCommonName();
  if (cn == "SEV-VCEK") {
    info.kind = SigningKey::kVcek;
  } else if (cn == "SEV-VLEK") {
    info.kind = SigningKey::kVlek;
  } else {
    return Err(EkInvalid("endorsement key certificate subject CN is '" + cn +
                         "', expected SEV-VCEK or SEV-VLEK"));
  }
  if (!IsEcP384(cert.public_key())) {
    return Err(EkInvalid("endorsement key is not an EC P-384 key"));
  }
  auto ext = [&](std::string_view tail) {
    return cert.ExtensionValue(std::string(kArc) + std::string(tail));
  };
  if (auto v = ext("1")) {
    const unsigned char* p = v->data();
    ASN1_INTEGER* i = d2i_ASN1_INTEGER(nullptr, &p, static_cast<long>(v->size()));
    int64_t sv = 0;
    if (i == nullptr || ASN1_INTEGER_get_int64(&sv, i) != 1) {
      ASN1_INTEGER_free(i);
      return Err(EkInvalid("structVersion extension is not an INTEGER"));
    }
    ASN1_INTEGER_free(i);
    info.struct_version = sv;
  }
  auto name = ext("2");
  if (!name) return Err(EkInvalid("productName extension is missing"));
  ATTEST_ASSIGN_OR_RETURN(info.product_name, DecodeIa5(*name, "productName"));
  info.product = ProductFromName(info.product_name);
  // SPLs: .3.1 bl, .3.2 tee, .3.3 snp, .3.4-.3.7 reserved, .3.8 ucode, .3.9 fmc (Turin).
  for (int n = 1; n <= 9; ++n) {
    if (auto v = ext("3." + std::to_string(n))) {
      ATTEST_ASSIGN_OR_RETURN(info.spl[n], DecodeInteger(*v, "SPL 3." + std::to_string(n)));
    }
  }
  for (int required : {1, 2, 3, 8}) {
    if (!info.spl.contains(required)) {
      return Err(EkInvalid("TCB extension 1.3.6.1.4.1.3704.1.3." + std::to_string(required) +
                           " is missing"));
    }
  }
  if (auto v = ext("4")) {
    ATTEST_ASSIGN_OR_RETURN(info.hwid, DecodeHwid(*v));
  }
  if (auto v = ext("5")) {
    ATTEST_ASSIGN_OR_RETURN(info.csp_id, DecodeIa5(*v, "cspID"));
  }
  // §6.5 step 5: a VCEK names its chip and no CSP; a VLEK names its CSP and no chip.
  if (info.kind == SigningKey::kVcek && (!info.hwid || info.csp_id)) {
    return Err(EkInvalid(info.hwid ? "VCEK certificate carries a cspID"
                                   : "VCEK certificate has no hwID"));
  }
  if (info.kind == SigningKey::kVlek && (info.hwid || !info.csp_id)) {
    return Err(EkInvalid(info.hwid ? "VLEK certificate carries a hwID (chip id)"
                                   : "VLEK certificate has no cspID"));
  }
  return info;
}

StatusOr<std::vector<crypto::Certificate>> ParseCertificates(ByteSpan data) {
  std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
  if (text.find("-----BEGIN CERTIFICATE-----") != std::string_view::npos) {
    auto certs = crypto::Certificate::ParsePemChain(text);
    if (!certs) return Err(ChainInvalid("certificate PEM does not parse: " + certs.error().message()));
    return std::move(*certs);
  }
  auto cert = crypto::Certificate::FromDer(data);
  if (!cert) return Err(ChainInvalid("certificate DER does not parse: " + cert.error().message()));
  std::vector<crypto::Certificate> out;
  out.push_back(std::move(*cert));
  return out;
}

StatusOr<AmdChain> SortAmdChain(std::vector<crypto::Certificate> certs) {
  AmdChain chain;
  for (crypto::Certificate& c : certs) {
    const std::string cn = c.SubjectCommonName();
    std::optional<crypto::Certificate>* slot = nullptr;
    if (cn == "SEV-VCEK" || cn == "SEV-VLEK") {
      slot = &chain.ek;
    } else if (c.IsSelfIssued()) {
      slot = &chain.ark;
    } else {
      slot = &chain.intermediate;
    }
    if (slot->has_value()) {
      // The same certificate twice is harmless (some tools repeat the ARK).
      if ((*slot)->der() == c.der()) continue;
      return Err(ChainInvalid("the certificate chain holds two certificates for the role of '" +
                              cn + "'"));
    }
    *slot = std::move(c);
  }
  return chain;
}

bool IsPinnedArk(const crypto::Certificate& ark, Product product,
                 const evidence::TrustAnchors& anchors) {
  const std::string_view name = ProductName(product);
  std::optional<Bytes> der_hash, spki_hash;
  for (const evidence::AmdArkPin& pin : anchors.amd_arks) {
    if (pin.product != name) continue;
    if (!pin.der_sha256.empty()) {
      if (!der_hash) der_hash = DigestBytes(ark.der());
      if (*der_hash == pin.der_sha256) return true;
    }
    if (!pin.spki_sha256.empty()) {
      if (!spki_hash) spki_hash = DigestBytes(ark.SpkiDer());
      if (*spki_hash == pin.spki_sha256) return true;
    }
  }
  return false;
}

Status VerifyAmdChain(const crypto::Certificate& ek, const crypto::Certificate& intermediate,
                      const crypto::Certificate& ark, Product product, SigningKey kind,
                      const evidence::TrustAnchors& anchors, UnixTime at) {
  const std::string p(ProductName(product));
  // §6.5 step 1: the intermediate and root of the report's product and signer.
  const std::string want_intermediate = kind == SigningKey::kVlek ? "SEV-VLEK-" + p : "SEV-" + p;
  if (intermediate.SubjectCommonName() != want_intermediate) {
    return Status::InvalidEvidence(
        "SNP_CHAIN_PRODUCT_MISMATCH",
        "the intermediate is '" + intermediate.SubjectCommonName() + "', a " + p + " " +
            std::string(SigningKeyName(kind)) + " chains to '" + want_intermediate + "'");
  }
  if (ark.SubjectCommonName() != "ARK-" + p) {
    return Status::InvalidEvidence(
        "SNP_CHAIN_PRODUCT_MISMATCH",
        "the root is '" + ark.SubjectCommonName() + "', a " + p + " chain ends at 'ARK-" + p + "'");
  }
  // Step 2: a sent ARK is never a trust anchor by itself.
  if (!IsPinnedArk(ark, product, anchors)) {
    return Status::InvalidEvidence("SNP_ARK_NOT_PINNED",
                                   "the ARK-" + p + " certificate is not the pinned AMD root");
  }
  // Step 4: the ARK as the only trusted certificate, the intermediate untrusted, at `at`.
  // No X509_V_FLAG_X509_STRICT: it rejects every VCEK (no AKI) (§6.5).
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(),
                                                                &X509_STORE_free);
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                      &X509_STORE_CTX_free);
  std::unique_ptr<STACK_OF(X509), void (*)(STACK_OF(X509)*)> untrusted(
      sk_X509_new_null(), [](STACK_OF(X509)* s) { sk_X509_free(s); });
  if (!store || !ctx || !untrusted || X509_STORE_add_cert(store.get(), ark.get()) != 1 ||
      sk_X509_push(untrusted.get(), intermediate.get()) <= 0 ||
      X509_STORE_CTX_init(ctx.get(), store.get(), ek.get(), untrusted.get()) != 1) {
    return Status::Internal("cannot set up the AMD chain verification");
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(at));
  // The VCEK has no keyUsage/EKU; verify for no particular purpose.
  if (X509_verify_cert(ctx.get()) == 1) {
    // The path must be exactly ek -> intermediate -> ARK.
    STACK_OF(X509)* path = X509_STORE_CTX_get0_chain(ctx.get());
    if (path == nullptr || sk_X509_num(path) != 3 ||
        X509_cmp(sk_X509_value(path, 1), intermediate.get()) != 0) {
      return Status::InvalidEvidence("SNP_CHAIN_INVALID",
                                     "the endorsement key does not chain through the intermediate");
    }
    return Status::Ok();
  }
  const int err = X509_STORE_CTX_get_error(ctx.get());
  const int depth = X509_STORE_CTX_get_error_depth(ctx.get());
  const char* role = depth == 0 ? "endorsement key" : depth == 1 ? "intermediate" : "ARK";
  std::string detail = std::string(role) + " certificate: " + X509_verify_cert_error_string(err);
  if (err == X509_V_ERR_CERT_HAS_EXPIRED) {
    return Status::InvalidEvidence("SNP_CERT_EXPIRED", detail + " at " + FormatRfc3339(at));
  }
  if (err == X509_V_ERR_CERT_NOT_YET_VALID) {
    return Status::InvalidEvidence("SNP_CERT_NOT_YET_VALID", detail + " at " + FormatRfc3339(at));
  }
  return Status::InvalidEvidence("SNP_CHAIN_INVALID", detail);
}

}  // namespace attest::snp
