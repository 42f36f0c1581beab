// Intel DCAP quote parsing: SGX v3, TDX v4, v5 (spec/intel-dcap.md §1). Pure parsing: no
// cryptography and no trust decisions. All spans point into the caller's buffer.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "base/bytes.h"
#include "base/status.h"

namespace attest::dcap {

inline constexpr uint32_t kTeeTypeSgx = 0x00000000;
inline constexpr uint32_t kTeeTypeTdx = 0x00000081;
inline constexpr uint16_t kAttestationKeyTypeEcdsaP256 = 2;
inline constexpr size_t kQuoteHeaderSize = 48;
inline constexpr size_t kSgxReportBodySize = 384;
inline constexpr size_t kTdReport10Size = 584;
inline constexpr size_t kTdReport15Size = 648;
inline constexpr size_t kMaxQuoteSize = 1024 * 1024;
// Intel's QE vendor ID 939A7233-F79C-4CA9-940A-0DB3957F0607.
inline constexpr std::array<uint8_t, 16> kIntelQeVendorId = {
    0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9,
    0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07};

enum class BodyType { kSgx, kTd10, kTd15 };

// SGX report body (spec §1.5): the enclave body of SGX quotes and every QE report.
struct SgxReportBody {
  ByteSpan raw;  // 384 bytes
  ByteSpan cpusvn;            // 16
  uint32_t miscselect = 0;
  ByteSpan miscselect_bytes;  // 4, report memory order
  ByteSpan isv_ext_prod_id;   // 16
  ByteSpan attributes;        // 16
  ByteSpan mrenclave;         // 32
  ByteSpan mrsigner;          // 32
  ByteSpan config_id;         // 64
  uint16_t isv_prod_id = 0;
  uint16_t isv_svn = 0;
  uint16_t config_svn = 0;
  ByteSpan isv_family_id;     // 16
  ByteSpan report_data;       // 64

  bool debug() const { return (attributes[0] & 0x02) != 0; }
};

// TD report body 1.0 / 1.5 (spec §1.6).
struct TdReportBody {
  ByteSpan raw;
  ByteSpan tee_tcb_svn;     // 16
  ByteSpan mrseam;          // 48
  ByteSpan mrsignerseam;    // 48
  ByteSpan seam_attributes; // 8
  ByteSpan td_attributes;   // 8
  ByteSpan xfam;            // 8
  ByteSpan mrtd;            // 48
  ByteSpan mrconfigid;      // 48
  ByteSpan mrowner;         // 48
  ByteSpan mrownerconfig;   // 48
  std::array<ByteSpan, 4> rtmr;  // 48 each
  ByteSpan report_data;     // 64
  ByteSpan tee_tcb_svn2;    // 16, TD 1.5 only (empty otherwise)
  ByteSpan mrservicetd;     // 48, TD 1.5 only

  uint64_t td_attributes_u64() const;
  bool debug() const { return (td_attributes[0] & 0x01) != 0; }
};

// The QE report certification data, common to v3 (inline) and v4/v5 (type 6).
struct QeCertification {
  SgxReportBody qe_report;
  ByteSpan qe_report_signature;  // 64, r ‖ s by the PCK key
  ByteSpan qe_auth_data;
  uint16_t cert_data_type = 0;   // must be 5 to be verified
  ByteSpan cert_data;            // PEM chain for type 5
};

struct Quote {
  ByteSpan raw;                  // the signed quote and its signature data (no trailing bytes)
  uint16_t version = 0;
  uint16_t attestation_key_type = 0;
  uint32_t tee_type = 0;
  uint16_t qe_svn = 0;           // v3 header only (informational)
  uint16_t pce_svn = 0;          // v3 header only (informational)
  ByteSpan qe_vendor_id;
  ByteSpan user_data;
  BodyType body_type = BodyType::kSgx;
  std::optional<SgxReportBody> sgx_body;
  std::optional<TdReportBody> td_body;
  ByteSpan signed_bytes;         // header (‖ v5 descriptor) ‖ body: what the quote signature covers
  ByteSpan quote_signature;      // 64
  ByteSpan attestation_key;      // 64, x ‖ y
  QeCertification qe;
  size_t trailing_bytes = 0;     // unsigned bytes after the signature data (ignored)

  bool is_tdx() const { return tee_type == kTeeTypeTdx; }
  ByteSpan report_data() const { return sgx_body ? sgx_body->report_data : td_body->report_data; }
};

// Parses and structurally validates a quote (spec §1.2-1.10, QVL 4.1.2.4.1-4.1.2.4.2).
// Reasons: UNSUPPORTED_QUOTE_FORMAT, UNSUPPORTED_ATTESTATION_KEY_TYPE, UNKNOWN_QE_VENDOR,
// UNSUPPORTED_CERTIFICATION_DATA_TYPE. Bytes after the signature data are counted in
// `trailing_bytes` and otherwise ignored.
StatusOr<Quote> ParseQuote(ByteSpan data);

// Parses a 384-byte SGX report body.
SgxReportBody ParseSgxReportBody(ByteSpan raw);

}  // namespace attest::dcap
