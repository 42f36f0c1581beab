#include "crypto/x509.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "base/encoding.h"
#include "base/reasons.h"

namespace attest::crypto {
namespace {

constexpr std::string_view kPemCertBegin = "-----BEGIN CERTIFICATE-----";
constexpr std::string_view kPemCertEnd = "-----END CERTIFICATE-----";
constexpr std::string_view kPemCrlBegin = "-----BEGIN X509 CRL-----";
constexpr std::string_view kPemCrlEnd = "-----END X509 CRL-----";

Status CertError(std::string message) {
  return Status::InvalidEvidence(reason::kInvalidCertChain, std::move(message));
}
Status CrlError(std::string message) {
  return Status::InvalidCollateral(reason::kCrlUnsupportedFormat, std::move(message));
}

// Length of the outer DER TLV at the start of `der`, or 0 if it cannot be read.
size_t DerOuterLength(ByteSpan der) {
  if (der.size() < 2 || der[0] != 0x30) return 0;
  size_t len = der[1];
  size_t header = 2;
  if (len & 0x80) {
    size_t n = len & 0x7f;
    if (n == 0 || n > 4 || der.size() < 2 + n) return 0;
    len = 0;
    for (size_t i = 0; i < n; ++i) len = (len << 8) | der[2 + i];
    header += n;
  }
  if (header + len > der.size()) return 0;
  return header + len;
}

// Base64 body of one PEM block (whitespace removed).
StatusOr<Bytes> DecodePemBody(std::string_view body) {
  std::string clean;
  clean.reserve(body.size());
  for (char c : body) {
    if (c == '\r' || c == '\n' || c == ' ' || c == '\t') continue;
    clean += c;
  }
  return Base64Decode(clean);
}

}  // namespace

StatusOr<UnixTime> Asn1TimeToUnix(const ASN1_TIME* t) {
  struct tm tm {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) {
    return Err(Status::InvalidEvidence(reason::kInvalidCertChain, "unreadable ASN.1 time"));
  }
  int64_t days = DaysFromCivil(tm.tm_year + 1900, static_cast<unsigned>(tm.tm_mon + 1),
                               static_cast<unsigned>(tm.tm_mday));
  return days * 86400 + tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
}

std::string CommonNameOf(X509_NAME* name) {
  if (name == nullptr) return "";
  int idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (idx < 0) return "";
  X509_NAME_ENTRY* e = X509_NAME_get_entry(name, idx);
  ASN1_STRING* s = X509_NAME_ENTRY_get_data(e);
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, s);
  if (len < 0) return "";
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

// --- Certificate ---

Certificate::Certificate(const Certificate& other)
    : pkey_(other.pkey_),
      der_(other.der_),
      not_before_(other.not_before_),
      not_after_(other.not_after_) {
  X509_up_ref(other.x509_.get());
  x509_.reset(other.x509_.get());
}

Certificate& Certificate::operator=(const Certificate& other) {
  if (this != &other) {
    Certificate copy(other);
    *this = std::move(copy);
  }
  return *this;
}

StatusOr<Certificate> Certificate::FromDer(ByteSpan der) {
  const unsigned char* p = der.data();
  X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!x) return Err(CertError("certificate is not valid DER X.509"));
  if (p != der.data() + der.size()) return Err(CertError("bytes after the certificate's DER"));
  Certificate c;
  c.pkey_ = X509_get0_pubkey(x.get());
  if (c.pkey_ == nullptr) return Err(CertError("certificate public key is unreadable"));
  ATTEST_ASSIGN_OR_RETURN(c.not_before_, Asn1TimeToUnix(X509_get0_notBefore(x.get())));
  ATTEST_ASSIGN_OR_RETURN(c.not_after_, Asn1TimeToUnix(X509_get0_notAfter(x.get())));
  // Forces OpenSSL's cached extension parsing now, so later concurrent reads are safe.
  X509_check_ca(x.get());
  c.x509_ = std::move(x);
  c.der_ = std::make_shared<const Bytes>(der.begin(), der.end());
  return c;
}

StatusOr<std::vector<Certificate>> Certificate::ParsePemChain(std::string_view text,
                                                              size_t max_certs) {
  std::vector<Certificate> out;
  size_t pos = 0;
  while (true) {
    size_t begin = text.find(kPemCertBegin, pos);
    if (begin == std::string_view::npos) break;
    size_t body = begin + kPemCertBegin.size();
    size_t end = text.find(kPemCertEnd, body);
    if (end == std::string_view::npos) return Err(CertError("unterminated PEM certificate"));
    if (out.size() == max_certs) {
      return Err(CertError("more than " + std::to_string(max_certs) + " certificates in chain"));
    }
    auto der = DecodePemBody(text.substr(body, end - body));
    if (!der) return Err(CertError("PEM certificate body is not base64"));
    ATTEST_ASSIGN_OR_RETURN(Certificate c, FromDer(*der));
    out.push_back(std::move(c));
    pos = end + kPemCertEnd.size();
  }
  if (out.empty()) return Err(CertError("no PEM certificate found"));
  return out;
}

std::string Certificate::SubjectCommonName() const { return CommonNameOf(subject()); }
std::string Certificate::IssuerCommonName() const { return CommonNameOf(issuer()); }

std::string Certificate::SubjectText() const {
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr) return "";
  std::string out;
  if (X509_NAME_print_ex(bio, subject(), 0, XN_FLAG_RFC2253) >= 0) {
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    if (n > 0 && data != nullptr) out.assign(data, static_cast<size_t>(n));
  }
  BIO_free(bio);
  return out;
}
X509_NAME* Certificate::subject() const { return X509_get_subject_name(x509_.get()); }
X509_NAME* Certificate::issuer() const { return X509_get_issuer_name(x509_.get()); }

