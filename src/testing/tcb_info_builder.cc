#include "testing/tcb_info_builder.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "base/encoding.h"
#include "testing/testing_ptr.h"

namespace attest::testing {
namespace {

using ordered_json = nlohmann::ordered_json;

ordered_json Components(const std::array<uint8_t, 16>& svn) {
  ordered_json arr = ordered_json::array();
  for (uint8_t s : svn) arr.push_back(ordered_json{{"svn", s}});
  return arr;
}

void AddAdvisories(ordered_json& level, const std::vector<std::string>& ids) {
  if (!ids.empty()) level["advisoryIDs"] = ids;
}

ordered_json ModuleJson(const TdxModuleSpec& m, bool identity) {
  ordered_json j;
  if (identity) j["id"] = m.id;
  j["mrsigner"] = HexEncodeUpper(m.mrsigner);
  j["attributes"] = HexEncodeUpper(m.attributes);
  j["attributesMask"] = HexEncodeUpper(m.attributes_mask);
  if (identity) {
    ordered_json levels = ordered_json::array();
    for (const TdxModuleLevelSpec& l : m.levels) {
      ordered_json level{{"tcb", {{"isvsvn", l.isvsvn}}}, {"tcbDate", l.tcb_date}, {"tcbStatus", l.status}};
      AddAdvisories(level, l.advisory_ids);
      levels.push_back(std::move(level));
    }
    j["tcbLevels"] = std::move(levels);
  }
  return j;
}

}  // namespace

Bytes SignCollateralJson(std::string_view body_key, const std::string& body, const TestKey& key,
                         bool corrupt_signature) {
  Bytes sig = key.SignRaw(AsBytes(body));
  if (corrupt_signature) sig[5] ^= 0x01;
  std::string doc = "{\"" + std::string(body_key) + "\":" + body + ",\"signature\":\"" +
                    HexEncode(sig) + "\"}";
  return ToBytes(doc);
}

TcbInfoBuilder TcbInfoBuilder::Sgx(int version) {
  TcbInfoBuilder b;
  b.version_ = version;
  if (version >= 3) b.id_ = "SGX";
  b.fmspc_ = {0x00, 0x90, 0x6e, 0xd5, 0x00, 0x00};
  b.levels_ = {TcbLevelSpec{}};
  return b;
}

TcbInfoBuilder TcbInfoBuilder::Tdx() {
  TcbInfoBuilder b;
  b.version_ = 3;
  b.id_ = "TDX";
  b.fmspc_ = {0x00, 0x80, 0x6f, 0x05, 0x00, 0x00};
  TcbLevelSpec level;
  level.tdx_svn = std::array<uint8_t, 16>{};
  b.levels_ = {level};
  b.tdx_module_ = TdxModuleSpec{};
  return b;
}

TcbInfoBuilder& TcbInfoBuilder::WithId(std::optional<std::string> id) {
  id_ = std::move(id);
  return *this;
}
TcbInfoBuilder& TcbInfoBuilder::WithVersion(int version) {
  version_ = version;
  return *this;
}
TcbInfoBuilder& TcbInfoBuilder::WithIssueDate(UnixTime t) {
  issue_date_ = t;
  return *this;
}
TcbInfoBuilder& TcbInfoBuilder::WithNextUpdate(UnixTime t) {
  next_update_ = t;
  return *this;
}
TcbInfoBuilder& TcbInfoBuilder::WithFmspc(Bytes fmspc) {
  fmspc_ = std::move(fmspc);
  return *this;
}
TcbInfoBuilder& TcbInfoBuilder::WithPceId(Bytes pceid) {
  pce_id_ = std::move(pceid);
  return *this;
}
TcbInfoBuilder& TcbInfoBuilder::WithTcbType(int tcb_type) {
  tcb_type_ = tcb_type;
  return *this;
}
TcbInfoBuilder& TcbInfoBuilder::WithEvaluationDataNumber(uint32_t number) {
  evaluation_data_number_ = number;
  return *this;
}
TcbInfoBuilder& TcbInfoBuilder::WithLevels(std::vector<TcbLevelSpec> levels) {
  levels_ = std::move(levels);
  return *this;
}
TcbInfoBuilder& TcbInfoBuilder::WithTdxModule(TdxModuleSpec module) {
  tdx_module_ = std::move(module);
  return *this;
}
TcbInfoBuilder& TcbInfoBuilder::WithTdxModuleIdentities(std::vector<TdxModuleSpec> identities) {
  tdx_module_identities_ = std::move(identities);
  return *this;
}
TcbInfoBuilder& TcbInfoBuilder::WithCorruptSignature() {
  corrupt_signature_ = true;
  return *this;
}

std::string TcbInfoBuilder::SignedBody() const {
  // Member order as PCS serves it (spec §4.2).
  ordered_json j;
  if (id_) j["id"] = *id_;
  j["version"] = version_;
  j["issueDate"] = FormatRfc3339(issue_date_);
  j["nextUpdate"] = FormatRfc3339(next_update_);
  j["fmspc"] = HexEncode(fmspc_);
  j["pceId"] = HexEncode(pce_id_);
  j["tcbType"] = tcb_type_;
  j["tcbEvaluationDataNumber"] = evaluation_data_number_;
  if (tdx_module_) j["tdxModule"] = ModuleJson(*tdx_module_, false);
  if (!tdx_module_identities_.empty()) {
    ordered_json ids = ordered_json::array();
    for (const TdxModuleSpec& m : tdx_module_identities_) ids.push_back(ModuleJson(m, true));
    j["tdxModuleIdentities"] = std::move(ids);
  }
  ordered_json levels = ordered_json::array();
  for (const TcbLevelSpec& l : levels_) {
    ordered_json tcb;
    if (version_ == 2) {
      for (size_t i = 0; i < 16; ++i) {
        char key[24];
        std::snprintf(key, sizeof key, "sgxtcbcomp%02zusvn", i + 1);
        tcb[key] = l.sgx_svn[i];
      }
      tcb["pcesvn"] = l.pcesvn;
    } else {
      tcb["sgxtcbcomponents"] = Components(l.sgx_svn);
      tcb["pcesvn"] = l.pcesvn;
      if (l.tdx_svn) tcb["tdxtcbcomponents"] = Components(*l.tdx_svn);
    }
    ordered_json level{{"tcb", std::move(tcb)}, {"tcbDate", l.tcb_date}, {"tcbStatus", l.status}};
    AddAdvisories(level, l.advisory_ids);
    levels.push_back(std::move(level));
  }
  j["tcbLevels"] = std::move(levels);
  return j.dump();
}

Bytes TcbInfoBuilder::Build(const TestKey& signing_key) const {
  return SignCollateralJson("tcbInfo", SignedBody(), signing_key, corrupt_signature_);
}

}  // namespace attest::testing
