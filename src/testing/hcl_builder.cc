#include "testing/hcl_builder.h"

#include <algorithm>

#include "testing/testing_ptr.h"

namespace attest::testing {
namespace {

void PutLe32(Bytes& b, size_t off, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[off + i] = static_cast<uint8_t>(v >> (8 * i));
}

}  // namespace

Bytes BuildHclReport(ByteSpan hardware_report, std::string_view variable_data,
                     evidence::azure_cvm::HclReportType type) {
  using evidence::azure_cvm::kHclHardwareReportSlot;
  using evidence::azure_cvm::kHclHeaderSize;
  using evidence::azure_cvm::kHclVariableDataOffset;
  BuilderCheck(hardware_report.size() <= kHclHardwareReportSlot, "hardware report too large");
  Bytes b(kHclVariableDataOffset + variable_data.size(), 0);
  PutLe32(b, 0, 0x414C4348);  // "HCLA"
  PutLe32(b, 4, 1);
  PutLe32(b, 8, static_cast<uint32_t>(b.size()));
  PutLe32(b, 12, 2);  // request type: the hardware report
  std::copy(hardware_report.begin(), hardware_report.end(), b.begin() + kHclHeaderSize);
  PutLe32(b, 0x4C0, static_cast<uint32_t>(20 + variable_data.size()));
  PutLe32(b, 0x4C4, 1);
  PutLe32(b, 0x4C8, static_cast<uint32_t>(type));
  PutLe32(b, 0x4CC, 1);  // SHA-256
  PutLe32(b, 0x4D0, static_cast<uint32_t>(variable_data.size()));
  std::copy(variable_data.begin(), variable_data.end(), b.begin() + kHclVariableDataOffset);
  return b;
}

}  // namespace attest::testing
