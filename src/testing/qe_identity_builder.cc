#include "testing/qe_identity_builder.h"

#include <nlohmann/json.hpp>

#include "base/encoding.h"
#include "testing/tcb_info_builder.h"

namespace attest::testing {
namespace {

using ordered_json = nlohmann::ordered_json;

QeIdentityBuilder IntelDefaults(QeIdentityBuilder b) {
  // spec §4.4 "Real values".
  Bytes attributes(16, 0x00);
  attributes[0] = 0x11;
  Bytes mask(16, 0x00);
  for (size_t i = 0; i < 8; ++i) mask[i] = 0xff;
  mask[0] = 0xfb;
  return std::move(b.WithAttributes(attributes, mask));
}

}  // namespace

QeIdentityBuilder QeIdentityBuilder::Qe() {
  QeIdentityBuilder b;
  b.id_ = "QE";
  b.mrsigner_ = HexDecode(kSgxQeMrSignerHex).value();
  b.isvprodid_ = 1;
  b.levels_ = {QeTcbLevelSpec{8, "UpToDate", {}, "2024-03-13T00:00:00Z"},
               QeTcbLevelSpec{6, "OutOfDate", {"INTEL-SA-00615"}, "2023-08-09T00:00:00Z"}};
  return IntelDefaults(std::move(b));
}

QeIdentityBuilder QeIdentityBuilder::TdQe() {
  QeIdentityBuilder b;
  b.id_ = "TD_QE";
  b.mrsigner_ = HexDecode(kTdQeMrSignerHex).value();
  b.isvprodid_ = 2;
  b.levels_ = {QeTcbLevelSpec{4, "UpToDate", {}, "2024-03-13T00:00:00Z"}};
  return IntelDefaults(std::move(b));
}

QeIdentityBuilder& QeIdentityBuilder::WithId(std::string id) {
  id_ = std::move(id);
  return *this;
}
QeIdentityBuilder& QeIdentityBuilder::WithVersion(int version) {
  version_ = version;
  return *this;
}
QeIdentityBuilder& QeIdentityBuilder::WithIssueDate(UnixTime t) {
  issue_date_ = t;
  return *this;
}
QeIdentityBuilder& QeIdentityBuilder::WithNextUpdate(UnixTime t) {
  next_update_ = t;
  return *this;
}
QeIdentityBuilder& QeIdentityBuilder::WithEvaluationDataNumber(uint32_t number) {
  evaluation_data_number_ = number;
  return *this;
}
QeIdentityBuilder& QeIdentityBuilder::WithMiscselect(Bytes miscselect, Bytes mask) {
  miscselect_ = std::move(miscselect);
  miscselect_mask_ = std::move(mask);
  return *this;
}
QeIdentityBuilder& QeIdentityBuilder::WithAttributes(Bytes attributes, Bytes mask) {
  attributes_ = std::move(attributes);
  attributes_mask_ = std::move(mask);
  return *this;
}
QeIdentityBuilder& QeIdentityBuilder::WithMrSigner(Bytes mrsigner) {
  mrsigner_ = std::move(mrsigner);
  return *this;
}
QeIdentityBuilder& QeIdentityBuilder::WithIsvProdId(uint16_t isvprodid) {
  isvprodid_ = isvprodid;
  return *this;
}
QeIdentityBuilder& QeIdentityBuilder::WithLevels(std::vector<QeTcbLevelSpec> levels) {
  levels_ = std::move(levels);
  return *this;
}
QeIdentityBuilder& QeIdentityBuilder::WithCorruptSignature() {
  corrupt_signature_ = true;
  return *this;
}

std::string QeIdentityBuilder::SignedBody() const {
  // Member order as PCS serves it (spec §4.4).
  ordered_json j;
  j["id"] = id_;
  j["version"] = version_;
  j["issueDate"] = FormatRfc3339(issue_date_);
  j["nextUpdate"] = FormatRfc3339(next_update_);
  j["tcbEvaluationDataNumber"] = evaluation_data_number_;
  j["miscselect"] = HexEncodeUpper(miscselect_);
  j["miscselectMask"] = HexEncodeUpper(miscselect_mask_);
  j["attributes"] = HexEncodeUpper(attributes_);
  j["attributesMask"] = HexEncodeUpper(attributes_mask_);
  j["mrsigner"] = HexEncodeUpper(mrsigner_);
  j["isvprodid"] = isvprodid_;
  ordered_json levels = ordered_json::array();
  for (const QeTcbLevelSpec& l : levels_) {
    ordered_json level{{"tcb", {{"isvsvn", l.isvsvn}}}, {"tcbDate", l.tcb_date}, {"tcbStatus", l.status}};
    if (!l.advisory_ids.empty()) level["advisoryIDs"] = l.advisory_ids;
    levels.push_back(std::move(level));
  }
  j["tcbLevels"] = std::move(levels);
  return j.dump();
}

Bytes QeIdentityBuilder::Build(const TestKey& signing_key) const {
  return SignCollateralJson("enclaveIdentity", SignedBody(), signing_key, corrupt_signature_);
}

}  // namespace attest::testing