bool Certificate::IssuedBy(const Certificate& issuer_cert) const {
  return X509_NAME_cmp(issuer(), issuer_cert.subject()) == 0;
}
bool Certificate::IsSelfIssued() const { return X509_NAME_cmp(issuer(), subject()) == 0; }

ASN1_INTEGER* Certificate::serial() const { return X509_get_serialNumber(x509_.get()); }

std::string Certificate::SerialHex() const {
  BignumPtr bn(ASN1_INTEGER_to_BN(serial(), nullptr));
  if (!bn) return "";
  Bytes b(static_cast<size_t>(BN_num_bytes(bn.get())));
  BN_bn2bin(bn.get(), b.data());
  return HexEncode(b);
}

Bytes Certificate::SpkiDer() const {
  int len = i2d_PUBKEY(pkey_, nullptr);
  if (len <= 0) return {};
  Bytes out(static_cast<size_t>(len));
  unsigned char* p = out.data();
  i2d_PUBKEY(pkey_, &p);
  return out;
}

bool Certificate::VerifySignedBy(EVP_PKEY* issuer_key) const {
  return issuer_key != nullptr && X509_verify(x509_.get(), issuer_key) == 1;
}

bool Certificate::IsCa() const { return X509_check_ca(x509_.get()) >= 1; }

std::optional<ByteSpan> Certificate::ExtensionValue(std::string_view oid) const {
  ASN1_OBJECT* obj = OBJ_txt2obj(std::string(oid).c_str(), 1);
  if (obj == nullptr) return std::nullopt;
  int idx = X509_get_ext_by_OBJ(x509_.get(), obj, -1);
  ASN1_OBJECT_free(obj);
  if (idx < 0) return std::nullopt;
  X509_EXTENSION* ext = X509_get_ext(x509_.get(), idx);
  ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(ext);
  return ByteSpan(ASN1_STRING_get0_data(data), static_cast<size_t>(ASN1_STRING_length(data)));
}

// --- Crl ---

Crl::Crl(const Crl& other)
    : der_(other.der_),
      this_update_(other.this_update_),
      next_update_(other.next_update_),
      issuer_cn_(other.issuer_cn_) {
  X509_CRL_up_ref(other.crl_.get());
  crl_.reset(other.crl_.get());
}

Crl& Crl::operator=(const Crl& other) {
  if (this != &other) {
    Crl copy(other);
    *this = std::move(copy);
  }
  return *this;
}

StatusOr<Crl> Crl::Parse(ByteSpan data) {
  std::string_view text = AsChars(data);
  Bytes der;
  size_t pem = text.find(kPemCrlBegin);
  // Trim trailing NULs and whitespace for the text encodings.
  std::string_view trimmed = text;
  while (!trimmed.empty() && (trimmed.back() == '\0' || trimmed.back() == '\n' ||
                              trimmed.back() == '\r' || trimmed.back() == ' ')) {
    trimmed.remove_suffix(1);
  }
  if (pem != std::string_view::npos) {
    size_t body = pem + kPemCrlBegin.size();
    size_t end = text.find(kPemCrlEnd, body);
    if (end == std::string_view::npos) return Err(CrlError("unterminated PEM CRL"));
    auto decoded = DecodePemBody(text.substr(body, end - body));
    if (!decoded) return Err(CrlError("PEM CRL body is not base64"));
    der = std::move(*decoded);
  } else if (!trimmed.empty() && IsHexString(trimmed)) {
    auto decoded = HexDecode(trimmed);
    if (!decoded) return Err(CrlError("hex CRL is malformed"));
    der = std::move(*decoded);
  } else {
    der.assign(data.begin(), data.end());
  }
  size_t outer = DerOuterLength(der);
  if (outer == 0) return Err(CrlError("CRL is not DER, PEM or hex"));
  der.resize(outer);
  const unsigned char* p = der.data();
  X509CrlPtr crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size())));
  if (!crl) return Err(CrlError("CRL does not parse"));
  Crl c;
  const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl.get());
  if (next == nullptr) return Err(CrlError("CRL has no nextUpdate"));
  auto tu = Asn1TimeToUnix(X509_CRL_get0_lastUpdate(crl.get()));
  auto nu = Asn1TimeToUnix(next);
  if (!tu || !nu) return Err(CrlError("CRL times are unreadable"));
  c.this_update_ = *tu;
  c.next_update_ = *nu;
  c.crl_ = std::move(crl);
  c.issuer_cn_ = CommonNameOf(c.issuer());
  c.der_ = std::make_shared<const Bytes>(std::move(der));
  return c;
}

X509_NAME* Crl::issuer() const { return X509_CRL_get_issuer(crl_.get()); }
bool Crl::HasCrlNumber() const {
  return X509_CRL_get_ext_by_NID(crl_.get(), NID_crl_number, -1) >= 0;
}
bool Crl::HasAuthorityKeyId() const {
  return X509_CRL_get_ext_by_NID(crl_.get(), NID_authority_key_identifier, -1) >= 0;
}

bool Crl::VerifySignedBy(EVP_PKEY* issuer_key) const {
  return issuer_key != nullptr && X509_CRL_verify(crl_.get(), issuer_key) == 1;
}

bool Crl::IsRevoked(const Certificate& cert) const {
  X509_REVOKED* entry = nullptr;
  return X509_CRL_get0_by_serial(crl_.get(), &entry, cert.serial()) == 1;
}

}  // namespace attest::crypto
