// X.509 certificates and CRLs: parsing (DER/PEM/hex), names, validity and signature checks.
//
// Thin owners over OpenSSL objects. Certificate and Crl are immutable after parsing and may
// be shared between threads (OpenSSL X509/X509_CRL are safe for concurrent reads once
// their cached extensions are computed, which Parse* forces).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"
#include "base/time.h"
#include "crypto/openssl_ptr.h"

namespace attest::crypto {

class Certificate {
 public:
  // Parses one DER certificate; trailing bytes are rejected.
  static StatusOr<Certificate> FromDer(ByteSpan der);
  // Parses every "-----BEGIN CERTIFICATE-----" block in `text`, in order, ignoring bytes
  // outside the blocks (NULs, CR/LF). Fails if a block does not parse or none is present.
  static StatusOr<std::vector<Certificate>> ParsePemChain(std::string_view text,
                                                          size_t max_certs = 16);

  Certificate(const Certificate& other);
  Certificate& operator=(const Certificate& other);
  Certificate(Certificate&&) noexcept = default;
  Certificate& operator=(Certificate&&) noexcept = default;

  X509* get() const { return x509_.get(); }
  const Bytes& der() const { return *der_; }
  std::string SubjectCommonName() const;
  std::string IssuerCommonName() const;
  // The subject DN in RFC 2253 form ("CN=...,O=...,C=..."), ASCII: bytes above 0x7F and
  // control characters are escaped (\\XX), so the text is always valid JSON string content.
  std::string SubjectText() const;
  X509_NAME* subject() const;
  X509_NAME* issuer() const;
  // True when this certificate's issuer DN equals `issuer`'s subject DN.
  bool IssuedBy(const Certificate& issuer) const;
  bool IsSelfIssued() const;
  UnixTime not_before() const { return not_before_; }
  UnixTime not_after() const { return not_after_; }
  bool ValidAt(UnixTime t) const { return not_before_ <= t && t <= not_after_; }
  // Serial number as big-endian bytes (no sign byte), hex lower-case.
  std::string SerialHex() const;
  ASN1_INTEGER* serial() const;
  EVP_PKEY* public_key() const { return pkey_; }
  // DER SubjectPublicKeyInfo.
  Bytes SpkiDer() const;
  // Verifies this certificate's signature with `issuer_key`.
  bool VerifySignedBy(EVP_PKEY* issuer_key) const;
  // basicConstraints cA flag (false if absent).
  bool IsCa() const;
  // DER contents (the OCTET STRING value) of the extension with dotted OID `oid`.
  std::optional<ByteSpan> ExtensionValue(std::string_view oid) const;

 private:
  Certificate() = default;
  X509Ptr x509_;
  EVP_PKEY* pkey_ = nullptr;  // owned by x509_
  std::shared_ptr<const Bytes> der_;
  UnixTime not_before_ = 0;
  UnixTime not_after_ = 0;
};

class Crl {
 public:
  // Accepts PEM ("-----BEGIN X509 CRL-----"), hex text of the DER, or DER (bytes after the
  // outer TLV are ignored). Reason on failure: CRL_UNSUPPORTED_FORMAT.
  static StatusOr<Crl> Parse(ByteSpan data);

  Crl(const Crl& other);
  Crl& operator=(const Crl& other);
  Crl(Crl&&) noexcept = default;
  Crl& operator=(Crl&&) noexcept = default;

  X509_CRL* get() const { return crl_.get(); }
  const Bytes& der() const { return *der_; }
  X509_NAME* issuer() const;
  // Read once at parse time: the PCK CRL check asks for it on every verification.
  const std::string& IssuerCommonName() const { return issuer_cn_; }
  UnixTime this_update() const { return this_update_; }
  // nextUpdate; CRLs without one are rejected at parse time.
  UnixTime next_update() const { return next_update_; }
  bool ValidAt(UnixTime t) const { return this_update_ <= t && t <= next_update_; }
  bool HasCrlNumber() const;
  bool HasAuthorityKeyId() const;
  bool VerifySignedBy(EVP_PKEY* issuer_key) const;
  bool IsRevoked(const Certificate& cert) const;

 private:
  Crl() = default;
  X509CrlPtr crl_;
  std::shared_ptr<const Bytes> der_;
  UnixTime this_update_ = 0;
  UnixTime next_update_ = 0;
  std::string issuer_cn_;
};

// Converts an ASN1_TIME to Unix seconds.
StatusOr<UnixTime> Asn1TimeToUnix(const ASN1_TIME* t);
// The first CN of a name, or "" when absent.
std::string CommonNameOf(X509_NAME* name);

}  // namespace attest::crypto
