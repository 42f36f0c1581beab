// QeIdentityBuilder: Intel PCS enclave identity v2 documents for the SGX QE (`id:"QE"`) and
// the TDX TD QE (`id:"TD_QE"`) (spec/intel-dcap.md §4.4), as compact PCS JSON
// `{"enclaveIdentity":{...},"signature":"<hex r ‖ s>"}` signed by the TCB Signing key.
// Value-type fluent builder; not thread-safe while being configured.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/time.h"
#include "testing/test_key.h"
#include "testing/test_time.h"

namespace attest::testing {

struct QeTcbLevelSpec {
  uint16_t isvsvn = 0;
  std::string status = "UpToDate";
  std::vector<std::string> advisory_ids;
  std::string tcb_date = "2024-03-13T00:00:00Z";
};

// Intel's QE signer (spec §4.4) and the values of Intel's QE report / identity.
inline constexpr std::string_view kSgxQeMrSignerHex =
    "8C4F5775D796503E96137F77C68A829A0056AC8DED70140B081B094490C57BFF";
inline constexpr std::string_view kTdQeMrSignerHex =
    "DC9E2A7C6F948F17474E34A7FC43ED030F7C1563F1BABDDF6340C82E0E54A8C5";

class QeIdentityBuilder {
 public:
  // Intel's SGX QE identity: isvprodid 1, attributes 11.., mask FBFF..FF00.., levels
  // isvsvn 8 UpToDate and isvsvn 6 OutOfDate (INTEL-SA-00615); valid kTestIssueDate ..
  // kTestNextUpdate.
  static QeIdentityBuilder Qe();
  // The TD QE identity: id TD_QE, isvprodid 2, TD QE signer, one level isvsvn 4 UpToDate.
  static QeIdentityBuilder TdQe();

  QeIdentityBuilder& WithId(std::string id);
  QeIdentityBuilder& WithVersion(int version);
  QeIdentityBuilder& WithIssueDate(UnixTime t);
  QeIdentityBuilder& WithNextUpdate(UnixTime t);
  QeIdentityBuilder& WithEvaluationDataNumber(uint32_t number);
  QeIdentityBuilder& WithMiscselect(Bytes miscselect, Bytes mask);
  QeIdentityBuilder& WithAttributes(Bytes attributes, Bytes mask);
  QeIdentityBuilder& WithMrSigner(Bytes mrsigner);
  QeIdentityBuilder& WithIsvProdId(uint16_t isvprodid);
  QeIdentityBuilder& WithLevels(std::vector<QeTcbLevelSpec> levels);
  QeIdentityBuilder& WithCorruptSignature();

  const Bytes& mrsigner() const { return mrsigner_; }
  uint16_t isvprodid() const { return isvprodid_; }
  const std::vector<QeTcbLevelSpec>& levels() const { return levels_; }

  // The `enclaveIdentity` value: the exact bytes the signature covers.
  std::string SignedBody() const;
  // The whole PCS response body.
  Bytes Build(const TestKey& signing_key) const;

 private:
  std::string id_;
  int version_ = 2;
  UnixTime issue_date_ = kTestIssueDate;
  UnixTime next_update_ = kTestNextUpdate;
  uint32_t evaluation_data_number_ = 17;
  Bytes miscselect_ = Bytes(4, 0x00);
  Bytes miscselect_mask_ = Bytes(4, 0xff);
  Bytes attributes_;
  Bytes attributes_mask_;
  Bytes mrsigner_;
  uint16_t isvprodid_ = 1;
  std::vector<QeTcbLevelSpec> levels_;
  bool corrupt_signature_ = false;
};

}  // namespace attest::testing
