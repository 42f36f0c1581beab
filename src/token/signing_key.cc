#include "token/signing_key.h"

#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include <nlohmann/json.hpp>

#include "base/encoding.h"
#include "base/file.h"
#include "base/reasons.h"
#include "crypto/digest.h"
#include "crypto/jwk.h"
#include "crypto/jws.h"

namespace attest::token {
namespace {

using Asn1IntegerPtr =
    std::unique_ptr<ASN1_INTEGER, crypto::OpenSslDeleter<ASN1_INTEGER, ASN1_INTEGER_free>>;
using X509ExtensionPtr =
    std::unique_ptr<X509_EXTENSION, crypto::OpenSslDeleter<X509_EXTENSION, X509_EXTENSION_free>>;

constexpr size_t kMaxPemFile = 64 * 1024;
constexpr unsigned kSecretFileMode = 0600;
// spec/maa-service-behaviour.md §6: MAA's signing certificates are valid 2019-05-01 .. 2050-12-31.
constexpr const char* kNotBefore = "20190501000000Z";
constexpr const char* kNotAfter = "20501231235959Z";
// RFC 5280 ub-common-name.
constexpr size_t kMaxCommonName = 64;

Status OpenSslError(std::string_view what) {
  return Status::Internal(std::string(what) + " failed (OpenSSL)");
}

std::string JoinPath(const std::string& dir, std::string_view name) {
  if (!dir.empty() && dir.back() == '/') return dir + std::string(name);
  return dir + "/" + std::string(name);
}

StatusOr<Bytes> BioContents(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  if (len < 0 || data == nullptr) return Err(OpenSslError("BIO_get_mem_data"));
  return Bytes(data, data + len);
}

StatusOr<Bytes> PrivateKeyToPem(EVP_PKEY* key) {
  crypto::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return Err(OpenSslError("PEM_write_bio_PrivateKey"));
  }
  return BioContents(bio.get());
}

StatusOr<Bytes> CertificateToPem(X509* cert) {
  crypto::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) {
    return Err(OpenSslError("PEM_write_bio_X509"));
  }
  return BioContents(bio.get());
}

// The certificate's subject CN, or "" when absent.
std::string CommonName(X509* cert) {
  char buf[256] = {};
  int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

std::string CertificateName(const std::string& base_url) {
  return base_url.size() <= kMaxCommonName ? base_url : base_url.substr(0, kMaxCommonName);
}

Status AddExtension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) return OpenSslError("X509_add_ext");
  return Status::Ok();
}

// Self-signed certificate for `key` with subject = issuer = CN=<base URI>.
StatusOr<crypto::X509Ptr> IssueCertificate(EVP_PKEY* key, const std::string& base_url) {
  crypto::X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), 2) != 1) return Err(OpenSslError("X509_new"));
  uint8_t serial_bytes[16];
  if (RAND_bytes(serial_bytes, sizeof serial_bytes) != 1) return Err(OpenSslError("RAND_bytes"));
  serial_bytes[0] &= 0x7f;  // positive
  crypto::BignumPtr serial_bn(BN_bin2bn(serial_bytes, sizeof serial_bytes, nullptr));
  Asn1IntegerPtr serial(serial_bn ? BN_to_ASN1_INTEGER(serial_bn.get(), nullptr) : nullptr);
  if (!serial || X509_set_serialNumber(cert.get(), serial.get()) != 1) {
    return Err(OpenSslError("X509_set_serialNumber"));
  }
  crypto::X509NamePtr name(X509_NAME_new());
  std::string cn = CertificateName(base_url);
  if (!name ||
      X509_NAME_add_entry_by_NID(name.get(), NID_commonName, MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(cn.c_str()),
                                 static_cast<int>(cn.size()), -1, 0) != 1 ||
      X509_set_subject_name(cert.get(), name.get()) != 1 ||
      X509_set_issuer_name(cert.get(), name.get()) != 1) {
    return Err(OpenSslError("X509 name"));
  }
  if (ASN1_TIME_set_string_X509(X509_getm_notBefore(cert.get()), kNotBefore) != 1 ||
      ASN1_TIME_set_string_X509(X509_getm_notAfter(cert.get()), kNotAfter) != 1) {
    return Err(OpenSslError("X509 validity"));
  }
  if (X509_set_pubkey(cert.get(), key) != 1) return Err(OpenSslError("X509_set_pubkey"));
  ATTEST_RETURN_IF_ERROR(AddExtension(cert.get(), NID_basic_constraints, "critical,CA:FALSE"));
  ATTEST_RETURN_IF_ERROR(AddExtension(cert.get(), NID_key_usage, "critical,digitalSignature"));
  ATTEST_RETURN_IF_ERROR(AddExtension(cert.get(), NID_subject_key_identifier, "hash"));
  if (X509_sign(cert.get(), key, EVP_sha256()) <= 0) return Err(OpenSslError("X509_sign"));
  return cert;
}

StatusOr<Bytes> CertificateDer(X509* cert) {
  int len = i2d_X509(cert, nullptr);
  if (len <= 0) return Err(OpenSslError("i2d_X509"));
  Bytes der(static_cast<size_t>(len));
  unsigned char* p = der.data();
  if (i2d_X509(cert, &p) != len) return Err(OpenSslError("i2d_X509"));
  return der;
}

StatusOr<crypto::EvpPkeyPtr> NewRsaKey() {
  crypto::EvpPkeyPtr key(EVP_RSA_gen(2048));
  if (!key) return Err(OpenSslError("EVP_RSA_gen"));
  return key;
}

}  // namespace

