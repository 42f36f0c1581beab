// TestPki and PckCertBuilder: a complete Intel-like SGX PKI minted for tests
// (spec/intel-dcap.md §3.1): a self-signed "Intel SGX Root CA" with a fresh key, the
// "Intel SGX PCK Platform CA" and "Intel SGX PCK Processor CA" intermediates, the
// "Intel SGX TCB Signing" certificate, and PCK leaves carrying the SGX extension (§3.2).
//
// The test root is trusted only through TestPki::Anchors() / TestAnchors(), which tests
// pass in their VerifyContext; nothing outside tests may use them.
// TestPki is immutable after construction and thread-safe; PckCertBuilder is a value-type
// fluent builder.
#pragma once

#include <optional>
#include <string>

#include "base/bytes.h"
#include "base/time.h"
#include "collateral/collateral_provider.h"
#include "evidence/trust_anchors.h"
#include "testing/sgx_extension.h"
#include "testing/test_certificate.h"

namespace attest::testing {

inline constexpr std::string_view kRootCaCn = "Intel SGX Root CA";
inline constexpr std::string_view kPlatformCaCn = "Intel SGX PCK Platform CA";
inline constexpr std::string_view kProcessorCaCn = "Intel SGX PCK Processor CA";
inline constexpr std::string_view kTcbSigningCn = "Intel SGX TCB Signing";
inline constexpr std::string_view kPckLeafCn = "Intel SGX PCK Certificate";

class TestPki {
 public:
  // Mints a fresh root key and certificate, both PCK CAs and the TCB Signing certificate,
  // all valid 2018-05-21 .. 2049-12-31.
  TestPki();

  // One process-wide PKI, minted on first use (saves key generation in every test).
  static const TestPki& Default();

  const TestCert& root() const { return root_; }
  const TestCert& platform_ca() const { return platform_ca_; }
  const TestCert& processor_ca() const { return processor_ca_; }
  const TestCert& pck_ca(collateral::PckCa ca) const;
  const TestCert& tcb_signing() const { return tcb_signing_; }

  // Anchors that pin this PKI's root key.
  evidence::TrustAnchors Anchors() const;
  // PEM "TCB Signing, Root": the issuer chain of TCB info and QE identity.
  std::string TcbSigningChainPem() const;
  // PEM "PCK CA, Root": the PCK CRL issuer chain.
  std::string PckCaChainPem(collateral::PckCa ca) const;

 private:
  TestCert root_;
  TestCert platform_ca_;
  TestCert processor_ca_;
  TestCert tcb_signing_;
};

// TestPki::Default().Anchors().
evidence::TrustAnchors TestAnchors();

class PckCertBuilder {
 public:
  // A Processor-CA PCK (5-entry extension), FMSPC 00906ED50000, all SVNs 0.
  PckCertBuilder();

  // Selects the issuing CA; Platform-CA PCKs get the 7-entry extension (Platform
  // Instance ID and Configuration), Processor-CA PCKs the 5-entry one.
  PckCertBuilder& WithCa(collateral::PckCa ca);
  PckCertBuilder& WithFmspc(Bytes fmspc);
  PckCertBuilder& WithPceId(Bytes pceid);
  PckCertBuilder& WithTcb(const std::array<uint8_t, 16>& comp_svn, uint16_t pcesvn);
  PckCertBuilder& WithSgxType(int sgx_type);
  PckCertBuilder& WithPpid(Bytes ppid);
  PckCertBuilder& WithConfiguration(dcap::PckConfiguration configuration);
  PckCertBuilder& WithValidity(UnixTime not_before, UnixTime not_after);
  PckCertBuilder& WithSerial(uint64_t serial);
  PckCertBuilder& WithKey(TestKey key);
  // A leaf without the SGX extension (INVALID_PCK_CERT).
  PckCertBuilder& WithoutSgxExtension();
  // Replaces the encoded extension value with `der` (malformed-extension tests).
  PckCertBuilder& WithRawSgxExtension(Bytes der);

  collateral::PckCa ca() const { return ca_; }
  const SgxExtensionFields& fields() const { return fields_; }

  // Issued and signed by `pki`'s CA for ca().
  TestCert Build(const TestPki& pki) const;
  // Issued by `issuer` (names, AKI) and signed with `signing_key`.
  TestCert BuildSignedBy(const TestCert& issuer, const TestKey& signing_key) const;

 private:
  CertBuilder Configured() const;

  collateral::PckCa ca_ = collateral::PckCa::kProcessor;
  SgxExtensionFields fields_;
  std::optional<std::pair<UnixTime, UnixTime>> validity_;
  std::optional<uint64_t> serial_;
  std::optional<TestKey> key_;
  bool with_extension_ = true;
  std::optional<Bytes> raw_extension_;
};

}  // namespace attest::testing
