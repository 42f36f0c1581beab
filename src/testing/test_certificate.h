// TestCert and CertBuilder: X.509 v3 certificates minted for tests, with Intel's DN form
// (CN=<name>, O=Intel Corporation, L=Santa Clara, ST=CA, C=US; spec/intel-dcap.md §3.1),
// P-256 keys and ECDSA-with-SHA256 signatures.
//
// TestCert is immutable and cheap to copy (shared OpenSSL object); thread-safe for reads.
// CertBuilder is a value-type fluent builder; not thread-safe while being configured.
#pragma once

#include <openssl/x509.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/time.h"
#include "testing/test_key.h"

namespace attest::testing {

class TestCert {
 public:
  TestCert(std::shared_ptr<X509> x509, TestKey key, uint64_t serial);

  X509* get() const { return x509_.get(); }
  // The subject's key pair (the private half signs what this certificate certifies).
  const TestKey& key() const { return key_; }
  uint64_t serial() const { return serial_; }
  Bytes Der() const;
  std::string Pem() const;

 private:
  std::shared_ptr<X509> x509_;
  TestKey key_;
  uint64_t serial_;
};

// "CN=<cn>, O=Intel Corporation, L=Santa Clara, ST=CA, C=US".
std::shared_ptr<X509_NAME> IntelName(std::string_view common_name);

// Concatenated PEM of `certs` in the given order.
std::string PemChain(const std::vector<const TestCert*>& certs);

class CertBuilder {
 public:
  // A fresh key, a random positive 63-bit serial, validity 2018-05-21 .. 2049-12-31.
  explicit CertBuilder(std::string common_name);

  CertBuilder& WithKey(TestKey key);
  CertBuilder& WithSerial(uint64_t serial);
  CertBuilder& WithValidity(UnixTime not_before, UnixTime not_after);
  // basicConstraints (critical) CA:TRUE with pathlen; keyUsage (critical) keyCertSign, cRLSign.
  CertBuilder& AsCa(int path_len);
  // basicConstraints (critical) CA:FALSE; keyUsage (critical) digitalSignature,
  // nonRepudiation (Intel's PCK and TCB Signing profile). The default.
  CertBuilder& AsEndEntity();
  CertBuilder& WithCrlDistributionPoint(std::string uri);
  // An extra extension with a DER value, e.g. the SGX extension.
  CertBuilder& WithExtension(std::string_view oid, Bytes der_value, bool critical = false);

  TestCert SelfSign() const;
  TestCert IssueBy(const TestCert& issuer) const;
  // Names `issuer` as issuer (DN and AKI) but signs with `signing_key`: a certificate whose
  // signature does not verify under its issuer.
  TestCert IssueBy(const TestCert& issuer, const TestKey& signing_key) const;

 private:
  struct RawExtension {
    std::string oid;
    Bytes der_value;
    bool critical;
  };
  TestCert Build(const TestCert* issuer, const TestKey& signing_key) const;

  std::string common_name_;
  TestKey key_;
  uint64_t serial_;
  UnixTime not_before_;
  UnixTime not_after_;
  std::optional<int> ca_path_len_;
  std::optional<std::string> crl_distribution_point_;
  std::vector<RawExtension> extensions_;
};

}  // namespace attest::testing
