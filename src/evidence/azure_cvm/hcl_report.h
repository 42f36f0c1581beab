// The HCL report of an Azure confidential VM (spec/azure-cvm.md §3): the paravisor's
// ("HCL") container around a hardware report whose report_data commits to a JSON document
// of runtime claims (the "variable data", §4) holding the vTPM's attestation key. Read from
// vTPM NV index 0x01400001. Microsoft publishes no specification of it; the layout and the
// rules below are those every known verifier and the shared vectors agree on.
//
// Pure parsing and binding checks: the hardware report itself is verified by the SNP or TDX
// verifier, the vTPM quote by the TPM verifier.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/bytes.h"
#include "base/status.h"

namespace attest::evidence::azure_cvm {

// IGVM request data `report_type` (§3): which hardware report the slot at 0x20 holds.
enum class HclReportType : uint32_t {
  kSnp = 2,           // SEV-SNP ATTESTATION_REPORT, 1184 bytes
  kTrustedLaunch = 3, // "TVM": no hardware report (refused: nothing to verify)
  kTdx = 4,           // TDX TDREPORT, 1024 bytes (MAC-bound to the platform; needs a TD quote)
};

// IGVM request data `report_data_hash_type` (§3).
enum class HclHashType : uint32_t { kSha256 = 1, kSha384 = 2, kSha512 = 3 };

inline constexpr size_t kHclHeaderSize = 0x20;
inline constexpr size_t kHclHardwareReportSlot = 1184;  // sized for the larger (SNP) report
inline constexpr size_t kHclVariableDataOffset = 0x4D4;
inline constexpr size_t kSnpReportSize = 1184;
inline constexpr size_t kTdReportSize = 1024;
// The NV buffer is 2048 or 2600 bytes; anything far larger is not an HCL report.
inline constexpr size_t kHclMaxBufferSize = 64 * 1024;

struct HclReport {
  uint32_t version = 0;
  uint32_t report_size = 0;   // meaningful bytes: 0x4D4 + variable data size
  uint32_t request_type = 0;  // 1 key-release, 2 AK-certificate request
  uint32_t status = 0;        // the word at 0x10; expected 0, not enforced (§3)
  HclReportType report_type = HclReportType::kSnp;
  HclHashType hash_type = HclHashType::kSha256;
  // Spans into the buffer given to ParseHclReport, which must outlive them.
  ByteSpan hardware_report;   // SNP: 1184 bytes; TDX: the 1024-byte TDREPORT
  ByteSpan variable_data;     // the exact bytes report_data commits to
};

// Parses an HCL report (or the whole NV buffer: bytes after report_size are ignored).
// Refuses (InvalidEvidence): a buffer shorter than the fixed part or over
// kHclMaxBufferSize, a wrong magic, a report_size or data_size that disagrees with the
// variable data's size, variable data running past the buffer (HCL_REPORT_MALFORMED); an
// unknown or trusted-launch report type, an unknown hash type (HCL_REPORT_UNSUPPORTED); a
// TDX report slot whose tail is not zero (HCL_REPORT_MALFORMED).
StatusOr<HclReport> ParseHclReport(ByteSpan buffer);

// The 64-byte report_data of the hardware report: SNP REPORT_DATA at 0x50, TDX
// REPORTMACSTRUCT.REPORTDATA at 128.
ByteSpan HardwareReportData(const HclReport& report);

// The binding of §5 step 4 / §7 step 5: report_data = H(variable data) followed by zero bytes,
// H being the report's hash type. `report_data` is the 64 bytes the verified hardware report
// (or, for TDX, the verified TD quote) carries. HCL_VARIABLE_DATA_MISMATCH (InvalidEvidence)
// names which part differs.
Status CheckVariableDataBinding(const HclReport& report, ByteSpan report_data);

}  // namespace attest::evidence::azure_cvm
