// Test-only Azure CVM material: an HCL report (spec/azure-cvm.md §3) around a hardware report
// (from the test AMD world) and the variable data it binds, as the vTPM's NV index 0x01400001
// holds it. Used by tests and by `attestctl azure-cvm simulate`.
#pragma once

#include <string_view>

#include "base/bytes.h"
#include "evidence/azure_cvm/hcl_report.h"

namespace attest::testing {

// Header, `hardware_report` in its 1184-byte slot, the IGVM request data naming SHA-256, and
// `variable_data`. The hardware report must already bind SHA-256(variable_data).
Bytes BuildHclReport(ByteSpan hardware_report, std::string_view variable_data,
                     evidence::azure_cvm::HclReportType type = evidence::azure_cvm::HclReportType::kSnp);

}  // namespace attest::testing
