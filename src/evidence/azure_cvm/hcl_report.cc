#include "evidence/azure_cvm/hcl_report.h"

#include <algorithm>
#include <string>

#include "base/byte_reader.h"
#include "base/encoding.h"
#include "base/reasons.h"
#include "crypto/digest.h"

namespace attest::evidence::azure_cvm {
namespace {

constexpr uint32_t kHclMagic = 0x414C4348;  // bytes "HCLA"
constexpr size_t kIgvmFixedSize = 20;       // data_size .. variable_data_size: 5 x u32
constexpr size_t kSnpReportDataOffset = 0x50;
constexpr size_t kTdReportDataOffset = 128;  // REPORTMACSTRUCT.REPORTDATA
constexpr size_t kReportDataSize = 64;

Status Malformed(std::string message) {
  return Status::InvalidEvidence(reason::kHclReportMalformed, "HCL report: " + std::move(message));
}

bool AllZero(ByteSpan b) {
  return std::all_of(b.begin(), b.end(), [](uint8_t v) { return v == 0; });
}

}  // namespace

StatusOr<HclReport> ParseHclReport(ByteSpan buffer) {
  if (buffer.size() > kHclMaxBufferSize) {
    return Err(Malformed(std::to_string(buffer.size()) + " bytes; an HCL report is at most " +
                         std::to_string(kHclMaxBufferSize)));
  }
  ByteReader r(buffer, "HCL report", reason::kHclReportMalformed);
  HclReport out;
  ATTEST_ASSIGN_OR_RETURN(uint32_t magic, r.U32("signature"));
  if (magic != kHclMagic) {
    return Err(Malformed("signature is not \"HCLA\""));
  }
  ATTEST_ASSIGN_OR_RETURN(out.version, r.U32("version"));
  ATTEST_ASSIGN_OR_RETURN(out.report_size, r.U32("report_size"));
  ATTEST_ASSIGN_OR_RETURN(out.request_type, r.U32("request_type"));
  ATTEST_ASSIGN_OR_RETURN(out.status, r.U32("status"));
  ATTEST_RETURN_IF_ERROR(r.Skip(12, "reserved"));
  ATTEST_ASSIGN_OR_RETURN(ByteSpan slot, r.Take(kHclHardwareReportSlot, "hardware report"));
  ATTEST_ASSIGN_OR_RETURN(uint32_t data_size, r.U32("data_size"));
  ATTEST_RETURN_IF_ERROR(r.Skip(4, "igvm version"));
  ATTEST_ASSIGN_OR_RETURN(uint32_t report_type, r.U32("report_type"));
  ATTEST_ASSIGN_OR_RETURN(uint32_t hash_type, r.U32("report_data_hash_type"));
  ATTEST_ASSIGN_OR_RETURN(uint32_t var_size, r.U32("variable_data_size"));
  // Sizes are compared in 64 bits: a lying u32 cannot wrap.
  if (static_cast<uint64_t>(data_size) != kIgvmFixedSize + static_cast<uint64_t>(var_size)) {
    return Err(Malformed("data_size " + std::to_string(data_size) +
                         " disagrees with variable_data_size " + std::to_string(var_size)));
  }
  if (static_cast<uint64_t>(out.report_size) !=
      kHclVariableDataOffset + static_cast<uint64_t>(var_size)) {
    return Err(Malformed("report_size " + std::to_string(out.report_size) +
                         " disagrees with variable_data_size " + std::to_string(var_size)));
  }
  ATTEST_ASSIGN_OR_RETURN(out.variable_data, r.Take(var_size, "variable data"));

  switch (report_type) {
    case static_cast<uint32_t>(HclReportType::kSnp):
      out.report_type = HclReportType::kSnp;
      out.hardware_report = slot.first(kSnpReportSize);
      break;
    case static_cast<uint32_t>(HclReportType::kTdx):
      out.report_type = HclReportType::kTdx;
      out.hardware_report = slot.first(kTdReportSize);
      if (!AllZero(slot.subspan(kTdReportSize))) {
        return Err(Malformed("the TDX report slot's bytes after the TDREPORT are not zero"));
      }
      break;
    default:
      return Err(Status::InvalidEvidence(
          reason::kHclReportUnsupported,
          "HCL report: report_type " + std::to_string(report_type) +
              " is not a hardware report attestd verifies (2 = SEV-SNP, 4 = TDX)"));
  }
  switch (hash_type) {
    case static_cast<uint32_t>(HclHashType::kSha256):
    case static_cast<uint32_t>(HclHashType::kSha384):
    case static_cast<uint32_t>(HclHashType::kSha512):
      out.hash_type = static_cast<HclHashType>(hash_type);
      break;
    default:
      return Err(Status::InvalidEvidence(
          reason::kHclReportUnsupported,
          "HCL report: report_data_hash_type " + std::to_string(hash_type) +
              " is unknown (1 = SHA-256, 2 = SHA-384, 3 = SHA-512)"));
  }
  return out;
}

ByteSpan HardwareReportData(const HclReport& report) {
  size_t offset =
      report.report_type == HclReportType::kTdx ? kTdReportDataOffset : kSnpReportDataOffset;
  return report.hardware_report.subspan(offset, kReportDataSize);
}

Status CheckVariableDataBinding(const HclReport& report, ByteSpan report_data) {
  if (report_data.size() != kReportDataSize) {
    return Status::InvalidEvidence(reason::kHclVariableDataMismatch,
                                   "report_data is " + std::to_string(report_data.size()) +
                                       " bytes, not 64");
  }
  crypto::Sha2 alg = report.hash_type == HclHashType::kSha384   ? crypto::Sha2::kSha384
                     : report.hash_type == HclHashType::kSha512 ? crypto::Sha2::kSha512
                                                                : crypto::Sha2::kSha256;
  Bytes digest = crypto::Sha2Digest(alg, report.variable_data);
  ByteSpan head = report_data.first(digest.size());
  if (!std::equal(head.begin(), head.end(), digest.begin())) {
    return Status::InvalidEvidence(
        reason::kHclVariableDataMismatch,
        "the hardware report's report_data does not commit to the HCL variable data (report_data "
        "starts " + HexEncode(head.first(8)) + "..., the variable data hashes to " +
            HexEncode(ByteSpan(digest).first(8)) + "...)");
  }
  if (!AllZero(report_data.subspan(digest.size()))) {
    return Status::InvalidEvidence(
        reason::kHclVariableDataMismatch,
        "the hardware report's report_data is not zero after the variable data's hash");
  }
  return Status::Ok();
}

}  // namespace attest::evidence::azure_cvm
