#include "testing/test_pki.h"

namespace attest::testing {
namespace {

using collateral::PckCa;

// Intel's CRL distribution points (spec/intel-dcap.md §3.1).
constexpr char kRootCrlUri[] = "https://certificates.trustedservices.intel.com/IntelSGXRootCA.der";
constexpr char kPckCrlPlatformUri[] =
    "https://api.trustedservices.intel.com/sgx/certification/v4/pckcrl?ca=platform&encoding=der";
constexpr char kPckCrlProcessorUri[] =
    "https://api.trustedservices.intel.com/sgx/certification/v4/pckcrl?ca=processor&encoding=der";

TestCert MintRoot() {
  return CertBuilder(std::string(kRootCaCn)).AsCa(1).WithCrlDistributionPoint(kRootCrlUri).SelfSign();
}

}  // namespace

TestPki::TestPki()
    : root_(MintRoot()),
      platform_ca_(CertBuilder(std::string(kPlatformCaCn))
                       .AsCa(0)
                       .WithCrlDistributionPoint(kRootCrlUri)
                       .IssueBy(root_)),
      processor_ca_(CertBuilder(std::string(kProcessorCaCn))
                        .AsCa(0)
                        .WithCrlDistributionPoint(kRootCrlUri)
                        .IssueBy(root_)),
      tcb_signing_(CertBuilder(std::string(kTcbSigningCn))
                       .AsEndEntity()
                       .WithCrlDistributionPoint(kRootCrlUri)
                       .IssueBy(root_)) {}

const TestPki& TestPki::Default() {
  static const TestPki* pki = new TestPki();  // never destroyed: shared by every test
  return *pki;
}

const TestCert& TestPki::pck_ca(PckCa ca) const {
  return ca == PckCa::kPlatform ? platform_ca_ : processor_ca_;
}

evidence::TrustAnchors TestPki::Anchors() const {
  evidence::TrustAnchors anchors;
  anchors.intel_sgx_root_spki = root_.key().SpkiDer();
  return anchors;
}

std::string TestPki::TcbSigningChainPem() const { return PemChain({&tcb_signing_, &root_}); }

std::string TestPki::PckCaChainPem(PckCa ca) const { return PemChain({&pck_ca(ca), &root_}); }

evidence::TrustAnchors TestAnchors() { return TestPki::Default().Anchors(); }

PckCertBuilder::PckCertBuilder() { fields_.fmspc = {0x00, 0x90, 0x6e, 0xd5, 0x00, 0x00}; }

PckCertBuilder& PckCertBuilder::WithCa(PckCa ca) {
  ca_ = ca;
  if (ca == PckCa::kPlatform) {
    if (!fields_.platform_instance_id) fields_.platform_instance_id = Bytes(16, 0x5a);
    if (!fields_.configuration) fields_.configuration = dcap::PckConfiguration{false, true, true};
  } else {
    fields_.platform_instance_id.reset();
    fields_.configuration.reset();
  }
  return *this;
}
PckCertBuilder& PckCertBuilder::WithFmspc(Bytes fmspc) {
  fields_.fmspc = std::move(fmspc);
  return *this;
}
PckCertBuilder& PckCertBuilder::WithPceId(Bytes pceid) {
  fields_.pceid = std::move(pceid);
  return *this;
}
PckCertBuilder& PckCertBuilder::WithTcb(const std::array<uint8_t, 16>& comp_svn, uint16_t pcesvn) {
  fields_.comp_svn = comp_svn;
  fields_.pcesvn = pcesvn;
  return *this;
}
PckCertBuilder& PckCertBuilder::WithSgxType(int sgx_type) {
  fields_.sgx_type = sgx_type;
  return *this;
}
PckCertBuilder& PckCertBuilder::WithPpid(Bytes ppid) {
  fields_.ppid = std::move(ppid);
  return *this;
}
PckCertBuilder& PckCertBuilder::WithConfiguration(dcap::PckConfiguration configuration) {
  fields_.configuration = configuration;
  return *this;
}
PckCertBuilder& PckCertBuilder::WithValidity(UnixTime not_before, UnixTime not_after) {
  validity_ = {not_before, not_after};
  return *this;
}
PckCertBuilder& PckCertBuilder::WithSerial(uint64_t serial) {
  serial_ = serial;
  return *this;
}
PckCertBuilder& PckCertBuilder::WithKey(TestKey key) {
  key_ = std::move(key);
  return *this;
}
PckCertBuilder& PckCertBuilder::WithoutSgxExtension() {
  with_extension_ = false;
  return *this;
}
PckCertBuilder& PckCertBuilder::WithRawSgxExtension(Bytes der) {
  raw_extension_ = std::move(der);
  return *this;
}

CertBuilder PckCertBuilder::Configured() const {
  CertBuilder b{std::string(kPckLeafCn)};
  b.AsEndEntity().WithCrlDistributionPoint(ca_ == PckCa::kPlatform ? kPckCrlPlatformUri
                                                                    : kPckCrlProcessorUri);
  // PCKs are issued for about seven years.
  b.WithValidity(1704067200, 1924991999);  // 2024-01-01 .. 2030-12-31
  if (validity_) b.WithValidity(validity_->first, validity_->second);
  if (serial_) b.WithSerial(*serial_);
  if (key_) b.WithKey(*key_);
  if (with_extension_) {
    b.WithExtension(kSgxExtensionOid, raw_extension_ ? *raw_extension_ : EncodeSgxExtension(fields_));
  }
  return b;
}

TestCert PckCertBuilder::Build(const TestPki& pki) const { return Configured().IssueBy(pki.pck_ca(ca_)); }

TestCert PckCertBuilder::BuildSignedBy(const TestCert& issuer, const TestKey& signing_key) const {
  return Configured().IssueBy(issuer, signing_key);
}

}  // namespace attest::testing