StatusOr<std::string> RsaJwkThumbprint(EVP_PKEY* key) {
  if (key == nullptr || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
    return Err(Status::InvalidArgument(reason::kNotAnRsaKey, "the token-signing key is not RSA"));
  }
  return crypto::JwkThumbprint(key);
}

StatusOr<SigningKey> SigningKey::Generate(const std::string& base_url) {
  SigningKey out;
  ATTEST_ASSIGN_OR_RETURN(out.pkey_, NewRsaKey());
  ATTEST_ASSIGN_OR_RETURN(crypto::X509Ptr cert, IssueCertificate(out.pkey_.get(), base_url));
  ATTEST_ASSIGN_OR_RETURN(out.cert_der_, CertificateDer(cert.get()));
  ATTEST_ASSIGN_OR_RETURN(out.kid_, RsaJwkThumbprint(out.pkey_.get()));
  out.created_ = true;
  return out;
}

StatusOr<SigningKey> SigningKey::LoadOrCreate(const std::string& data_dir,
                                              const std::string& base_url) {
  const std::string key_path = JoinPath(data_dir, kKeyFile);
  const std::string cert_path = JoinPath(data_dir, kCertFile);
  SigningKey out;

  auto key_pem = ReadFileBytes(key_path, kMaxPemFile);
  if (key_pem.has_value()) {
    crypto::BioPtr bio(BIO_new_mem_buf(key_pem->data(), static_cast<int>(key_pem->size())));
    out.pkey_.reset(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!out.pkey_ || EVP_PKEY_get_base_id(out.pkey_.get()) != EVP_PKEY_RSA ||
        EVP_PKEY_get_bits(out.pkey_.get()) < 2048) {
      // Never silently replace a key that exists but is unusable: tokens signed with it
      // may still be in use. The operator must move it away.
      return Err(Status::FailedPrecondition(
          reason::kSigningKeyUnusable,
          key_path + " is not an RSA private key of at least 2048 bits"));
    }
  } else if (key_pem.error().code() == StatusCode::kNotFound) {
    ATTEST_ASSIGN_OR_RETURN(out.pkey_, NewRsaKey());
    ATTEST_ASSIGN_OR_RETURN(Bytes pem, PrivateKeyToPem(out.pkey_.get()));
    ATTEST_RETURN_IF_ERROR(WriteFileAtomic(key_path, pem, kSecretFileMode));
    OPENSSL_cleanse(pem.data(), pem.size());
    out.created_ = true;
  } else {
    return Err(key_pem.error());
  }

  crypto::X509Ptr cert;
  if (!out.created_) {
    if (auto cert_pem = ReadFileBytes(cert_path, kMaxPemFile); cert_pem.has_value()) {
      crypto::BioPtr bio(BIO_new_mem_buf(cert_pem->data(), static_cast<int>(cert_pem->size())));
      cert.reset(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
      if (cert && (X509_check_private_key(cert.get(), out.pkey_.get()) != 1 ||
                   CommonName(cert.get()) != CertificateName(base_url))) {
        cert.reset();  // not for this key or this issuer: re-issue below
      }
    }
  }
  if (!cert) {
    ATTEST_ASSIGN_OR_RETURN(cert, IssueCertificate(out.pkey_.get(), base_url));
    ATTEST_ASSIGN_OR_RETURN(Bytes pem, CertificateToPem(cert.get()));
    ATTEST_RETURN_IF_ERROR(WriteFileAtomic(cert_path, pem, kSecretFileMode));
  }
  ATTEST_ASSIGN_OR_RETURN(out.cert_der_, CertificateDer(cert.get()));
  ATTEST_ASSIGN_OR_RETURN(out.kid_, RsaJwkThumbprint(out.pkey_.get()));
  return out;
}

StatusOr<SigningKey> SigningKey::FromDer(ByteSpan private_key_der, ByteSpan cert_der) {
  SigningKey out;
  const unsigned char* p = private_key_der.data();
  out.pkey_.reset(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(private_key_der.size())));
  const unsigned char* c = cert_der.data();
  crypto::X509Ptr cert(d2i_X509(nullptr, &c, static_cast<long>(cert_der.size())));
  if (!out.pkey_ || EVP_PKEY_get_base_id(out.pkey_.get()) != EVP_PKEY_RSA ||
      EVP_PKEY_get_bits(out.pkey_.get()) < 2048 || !cert ||
      X509_check_private_key(cert.get(), out.pkey_.get()) != 1) {
    return Err(Status::FailedPrecondition(
        "SIGNING_KEY_UNUSABLE", "a stored token key is not an RSA key of at least 2048 bits "
                                "with its certificate"));
  }
  out.cert_der_.assign(cert_der.begin(), cert_der.end());
  ATTEST_ASSIGN_OR_RETURN(out.kid_, RsaJwkThumbprint(out.pkey_.get()));
  return out;
}

StatusOr<Bytes> SigningKey::PrivateKeyDer() const {
  int len = i2d_PrivateKey(pkey_.get(), nullptr);
  if (len <= 0) return Err(OpenSslError("i2d_PrivateKey"));
  Bytes der(static_cast<size_t>(len));
  unsigned char* p = der.data();
  if (i2d_PrivateKey(pkey_.get(), &p) != len) return Err(OpenSslError("i2d_PrivateKey"));
  return der;
}

StatusOr<Bytes> SigningKey::SignRs256(ByteSpan data) const {
  return crypto::SignJwsInput(crypto::JwsAlg::kRs256, pkey_.get(), AsChars(data));
}

}  // namespace attest::token
