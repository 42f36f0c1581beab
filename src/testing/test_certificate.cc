#include "testing/test_certificate.h"

#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "testing/testing_ptr.h"

namespace attest::testing {
namespace {

constexpr UnixTime kDefaultNotBefore = 1526899271;  // 2018-05-21T10:41:11Z
constexpr UnixTime kDefaultNotAfter = 2524607999;   // 2049-12-31T23:59:59Z

uint64_t RandomSerial() {
  uint64_t v = 0;
  BuilderCheck(RAND_bytes(reinterpret_cast<unsigned char*>(&v), sizeof v) == 1, "RAND_bytes");
  v &= 0x7fffffffffffffffULL;
  return v == 0 ? 1 : v;
}

void AddConfExtension(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  X509ExtensionPtr ext(X509V3_EXT_nconf_nid(nullptr, ctx, nid, value.c_str()));
  BuilderCheck(ext != nullptr, "X509V3_EXT_nconf_nid " + value);
  BuilderCheck(X509_add_ext(cert, ext.get(), -1) == 1, "X509_add_ext");
}

}  // namespace

TestCert::TestCert(std::shared_ptr<X509> x509, TestKey key, uint64_t serial)
    : x509_(std::move(x509)), key_(std::move(key)), serial_(serial) {}

Bytes TestCert::Der() const {
  int len = i2d_X509(x509_.get(), nullptr);
  BuilderCheck(len > 0, "i2d_X509");
  Bytes der(static_cast<size_t>(len));
  uint8_t* p = der.data();
  i2d_X509(x509_.get(), &p);
  return der;
}

std::string TestCert::Pem() const {
  crypto::BioPtr bio(BIO_new(BIO_s_mem()));
  BuilderCheck(bio && PEM_write_bio_X509(bio.get(), x509_.get()) == 1, "PEM_write_bio_X509");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

std::shared_ptr<X509_NAME> IntelName(std::string_view common_name) {
  std::shared_ptr<X509_NAME> name(X509_NAME_new(), X509_NAME_free);
  BuilderCheck(name != nullptr, "X509_NAME_new");
  auto add = [&](const char* field, std::string_view value) {
    BuilderCheck(X509_NAME_add_entry_by_txt(name.get(), field, MBSTRING_UTF8,
                                            reinterpret_cast<const unsigned char*>(value.data()),
                                            static_cast<int>(value.size()), -1, 0) == 1,
                 "X509_NAME_add_entry_by_txt");
  };
  add("CN", common_name);
  add("O", "Intel Corporation");
  add("L", "Santa Clara");
  add("ST", "CA");
  add("C", "US");
  return name;
}

std::string PemChain(const std::vector<const TestCert*>& certs) {
  std::string out;
  for (const TestCert* c : certs) out += c->Pem();
  return out;
}

CertBuilder::CertBuilder(std::string common_name)
    : common_name_(std::move(common_name)),
      key_(TestKey::Generate()),
      serial_(RandomSerial()),
      not_before_(kDefaultNotBefore),
      not_after_(kDefaultNotAfter) {}

CertBuilder& CertBuilder::WithKey(TestKey key) {
  key_ = std::move(key);
  return *this;
}
CertBuilder& CertBuilder::WithSerial(uint64_t serial) {
  serial_ = serial;
  return *this;
}
CertBuilder& CertBuilder::WithValidity(UnixTime not_before, UnixTime not_after) {
  not_before_ = not_before;
  not_after_ = not_after;
  return *this;
}
CertBuilder& CertBuilder::AsCa(int path_len) {
  ca_path_len_ = path_len;
  return *this;
}
CertBuilder& CertBuilder::AsEndEntity() {
  ca_path_len_.reset();
  return *this;
}
CertBuilder& CertBuilder::WithCrlDistributionPoint(std::string uri) {
  crl_distribution_point_ = std::move(uri);
  return *this;
}
CertBuilder& CertBuilder::WithExtension(std::string_view oid, Bytes der_value, bool critical) {
  extensions_.push_back({std::string(oid), std::move(der_value), critical});
  return *this;
}

TestCert CertBuilder::SelfSign() const { return Build(nullptr, key_); }
TestCert CertBuilder::IssueBy(const TestCert& issuer) const { return Build(&issuer, issuer.key()); }
TestCert CertBuilder::IssueBy(const TestCert& issuer, const TestKey& signing_key) const {
  return Build(&issuer, signing_key);
}

TestCert CertBuilder::Build(const TestCert* issuer, const TestKey& signing_key) const {
  std::shared_ptr<X509> cert(X509_new(), X509_free);
  BuilderCheck(cert != nullptr, "X509_new");
  X509* x = cert.get();
  BuilderCheck(X509_set_version(x, X509_VERSION_3) == 1, "X509_set_version");
  BuilderCheck(ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial_) == 1, "serial");
  auto subject = IntelName(common_name_);
  BuilderCheck(X509_set_subject_name(x, subject.get()) == 1, "subject");
  BuilderCheck(X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer->get()) : subject.get()) == 1,
               "issuer");
  BuilderCheck(ASN1_TIME_set(X509_getm_notBefore(x), static_cast<time_t>(not_before_)) != nullptr &&
                   ASN1_TIME_set(X509_getm_notAfter(x), static_cast<time_t>(not_after_)) != nullptr,
               "validity");
  BuilderCheck(X509_set_pubkey(x, key_.get()) == 1, "X509_set_pubkey");

  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer ? issuer->get() : x, x, nullptr, nullptr, 0);
  AddConfExtension(x, &ctx, NID_subject_key_identifier, "hash");
  AddConfExtension(x, &ctx, NID_authority_key_identifier, "keyid:always");
  if (ca_path_len_) {
    AddConfExtension(x, &ctx, NID_basic_constraints,
                     "critical,CA:TRUE,pathlen:" + std::to_string(*ca_path_len_));
    AddConfExtension(x, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    AddConfExtension(x, &ctx, NID_basic_constraints, "critical,CA:FALSE");
    AddConfExtension(x, &ctx, NID_key_usage, "critical,digitalSignature,nonRepudiation");
  }
  if (crl_distribution_point_) {
    AddConfExtension(x, &ctx, NID_crl_distribution_points, "URI:" + *crl_distribution_point_);
  }
  for (const RawExtension& e : extensions_) {
    Asn1ObjectPtr obj(OBJ_txt2obj(e.oid.c_str(), 1));
    Asn1OctetStringPtr value(ASN1_OCTET_STRING_new());
    BuilderCheck(obj && value &&
                     ASN1_OCTET_STRING_set(value.get(), e.der_value.data(),
                                           static_cast<int>(e.der_value.size())) == 1,
                 "extension value");
    X509ExtensionPtr ext(X509_EXTENSION_create_by_OBJ(nullptr, obj.get(), e.critical ? 1 : 0, value.get()));
    BuilderCheck(ext && X509_add_ext(x, ext.get(), -1) == 1, "X509_add_ext " + e.oid);
  }
  BuilderCheck(X509_sign(x, signing_key.get(), EVP_sha256()) > 0, "X509_sign");
  return TestCert(std::move(cert), key_, serial_);
}

}  // namespace attest::testing
