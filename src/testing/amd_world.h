// A test AMD SEV-SNP world: per product a test ARK, ASK and ASVK (RSA, RSASSA-PSS/SHA-384 as
// AMD signs), VCEK/VLEK certificates with the AMD TCB, productName, hwID and cspID extensions
// (spec/amd-sev-snp.md §6.4), and byte-exact ATTESTATION_REPORTs signed with the endorsement
// key — so that every rejection reason of the SNP verifier has a unit test.
//
//   AmdWorld w = AmdWorld::Milan();
//   w.report.reported_tcb = ...;       // change one thing
//   AmdCase c = w.Build();             // report + chain + anchors + time
//
// The test ARKs are trusted only through AmdPki::Anchors() / AmdCase::anchors, which tests
// pass in their VerifyContext; a production configuration never sees them.
// AmdPki is immutable after construction (thread-safe); AmdWorld is a plain aggregate.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/time.h"
#include "collateral/collateral_provider.h"
#include "evidence/snp/snp_report.h"
#include "evidence/trust_anchors.h"
#include "testing/test_time.h"

namespace attest::testing {

// An owned certificate with the private key of its subject.
struct AmdTestCert {
  std::shared_ptr<X509> x509;
  std::shared_ptr<EVP_PKEY> key;
  Bytes Der() const;
  std::string Pem() const;
};

struct AmdProductPki {
  AmdTestCert ark;   // CN=ARK-<P>, self-signed
  AmdTestCert ask;   // CN=SEV-<P>
  AmdTestCert asvk;  // CN=SEV-VLEK-<P>
};

class AmdPki {
 public:
  // Mints RSA-2048 ARK/ASK/ASVK for Milan, Genoa and Turin, valid 2020..2045.
  AmdPki();
  static const AmdPki& Default();
  const AmdProductPki& product(snp::Product p) const { return products_.at(p); }
  // Pins this PKI's ARKs by SPKI.
  evidence::TrustAnchors Anchors() const;

 private:
  std::map<snp::Product, AmdProductPki> products_;
};

// The fields of a report the tests change; ToBytes() lays them out at the ABI offsets.
struct SnpReportFields {
  uint32_t version = 3;
  uint32_t guest_svn = 1;
  uint64_t policy = 0x30000;  // SMT + reserved bit 17
  uint32_t vmpl = 0;
  uint32_t signature_algo = 1;
  uint64_t current_tcb = 0;
  uint64_t reported_tcb = 0;
  uint64_t committed_tcb = 0;
  uint64_t launch_tcb = 0;
  uint64_t platform_info = 0x25;
  uint32_t signer_info = 0;  // SIGNING_KEY in bits 4:2
  std::array<uint8_t, 64> report_data{};
  std::array<uint8_t, 48> measurement{};
  std::array<uint8_t, 32> host_data{};
  std::array<uint8_t, 48> id_key_digest{};
  std::array<uint8_t, 64> chip_id{};
  uint8_t cpuid_fam = 0x19, cpuid_mod = 0x01, cpuid_step = 0x01;
  // Unsigned bytes written after layout: (offset, value) pokes for reserved-field tests.
  std::map<size_t, uint8_t> pokes;
  // The 1184 bytes with the signature block zero.
  Bytes ToBytes() const;
};

// Signs report[0:0x2A0] with a P-384 key into the little-endian R/S fields.
void SignSnpReport(Bytes& report, EVP_PKEY* p384_key);

// A TCB_VERSION in the product's layout (§4).
uint64_t EncodeTcb(snp::Product p, uint8_t bl, uint8_t tee, uint8_t snp, uint8_t ucode,
                   uint8_t fmc = 0);

struct AmdEkSpec {
  snp::SigningKey kind = snp::SigningKey::kVcek;
  std::string product_name = "Milan-B0";
  std::map<int, int64_t> spl;  // arc .3.<n> -> value
  std::optional<Bytes> hwid;
  std::optional<std::string> csp_id;
  std::string subject_cn = "SEV-VCEK";
  UnixTime not_before = kTestVerificationTime - 365 * kDay;
  UnixTime not_after = kTestVerificationTime + 6 * 365 * kDay;
};

// Issues an endorsement key certificate with a fresh P-384 key, signed by `issuer` (PSS).
AmdTestCert IssueEk(const AmdEkSpec& spec, const AmdTestCert& issuer);

// An RSA-2048 end-entity certificate with extendedKeyUsage `eku_oid`, signed by `issuer`
// (RSASSA-PSS): the signer of test COSE UVM endorsements.
AmdTestCert IssueRsaLeaf(const std::string& cn, const AmdTestCert& issuer,
                         const std::string& eku_oid, UnixTime not_before, UnixTime not_after);

struct AmdCase {
  Bytes report;
  Bytes ek_der;
  Bytes intermediate_der;
  Bytes ark_der;
  evidence::TrustAnchors anchors;
  UnixTime verification_time = kTestVerificationTime;
  // PEM EK ‖ intermediate ‖ ARK, as MAA clients send VcekCertChain.
  std::string ChainPem() const;
};

struct AmdWorld {
  // A VCEK-signed v3 report of the product whose TCB matches its VCEK (bl 3, tee 0, snp 8,
  // ucode 115; Turin with fmc 1).
  static AmdWorld Milan();
  static AmdWorld Genoa();
  static AmdWorld Turin();
  // A VLEK-signed Milan v3 report (CHIP_ID zero, VLEK with cspID).
  static AmdWorld MilanVlek();

  snp::Product product = snp::Product::kMilan;
  std::shared_ptr<const AmdPki> pki;
  SnpReportFields report;
  AmdEkSpec ek;
  UnixTime verification_time = kTestVerificationTime;
  // Overrides: another product's intermediate/ARK (wrong-chain tests), another signer.
  std::optional<snp::Product> chain_product;
  std::optional<AmdTestCert> ek_override;       // certificate sent instead of the minted one
  std::optional<std::shared_ptr<EVP_PKEY>> signing_key_override;  // signs the report instead
  bool corrupt_signature = false;

  AmdCase Build() const;
};

// A CollateralProvider over one AmdCase's certificates (and an optional CRL), for tests of
// requests that send no chain.
class AmdCaseProvider final : public collateral::CollateralProvider {
 public:
  explicit AmdCaseProvider(AmdCase c, std::optional<Bytes> crl_der = std::nullopt)
      : case_(std::move(c)), crl_(std::move(crl_der)) {}
  StatusOr<std::shared_ptr<const collateral::DcapCollateral>> GetDcapCollateral(
      const collateral::DcapCollateralRequest&) override;
  StatusOr<std::shared_ptr<const collateral::AmdCertificate>> GetAmdEkCertificate(
      const collateral::AmdEkCertificateRequest& request) override;
  StatusOr<std::shared_ptr<const collateral::AmdCaChain>> GetAmdCaChain(
      const collateral::AmdCaChainRequest& request) override;
  StatusOr<std::shared_ptr<const collateral::AmdCrl>> GetAmdCrl(
      const collateral::AmdCrlRequest& request) override;

 private:
  AmdCase case_;
  std::optional<Bytes> crl_;
};

// A CRL issued by `ark` at `at` (valid ±14 days) revoking `serials`, RSASSA-PSS signed.
Bytes MintAmdCrl(const AmdTestCert& ark, const std::vector<uint64_t>& serials, UnixTime at);

}  // namespace attest::testing
