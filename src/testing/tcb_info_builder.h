// TcbInfoBuilder: Intel PCS TCB info documents (spec/intel-dcap.md §4.2) — SGX v2 and v3,
// TDX v3 with tdxModule and tdxModuleIdentities — as the exact compact JSON PCS serves,
// `{"tcbInfo":{...},"signature":"<hex r ‖ s>"}`, signed over the exact bytes of the
// `tcbInfo` value (§4.3) by the TCB Signing key.
// Value-type fluent builder; not thread-safe while being configured.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/time.h"
#include "testing/test_key.h"
#include "testing/test_time.h"

namespace attest::testing {

struct TcbLevelSpec {
  std::array<uint8_t, 16> sgx_svn{};
  uint16_t pcesvn = 0;
  std::optional<std::array<uint8_t, 16>> tdx_svn;  // required for TDX TCB info
  std::string status = "UpToDate";
  std::vector<std::string> advisory_ids;  // omitted from the JSON when empty
  std::string tcb_date = "2024-03-13T00:00:00Z";
};

struct TdxModuleLevelSpec {
  uint8_t isvsvn = 0;
  std::string status = "UpToDate";
  std::vector<std::string> advisory_ids;
  std::string tcb_date = "2024-03-13T00:00:00Z";
};

// `tdxModule` (id and levels unused) or one `tdxModuleIdentities` entry.
struct TdxModuleSpec {
  std::string id = "TDX_01";
  Bytes mrsigner = Bytes(48, 0x00);
  Bytes attributes = Bytes(8, 0x00);
  Bytes attributes_mask = Bytes(8, 0xff);
  std::vector<TdxModuleLevelSpec> levels;
};

// Signs `body` with `key` and wraps it as {"<body_key>":<body>,"signature":"<hex>"}. With
// `corrupt_signature` one bit of r is flipped after signing.
Bytes SignCollateralJson(std::string_view body_key, const std::string& body, const TestKey& key,
                         bool corrupt_signature);

class TcbInfoBuilder {
 public:
  // Valid kTestIssueDate .. kTestNextUpdate. SGX TCB info (version 3, or 2 for the PCS v3 format without `id`), FMSPC
  // 00906ED50000, one UpToDate level with all SVNs 0.
  static TcbInfoBuilder Sgx(int version = 3);
  // TDX TCB info v3 with an all-zero tdxModule and no module identities.
  static TcbInfoBuilder Tdx();

  // Overrides `id`; nullopt omits the member.
  TcbInfoBuilder& WithId(std::optional<std::string> id);
  TcbInfoBuilder& WithVersion(int version);
  TcbInfoBuilder& WithIssueDate(UnixTime t);
  TcbInfoBuilder& WithNextUpdate(UnixTime t);
  TcbInfoBuilder& WithFmspc(Bytes fmspc);
  TcbInfoBuilder& WithPceId(Bytes pceid);
  TcbInfoBuilder& WithTcbType(int tcb_type);
  TcbInfoBuilder& WithEvaluationDataNumber(uint32_t number);
  TcbInfoBuilder& WithLevels(std::vector<TcbLevelSpec> levels);
  TcbInfoBuilder& WithTdxModule(TdxModuleSpec module);
  TcbInfoBuilder& WithTdxModuleIdentities(std::vector<TdxModuleSpec> identities);
  TcbInfoBuilder& WithCorruptSignature();

  const std::vector<TcbLevelSpec>& levels() const { return levels_; }
  const Bytes& fmspc() const { return fmspc_; }

  // The `tcbInfo` value: the exact bytes the signature covers.
  std::string SignedBody() const;
  // The whole PCS response body.
  Bytes Build(const TestKey& signing_key) const;

 private:
  std::optional<std::string> id_;
  int version_ = 3;
  UnixTime issue_date_ = kTestIssueDate;
  UnixTime next_update_ = kTestNextUpdate;
  Bytes fmspc_;
  Bytes pce_id_ = Bytes(2, 0x00);
  int tcb_type_ = 0;
  uint32_t evaluation_data_number_ = 17;
  std::vector<TcbLevelSpec> levels_;
  std::optional<TdxModuleSpec> tdx_module_;
  std::vector<TdxModuleSpec> tdx_module_identities_;
  bool corrupt_signature_ = false;
};

}  // namespace attest::testing
