// SnpReport: an AMD SEV-SNP ATTESTATION_REPORT (versions 2, 3, 4 and 5), parsed field by
// field from untrusted bytes (spec/amd-sev-snp.md §2; AMD SEV-SNP Firmware ABI spec,
// pub. 56860, table "ATTESTATION_REPORT structure"), and the product-specific decoding of
// TCB_VERSION (§4). Plain data; copy freely.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/status.h"

namespace attest::snp {

inline constexpr size_t kReportSize = 0x4A0;       // 1184 bytes
inline constexpr size_t kSignedRegionSize = 0x2A0;  // bytes 0x000..0x29F are signed
// A report may be followed by a GHCB certificate table (extended report, §6.6); anything
// beyond this is not a report.
inline constexpr size_t kMaxReportBufferSize = kReportSize + 64 * 1024;

// AMD product lines with their own ARK and KDS name (§4.1).
enum class Product { kMilan, kGenoa, kTurin };
std::string_view ProductName(Product p);  // "Milan", "Genoa", "Turin"
std::optional<Product> ProductFromName(std::string_view name);  // product line before '-'

// SIGNING_KEY of the signer-info word (§3.3).
enum class SigningKey { kVcek = 0, kVlek = 1 };
std::string_view SigningKeyName(SigningKey k);  // "VCEK", "VLEK"

// A decoded TCB_VERSION (§4). `fmc` exists on Turin only.
struct TcbVersion {
  uint64_t raw = 0;  // the 8 bytes as a little-endian u64
  std::optional<uint8_t> fmc;
  uint8_t bootloader = 0;
  uint8_t tee = 0;
  uint8_t snp = 0;
  uint8_t microcode = 0;
};
// Milan/Genoa: bl, tee, 4 reserved, snp, ucode. Turin: fmc, bl, tee, snp, 3 reserved, ucode.
TcbVersion DecodeTcb(uint64_t raw, Product product);

struct SnpReport {
  uint32_t version = 0;
  uint32_t guest_svn = 0;
  uint64_t policy = 0;
  std::array<uint8_t, 16> family_id{};
  std::array<uint8_t, 16> image_id{};
  uint32_t vmpl = 0;
  uint32_t signature_algo = 0;
  uint64_t current_tcb = 0;
  uint64_t platform_info = 0;
  uint32_t signer_info = 0;  // AUTHOR_KEY_EN, MASK_CHIP_KEY, SIGNING_KEY
  std::array<uint8_t, 64> report_data{};
  std::array<uint8_t, 48> measurement{};
  std::array<uint8_t, 32> host_data{};
  std::array<uint8_t, 48> id_key_digest{};
  std::array<uint8_t, 48> author_key_digest{};
  std::array<uint8_t, 32> report_id{};
  std::array<uint8_t, 32> report_id_ma{};
  uint64_t reported_tcb = 0;
  // v3+ only (reserved in v2).
  std::optional<uint8_t> cpuid_fam_id;
  std::optional<uint8_t> cpuid_mod_id;
  std::optional<uint8_t> cpuid_step;
  std::array<uint8_t, 64> chip_id{};
  uint64_t committed_tcb = 0;
  uint8_t current_build = 0, current_minor = 0, current_major = 0;
  uint8_t committed_build = 0, committed_minor = 0, committed_major = 0;
  uint64_t launch_tcb = 0;
  // v5+ only.
  std::optional<uint64_t> launch_mit_vector;
  std::optional<uint64_t> current_mit_vector;
  // Big-endian r and s (48 bytes each, from the 72-byte little-endian fields).
  std::array<uint8_t, 48> signature_r{};
  std::array<uint8_t, 48> signature_s{};

  // The exact 1184 bytes parsed; signed_region() is the first 0x2A0 of them.
  Bytes raw;
  ByteSpan signed_region() const { return ByteSpan(raw).first(kSignedRegionSize); }

  bool author_key_en() const { return (signer_info & 1u) != 0; }
  bool mask_chip_key() const { return (signer_info & 2u) != 0; }
  uint32_t signing_key_bits() const { return (signer_info >> 2) & 7u; }
  // POLICY bits (§3.1).
  bool policy_smt() const { return (policy >> 16) & 1u; }
  bool policy_migrate_ma() const { return (policy >> 18) & 1u; }
  bool policy_debug() const { return (policy >> 19) & 1u; }
  bool chip_id_is_zero() const;
};

// Parses the first 1184 bytes of `data` (later bytes: an extended report's certificate table,
// up to kMaxReportBufferSize). Rejects (reasons in docs/errors.md) a short or oversized
// buffer (SNP_REPORT_TRUNCATED, SNP_REPORT_TOO_LARGE), an unknown version
// (SNP_REPORT_VERSION_UNSUPPORTED), a must-be-zero field that is not zero or the must-be-one
// policy bit 17 clear (SNP_REPORT_RESERVED_FIELD), a SIGNATURE_ALGO other than ECDSA P-384
// (SNP_SIGNATURE_ALGO_UNSUPPORTED), a SIGNING_KEY other than VCEK/VLEK
// (SNP_SIGNING_KEY_UNSUPPORTED), and r or s wider than 48 bytes (SNP_SIGNATURE_INVALID).
StatusOr<SnpReport> ParseSnpReport(ByteSpan data);

// The product from the CPUID bytes of a v3+ report (§4.1); nullopt for v2 reports (CPUID
// absent); SNP_PRODUCT_UNSUPPORTED for a family/model attestd does not know.
StatusOr<std::optional<Product>> ProductFromCpuid(const SnpReport& report);

}  // namespace attest::snp
