#include "evidence/snp/snp_report.h"

#include <algorithm>
#include <cstdio>

#include "base/byte_reader.h"

namespace attest::snp {
namespace {

constexpr std::string_view kReason = "SNP_REPORT_TRUNCATED";

template <size_t N>
Status ReadArray(ByteReader& r, std::array<uint8_t, N>& out, std::string_view field) {
  auto s = r.Take(N, field);
  if (!s) return s.error();
  std::copy(s->begin(), s->end(), out.begin());
  return Status::Ok();
}

Status RequireZero(ByteReader& r, size_t n, std::string_view field) {
  auto s = r.Take(n, field);
  if (!s) return s.error();
  if (!std::all_of(s->begin(), s->end(), [](uint8_t b) { return b == 0; })) {
    return Status::InvalidEvidence(
        "SNP_REPORT_RESERVED_FIELD",
        "reserved field '" + std::string(field) + "' at offset " + std::to_string(r.offset() - n) +
            " must be zero");
  }
  return Status::Ok();
}

// A 72-byte little-endian signature component whose top 24 bytes must be zero (§5):
// returned big-endian, 48 bytes.
Status ReadSignatureComponent(ByteReader& r, std::array<uint8_t, 48>& out,
                              std::string_view field) {
  auto s = r.Take(72, field);
  if (!s) return s.error();
  if (!std::all_of(s->begin() + 48, s->end(), [](uint8_t b) { return b == 0; })) {
    return Status::InvalidEvidence("SNP_SIGNATURE_INVALID",
                                   "signature component " + std::string(field) +
                                       " is wider than 48 bytes");
  }
  std::reverse_copy(s->begin(), s->begin() + 48, out.begin());
  return Status::Ok();
}

#define SNP_READ(lhs, expr) ATTEST_ASSIGN_OR_RETURN(lhs, expr)

}  // namespace

std::string_view ProductName(Product p) {
  switch (p) {
    case Product::kMilan:
      return "Milan";
    case Product::kGenoa:
      return "Genoa";
    case Product::kTurin:
      return "Turin";
  }
  return "unknown";
}

std::optional<Product> ProductFromName(std::string_view name) {
  std::string_view line = name.substr(0, name.find('-'));
  for (Product p : {Product::kMilan, Product::kGenoa, Product::kTurin}) {
    if (line == ProductName(p)) return p;
  }
  return std::nullopt;
}

std::string_view SigningKeyName(SigningKey k) { return k == SigningKey::kVlek ? "VLEK" : "VCEK"; }

TcbVersion DecodeTcb(uint64_t raw, Product product) {
  auto byte = [raw](int i) { return static_cast<uint8_t>(raw >> (8 * i)); };
  TcbVersion t;
  t.raw = raw;
  if (product == Product::kTurin) {
    // spec/amd-sev-snp.md §4, Turin (family 0x1A) column.
    t.fmc = byte(0);
    t.bootloader = byte(1);
    t.tee = byte(2);
    t.snp = byte(3);
  } else {
    // Milan / Genoa (family 0x19): bytes 2..5 reserved.
    t.bootloader = byte(0);
    t.tee = byte(1);
    t.snp = byte(6);
  }
  t.microcode = byte(7);
  return t;
}

bool SnpReport::chip_id_is_zero() const {
  return std::all_of(chip_id.begin(), chip_id.end(), [](uint8_t b) { return b == 0; });
}

StatusOr<SnpReport> ParseSnpReport(ByteSpan data) {
  if (data.size() > kMaxReportBufferSize) {
    return Err(Status::InvalidEvidence("SNP_REPORT_TOO_LARGE",
                                       "SNP report buffer of " + std::to_string(data.size()) +
                                           " bytes exceeds " +
                                           std::to_string(kMaxReportBufferSize)));
  }
  if (data.size() < kReportSize) {
    return Err(Status::InvalidEvidence(std::string(kReason),
                                       "SNP report is " + std::to_string(data.size()) +
                                           " bytes, an ATTESTATION_REPORT is 1184"));
  }
  SnpReport rep;
  rep.raw.assign(data.begin(), data.begin() + kReportSize);
  ByteReader r(ByteSpan(rep.raw), "SNP report", kReason);
  // Offsets: spec/amd-sev-snp.md §2 (ABI pub. 56860, ATTESTATION_REPORT table).
  SNP_READ(rep.version, r.U32("VERSION"));  // 0x000
  if (rep.version < 2 || rep.version > 5) {
    return Err(Status::InvalidEvidence(
        "SNP_REPORT_VERSION_UNSUPPORTED",
        "SNP report version " + std::to_string(rep.version) + " is not 2, 3, 4 or 5"));
  }
  SNP_READ(rep.guest_svn, r.U32("GUEST_SVN"));  // 0x004
  SNP_READ(rep.policy, r.U64("POLICY"));        // 0x008
  // §3.1: bit 17 must be one, bits 63:26 must be zero.
  if (((rep.policy >> 17) & 1u) == 0) {
    return Err(Status::InvalidEvidence("SNP_REPORT_RESERVED_FIELD",
                                       "POLICY bit 17 (reserved, must be one) is clear"));
  }
  if ((rep.policy >> 26) != 0) {
    return Err(Status::InvalidEvidence("SNP_REPORT_RESERVED_FIELD",
                                       "POLICY reserved bits 63:26 are not zero"));
  }
  ATTEST_RETURN_IF_ERROR(ReadArray(r, rep.family_id, "FAMILY_ID"));  // 0x010
  ATTEST_RETURN_IF_ERROR(ReadArray(r, rep.image_id, "IMAGE_ID"));    // 0x020
  SNP_READ(rep.vmpl, r.U32("VMPL"));                                 // 0x030
  SNP_READ(rep.signature_algo, r.U32("SIGNATURE_ALGO"));             // 0x034
  SNP_READ(rep.current_tcb, r.U64("CURRENT_TCB"));                   // 0x038
  SNP_READ(rep.platform_info, r.U64("PLATFORM_INFO"));               // 0x040 (unknown bits kept)
  SNP_READ(rep.signer_info, r.U32("SIGNER_INFO"));                   // 0x048
  if ((rep.signer_info >> 5) != 0) {
    return Err(Status::InvalidEvidence("SNP_REPORT_RESERVED_FIELD",
                                       "signer-info reserved bits 31:5 are not zero"));
  }
  ATTEST_RETURN_IF_ERROR(RequireZero(r, 4, "reserved 0x04C"));
  ATTEST_RETURN_IF_ERROR(ReadArray(r, rep.report_data, "REPORT_DATA"));          // 0x050
  ATTEST_RETURN_IF_ERROR(ReadArray(r, rep.measurement, "MEASUREMENT"));          // 0x090
  ATTEST_RETURN_IF_ERROR(ReadArray(r, rep.host_data, "HOST_DATA"));              // 0x0C0
  ATTEST_RETURN_IF_ERROR(ReadArray(r, rep.id_key_digest, "ID_KEY_DIGEST"));      // 0x0E0
  ATTEST_RETURN_IF_ERROR(ReadArray(r, rep.author_key_digest, "AUTHOR_KEY_DIGEST"));  // 0x110
  ATTEST_RETURN_IF_ERROR(ReadArray(r, rep.report_id, "REPORT_ID"));              // 0x140
  ATTEST_RETURN_IF_ERROR(ReadArray(r, rep.report_id_ma, "REPORT_ID_MA"));        // 0x160
  SNP_READ(rep.reported_tcb, r.U64("REPORTED_TCB"));                            // 0x180
  if (rep.version >= 3) {
    // 0x188..0x18A: CPUID family, model, stepping (v3 added them); 0x18B..0x19F reserved.
    SNP_READ(uint8_t fam, r.U8("CPUID_FAM_ID"));
    SNP_READ(uint8_t mod, r.U8("CPUID_MOD_ID"));
    SNP_READ(uint8_t step, r.U8("CPUID_STEP"));
    rep.cpuid_fam_id = fam;
    rep.cpuid_mod_id = mod;
    rep.cpuid_step = step;
    ATTEST_RETURN_IF_ERROR(RequireZero(r, 21, "reserved 0x18B"));
  } else {
    ATTEST_RETURN_IF_ERROR(RequireZero(r, 24, "reserved 0x188"));
  }
  ATTEST_RETURN_IF_ERROR(ReadArray(r, rep.chip_id, "CHIP_ID"));  // 0x1A0
  SNP_READ(rep.committed_tcb, r.U64("COMMITTED_TCB"));           // 0x1E0
  SNP_READ(rep.current_build, r.U8("CURRENT_BUILD"));            // 0x1E8
  SNP_READ(rep.current_minor, r.U8("CURRENT_MINOR"));
  SNP_READ(rep.current_major, r.U8("CURRENT_MAJOR"));
  ATTEST_RETURN_IF_ERROR(RequireZero(r, 1, "reserved 0x1EB"));
  SNP_READ(rep.committed_build, r.U8("COMMITTED_BUILD"));  // 0x1EC
  SNP_READ(rep.committed_minor, r.U8("COMMITTED_MINOR"));
  SNP_READ(rep.committed_major, r.U8("COMMITTED_MAJOR"));
  ATTEST_RETURN_IF_ERROR(RequireZero(r, 1, "reserved 0x1EF"));
  SNP_READ(rep.launch_tcb, r.U64("LAUNCH_TCB"));  // 0x1F0
  if (rep.version >= 5) {
    SNP_READ(uint64_t launch_mit, r.U64("LAUNCH_MIT_VECTOR"));    // 0x1F8
    SNP_READ(uint64_t current_mit, r.U64("CURRENT_MIT_VECTOR"));  // 0x200
    rep.launch_mit_vector = launch_mit;
    rep.current_mit_vector = current_mit;
    ATTEST_RETURN_IF_ERROR(RequireZero(r, 152, "reserved 0x208"));
  } else {
    ATTEST_RETURN_IF_ERROR(RequireZero(r, 168, "reserved 0x1F8"));
  }
  // 0x2A0: signature block.
  ATTEST_RETURN_IF_ERROR(ReadSignatureComponent(r, rep.signature_r, "R"));
  ATTEST_RETURN_IF_ERROR(ReadSignatureComponent(r, rep.signature_s, "S"));
  ATTEST_RETURN_IF_ERROR(RequireZero(r, 368, "reserved 0x330"));
  // §5: only ECDSA P-384 with SHA-384 is defined.
  if (rep.signature_algo != 1) {
    return Err(Status::InvalidEvidence(
        "SNP_SIGNATURE_ALGO_UNSUPPORTED",
        "SIGNATURE_ALGO " + std::to_string(rep.signature_algo) + " is not 1 (ECDSA P-384)"));
  }
  // §3.3: 0 VCEK, 1 VLEK; 7 means unsigned, 2..6 reserved.
  if (rep.signing_key_bits() > 1) {
    return Err(Status::InvalidEvidence(
        "SNP_SIGNING_KEY_UNSUPPORTED",
        "SIGNING_KEY " + std::to_string(rep.signing_key_bits()) +
            (rep.signing_key_bits() == 7 ? " (no key: the report is unsigned)" : " (reserved)")));
  }
  return rep;
}

StatusOr<std::optional<Product>> ProductFromCpuid(const SnpReport& report) {
  if (!report.cpuid_fam_id) return std::optional<Product>();
  const uint8_t fam = *report.cpuid_fam_id;
  const uint8_t mod = *report.cpuid_mod_id;
  // §4.1 (virtee Generation::identify_cpu, trustee).
  if (fam == 0x19 && mod <= 0x0F) return std::optional<Product>(Product::kMilan);
  if (fam == 0x19 && ((mod >= 0x10 && mod <= 0x1F) || (mod >= 0xA0 && mod <= 0xAF))) {
    return std::optional<Product>(Product::kGenoa);
  }
  if (fam == 0x1A && mod <= 0x11) return std::optional<Product>(Product::kTurin);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "CPUID family 0x%02x model 0x%02x", fam, mod);
  return Err(Status::InvalidEvidence("SNP_PRODUCT_UNSUPPORTED",
                                     std::string(buf) + " is not a known SEV-SNP product"));
}

}  // namespace attest::snp
