#include "testing/crl_builder.h"

#include <openssl/x509v3.h>

#include "testing/testing_ptr.h"

namespace attest::testing {

using crypto::Asn1TimePtr;

CrlBuilder::CrlBuilder() : this_update_(kTestCrlThisUpdate), next_update_(kTestCrlNextUpdate) {}

CrlBuilder& CrlBuilder::WithValidity(UnixTime this_update, UnixTime next_update) {
  this_update_ = this_update;
  next_update_ = next_update;
  return *this;
}
CrlBuilder& CrlBuilder::Revoke(const TestCert& cert) { return RevokeSerial(cert.serial()); }
CrlBuilder& CrlBuilder::RevokeSerial(uint64_t serial) {
  revoked_.push_back(serial);
  return *this;
}
CrlBuilder& CrlBuilder::WithCrlNumber(uint64_t number) {
  crl_number_ = number;
  return *this;
}
CrlBuilder& CrlBuilder::WithoutCrlNumber() {
  crl_number_.reset();
  return *this;
}
CrlBuilder& CrlBuilder::WithoutAuthorityKeyId() {
  authority_key_id_ = false;
  return *this;
}

Bytes CrlBuilder::BuildDer(const TestCert& issuer) const { return BuildDer(issuer, issuer.key()); }

Bytes CrlBuilder::BuildDer(const TestCert& issuer, const TestKey& signing_key) const {
  crypto::X509CrlPtr crl(X509_CRL_new());
  BuilderCheck(crl != nullptr, "X509_CRL_new");
  X509_CRL* c = crl.get();
  BuilderCheck(X509_CRL_set_version(c, X509_CRL_VERSION_2) == 1, "X509_CRL_set_version");
  BuilderCheck(X509_CRL_set_issuer_name(c, X509_get_subject_name(issuer.get())) == 1, "CRL issuer");
  Asn1TimePtr this_update(ASN1_TIME_set(nullptr, static_cast<time_t>(this_update_)));
  Asn1TimePtr next_update(ASN1_TIME_set(nullptr, static_cast<time_t>(next_update_)));
  BuilderCheck(this_update && next_update && X509_CRL_set1_lastUpdate(c, this_update.get()) == 1 &&
                   X509_CRL_set1_nextUpdate(c, next_update.get()) == 1,
               "CRL validity");
  for (uint64_t serial : revoked_) {
    X509RevokedPtr entry(X509_REVOKED_new());
    Asn1IntegerPtr number(ASN1_INTEGER_new());
    BuilderCheck(entry && number && ASN1_INTEGER_set_uint64(number.get(), serial) == 1 &&
                     X509_REVOKED_set_serialNumber(entry.get(), number.get()) == 1 &&
                     X509_REVOKED_set_revocationDate(entry.get(), this_update.get()) == 1,
                 "revoked entry");
    BuilderCheck(X509_CRL_add0_revoked(c, entry.get()) == 1, "X509_CRL_add0_revoked");
    entry.release();  // owned by the CRL now
  }
  BuilderCheck(X509_CRL_sort(c) == 1, "X509_CRL_sort");
  if (crl_number_) {
    Asn1IntegerPtr number(ASN1_INTEGER_new());
    BuilderCheck(number && ASN1_INTEGER_set_uint64(number.get(), *crl_number_) == 1 &&
                     X509_CRL_add1_ext_i2d(c, NID_crl_number, number.get(), 0, 0) == 1,
                 "CRL number");
  }
  if (authority_key_id_) {
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer.get(), nullptr, nullptr, c, 0);
    X509ExtensionPtr ext(X509V3_EXT_nconf_nid(nullptr, &ctx, NID_authority_key_identifier, "keyid:always"));
    BuilderCheck(ext && X509_CRL_add_ext(c, ext.get(), -1) == 1, "CRL AKI");
  }
  BuilderCheck(X509_CRL_sign(c, signing_key.get(), EVP_sha256()) > 0, "X509_CRL_sign");
  int len = i2d_X509_CRL(c, nullptr);
  BuilderCheck(len > 0, "i2d_X509_CRL");
  Bytes der(static_cast<size_t>(len));
  uint8_t* p = der.data();
  i2d_X509_CRL(c, &p);
  return der;
}

}  // namespace attest::testing
