// TCB Info (SGX v2/v3, TDX v3) and enclave identity (QE / TD_QE v2) documents, parsed from
// the bytes whose signature was verified (spec/intel-dcap.md §4.2, §4.4).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"
#include "base/time.h"
#include "evidence/dcap/tcb_status.h"

namespace attest::dcap {

struct TcbLevel {
  std::array<uint8_t, 16> sgx_svn{};
  uint16_t pcesvn = 0;
  std::optional<std::array<uint8_t, 16>> tdx_svn;  // TDX TCB info only
  std::string tcb_date;
  TcbStatus status = TcbStatus::kUnrecognized;
  std::vector<std::string> advisory_ids;
};

struct TdxModuleLevel {
  uint8_t isvsvn = 0;
  std::string tcb_date;
  TcbStatus status = TcbStatus::kUnrecognized;
  std::vector<std::string> advisory_ids;
};

struct TdxModuleIdentity {
  std::string id;  // "TDX_01", upper-cased
  Bytes mrsigner;  // 48
  Bytes attributes;       // 8
  Bytes attributes_mask;  // 8
  std::vector<TdxModuleLevel> levels;  // sorted by isvsvn, descending
};

struct TcbInfo {
  std::string id;  // "SGX" (also for v2, which has no id) or "TDX"
  int version = 0;
  UnixTime issue_date = 0;
  UnixTime next_update = 0;
  Bytes fmspc;   // 6
  Bytes pce_id;  // 2
  uint32_t tcb_evaluation_data_number = 0;
  std::optional<TdxModuleIdentity> tdx_module;  // id empty; levels empty
  std::vector<TdxModuleIdentity> tdx_module_identities;
  std::vector<TcbLevel> levels;  // sorted descending as QVL does

  bool is_tdx() const { return id == "TDX"; }
};

// Parses the signed `tcbInfo` object. Reason TCB_INFO_UNSUPPORTED_FORMAT.
StatusOr<TcbInfo> ParseTcbInfo(std::string_view tcb_info_json);

struct QeTcbLevel {
  uint16_t isvsvn = 0;
  std::string tcb_date;
  TcbStatus status = TcbStatus::kUnrecognized;
  std::vector<std::string> advisory_ids;
};

struct EnclaveIdentity {
  std::string id;  // "QE", "TD_QE", ...
  int version = 0;
  UnixTime issue_date = 0;
  UnixTime next_update = 0;
  uint32_t tcb_evaluation_data_number = 0;
  Bytes miscselect, miscselect_mask;  // 4 bytes each, report memory order
  Bytes attributes, attributes_mask;  // 16 bytes each
  Bytes mrsigner;                     // 32
  uint16_t isvprodid = 0;
  std::vector<QeTcbLevel> levels;     // JSON order (highest first)
};

// Parses the signed `enclaveIdentity` object. Reason QE_IDENTITY_UNSUPPORTED_FORMAT.
StatusOr<EnclaveIdentity> ParseEnclaveIdentity(std::string_view identity_json);

}  // namespace attest::dcap
