#include "evidence/dcap/tcb_info.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "base/encoding.h"
#include "base/json_fields.h"
#include "base/reasons.h"

namespace attest::dcap {
namespace {

using nlohmann::json;

// The shared typed accessors (base/json_fields.h), failing as unusable collateral, plus the
// two shapes only TCB info and QE identity have.
class Fields : public JsonFields {
 public:
  explicit Fields(std::string_view reason) : JsonFields(StatusCode::kInvalidCollateral, reason) {}

  StatusOr<std::vector<std::string>> Advisories(const json& obj, std::string_view path) const {
    return OptionalStrings(obj, "advisoryIDs", path);
  }
  StatusOr<std::array<uint8_t, 16>> Components(const json& tcb, const char* key,
                                               std::string_view path) const {
    ATTEST_ASSIGN_OR_RETURN(const json* arr, Array(tcb, key, path, true));
    if (arr->size() != 16) {
      return Err(Fail(std::string(path) + "." + key, "must have exactly 16 entries"));
    }
    std::array<uint8_t, 16> out{};
    for (size_t i = 0; i < 16; ++i) {
      ATTEST_ASSIGN_OR_RETURN(uint64_t svn, UInt((*arr)[i], "svn", std::string(path) + "." + key +
                                                                       "[" + std::to_string(i) + "]",
                                                 255));
      out[i] = static_cast<uint8_t>(svn);
    }
    return out;
  }
};

StatusOr<json> ParseJson(std::string_view text, std::string_view reason) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Err(Status::InvalidCollateral(std::string(reason), "signed body is not a JSON object"));
  }
  return j;
}

StatusOr<TdxModuleIdentity> ParseModuleIdentity(const Fields& f, const json& m,
                                                const std::string& path, bool with_levels) {
  TdxModuleIdentity id;
  if (with_levels) {
    ATTEST_ASSIGN_OR_RETURN(id.id, f.Str(m, "id", path));
    std::transform(id.id.begin(), id.id.end(), id.id.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  }
  ATTEST_ASSIGN_OR_RETURN(id.mrsigner, f.Hex(m, "mrsigner", path, 48));
  ATTEST_ASSIGN_OR_RETURN(id.attributes, f.Hex(m, "attributes", path, 8));
  ATTEST_ASSIGN_OR_RETURN(id.attributes_mask, f.Hex(m, "attributesMask", path, 8));
  if (!with_levels) return id;
  ATTEST_ASSIGN_OR_RETURN(const json* levels, f.Array(m, "tcbLevels", path, true));
  std::set<uint8_t> seen;
  for (size_t i = 0; i < levels->size(); ++i) {
    std::string lp = path + ".tcbLevels[" + std::to_string(i) + "]";
    const json& l = (*levels)[i];
    TdxModuleLevel level;
    ATTEST_ASSIGN_OR_RETURN(const json* tcb, f.Member(l, "tcb", lp));
    ATTEST_ASSIGN_OR_RETURN(uint64_t isvsvn, f.UInt(*tcb, "isvsvn", lp + ".tcb", 255));
    level.isvsvn = static_cast<uint8_t>(isvsvn);
    if (!seen.insert(level.isvsvn).second) return Err(f.Fail(lp, "duplicates an isvsvn"));
    ATTEST_ASSIGN_OR_RETURN(level.tcb_date, f.Str(l, "tcbDate", lp));
    ATTEST_ASSIGN_OR_RETURN(std::string status, f.Str(l, "tcbStatus", lp));
    level.status = ParseTcbStatus(status);
    ATTEST_ASSIGN_OR_RETURN(level.advisory_ids, f.Advisories(l, lp));
    id.levels.push_back(std::move(level));
  }
  std::stable_sort(id.levels.begin(), id.levels.end(),
                   [](const TdxModuleLevel& a, const TdxModuleLevel& b) { return a.isvsvn > b.isvsvn; });
  return id;
}

}  // namespace

StatusOr<TcbInfo> ParseTcbInfo(std::string_view text) {
  constexpr std::string_view kReason = reason::kTcbInfoUnsupportedFormat;
  Fields f(kReason);
  ATTEST_ASSIGN_OR_RETURN(json j, ParseJson(text, kReason));
  TcbInfo info;
  ATTEST_ASSIGN_OR_RETURN(uint64_t version, f.UInt(j, "version", "tcbInfo", 1000));
  info.version = static_cast<int>(version);
  if (info.version != 2 && info.version != 3) {
    return Err(f.Fail("tcbInfo.version", "must be 2 or 3, not " + std::to_string(version)));
  }
  if (info.version == 2) {
    if (j.contains("id")) return Err(f.Fail("tcbInfo.id", "is not allowed in version 2"));
    info.id = "SGX";  // spec §7.3
  } else {
    ATTEST_ASSIGN_OR_RETURN(info.id, f.Str(j, "id", "tcbInfo"));
    if (info.id != "SGX" && info.id != "TDX") return Err(f.Fail("tcbInfo.id", "must be SGX or TDX"));
  }
  ATTEST_ASSIGN_OR_RETURN(info.issue_date, f.Time(j, "issueDate", "tcbInfo"));
  ATTEST_ASSIGN_OR_RETURN(info.next_update, f.Time(j, "nextUpdate", "tcbInfo"));
  ATTEST_ASSIGN_OR_RETURN(info.fmspc, f.Hex(j, "fmspc", "tcbInfo", 6));
  ATTEST_ASSIGN_OR_RETURN(info.pce_id, f.Hex(j, "pceId", "tcbInfo", 2));
  ATTEST_ASSIGN_OR_RETURN(uint64_t tcb_type, f.UInt(j, "tcbType", "tcbInfo", 1000));
  if (tcb_type != 0) return Err(f.Fail("tcbInfo.tcbType", "must be 0"));  // [QVL 4.1.2.7.4]
  ATTEST_ASSIGN_OR_RETURN(uint64_t eval, f.UInt(j, "tcbEvaluationDataNumber", "tcbInfo",
                                                0xffffffffu));
  info.tcb_evaluation_data_number = static_cast<uint32_t>(eval);

  if (info.is_tdx()) {
    ATTEST_ASSIGN_OR_RETURN(const json* module, f.Member(j, "tdxModule", "tcbInfo"));
    ATTEST_ASSIGN_OR_RETURN(auto m, ParseModuleIdentity(f, *module, "tcbInfo.tdxModule", false));
    info.tdx_module = std::move(m);
    if (j.contains("tdxModuleIdentities")) {
      ATTEST_ASSIGN_OR_RETURN(const json* ids, f.Array(j, "tdxModuleIdentities", "tcbInfo", true));
      for (size_t i = 0; i < ids->size(); ++i) {
        ATTEST_ASSIGN_OR_RETURN(
            auto id, ParseModuleIdentity(f, (*ids)[i],
                                         "tcbInfo.tdxModuleIdentities[" + std::to_string(i) + "]",
                                         true));
        info.tdx_module_identities.push_back(std::move(id));
      }
    }
  } else if (j.contains("tdxModule") || j.contains("tdxModuleIdentities")) {
    return Err(f.Fail("tcbInfo.tdxModule", "is not allowed in SGX TCB info"));
  }

  ATTEST_ASSIGN_OR_RETURN(const json* levels, f.Array(j, "tcbLevels", "tcbInfo", true));
  for (size_t i = 0; i < levels->size(); ++i) {
    std::string lp = "tcbInfo.tcbLevels[" + std::to_string(i) + "]";
    const json& l = (*levels)[i];
    TcbLevel level;
    ATTEST_ASSIGN_OR_RETURN(const json* tcb, f.Member(l, "tcb", lp));
    if (info.version == 2) {
      for (int c = 0; c < 16; ++c) {
        char key[24];
        std::snprintf(key, sizeof key, "sgxtcbcomp%02dsvn", c + 1);
        ATTEST_ASSIGN_OR_RETURN(uint64_t svn, f.UInt(*tcb, key, lp + ".tcb", 255));
        level.sgx_svn[static_cast<size_t>(c)] = static_cast<uint8_t>(svn);
      }
    } else {
      ATTEST_ASSIGN_OR_RETURN(level.sgx_svn, f.Components(*tcb, "sgxtcbcomponents", lp + ".tcb"));
      if (info.is_tdx()) {
        ATTEST_ASSIGN_OR_RETURN(auto tdx, f.Components(*tcb, "tdxtcbcomponents", lp + ".tcb"));
        level.tdx_svn = tdx;
      }
    }
    ATTEST_ASSIGN_OR_RETURN(uint64_t pcesvn, f.UInt(*tcb, "pcesvn", lp + ".tcb", 65535));
    level.pcesvn = static_cast<uint16_t>(pcesvn);
    ATTEST_ASSIGN_OR_RETURN(level.tcb_date, f.Str(l, "tcbDate", lp));
    ATTEST_ASSIGN_OR_RETURN(std::string status, f.Str(l, "tcbStatus", lp));
    level.status = ParseTcbStatus(status);
    ATTEST_ASSIGN_OR_RETURN(level.advisory_ids, f.Advisories(l, lp));
    info.levels.push_back(std::move(level));
  }
  // spec §4.2: QVL keeps levels sorted descending and rejects duplicates.
  auto key = [](const TcbLevel& l) {
    return std::tuple(l.sgx_svn, l.pcesvn, l.tdx_svn.value_or(std::array<uint8_t, 16>{}));
  };
  std::stable_sort(info.levels.begin(), info.levels.end(),
                   [&](const TcbLevel& a, const TcbLevel& b) { return key(a) > key(b); });
  for (size_t i = 1; i < info.levels.size(); ++i) {
    if (key(info.levels[i]) == key(info.levels[i - 1])) {
      return Err(f.Fail("tcbInfo.tcbLevels", "contains a duplicated TCB level"));
    }
  }
  return info;
}

StatusOr<EnclaveIdentity> ParseEnclaveIdentity(std::string_view text) {
  constexpr std::string_view kReason = reason::kQeIdentityUnsupportedFormat;
  Fields f(kReason);
  const char* p = "enclaveIdentity";
  ATTEST_ASSIGN_OR_RETURN(json j, ParseJson(text, kReason));
  EnclaveIdentity id;
  ATTEST_ASSIGN_OR_RETURN(id.id, f.Str(j, "id", p));
  ATTEST_ASSIGN_OR_RETURN(uint64_t version, f.UInt(j, "version", p, 1000));
  id.version = static_cast<int>(version);
  if (id.version != 2) return Err(f.Fail("enclaveIdentity.version", "must be 2"));
  ATTEST_ASSIGN_OR_RETURN(id.issue_date, f.Time(j, "issueDate", p));
  ATTEST_ASSIGN_OR_RETURN(id.next_update, f.Time(j, "nextUpdate", p));
  ATTEST_ASSIGN_OR_RETURN(uint64_t eval, f.UInt(j, "tcbEvaluationDataNumber", p, 0xffffffffu));
  id.tcb_evaluation_data_number = static_cast<uint32_t>(eval);
  ATTEST_ASSIGN_OR_RETURN(id.miscselect, f.Hex(j, "miscselect", p, 4));
  ATTEST_ASSIGN_OR_RETURN(id.miscselect_mask, f.Hex(j, "miscselectMask", p, 4));
  ATTEST_ASSIGN_OR_RETURN(id.attributes, f.Hex(j, "attributes", p, 16));
  ATTEST_ASSIGN_OR_RETURN(id.attributes_mask, f.Hex(j, "attributesMask", p, 16));
  ATTEST_ASSIGN_OR_RETURN(id.mrsigner, f.Hex(j, "mrsigner", p, 32));
  ATTEST_ASSIGN_OR_RETURN(uint64_t prodid, f.UInt(j, "isvprodid", p, 65535));
  id.isvprodid = static_cast<uint16_t>(prodid);
  ATTEST_ASSIGN_OR_RETURN(const json* levels, f.Array(j, "tcbLevels", p, true));
  for (size_t i = 0; i < levels->size(); ++i) {
    std::string lp = "enclaveIdentity.tcbLevels[" + std::to_string(i) + "]";
    const json& l = (*levels)[i];
    QeTcbLevel level;
    ATTEST_ASSIGN_OR_RETURN(const json* tcb, f.Member(l, "tcb", lp));
    ATTEST_ASSIGN_OR_RETURN(uint64_t isvsvn, f.UInt(*tcb, "isvsvn", lp + ".tcb", 65535));
    level.isvsvn = static_cast<uint16_t>(isvsvn);
    ATTEST_ASSIGN_OR_RETURN(level.tcb_date, f.Str(l, "tcbDate", lp));
    ATTEST_ASSIGN_OR_RETURN(std::string status, f.Str(l, "tcbStatus", lp));
    // spec C10.5: QVL's identity parser admits these five; the configuration ones count
    // as OutOfDate; anything else invalidates the identity.
    TcbStatus s = ParseTcbStatus(status);
    if (s == TcbStatus::kConfigurationNeeded || s == TcbStatus::kOutOfDateConfigurationNeeded) {
      s = TcbStatus::kOutOfDate;
    }
    if (s != TcbStatus::kUpToDate && s != TcbStatus::kOutOfDate && s != TcbStatus::kRevoked) {
      return Err(f.Fail(lp + ".tcbStatus", "'" + status + "' is not a QE TCB status"));
    }
    level.status = s;
    ATTEST_ASSIGN_OR_RETURN(level.advisory_ids, f.Advisories(l, lp));
    id.levels.push_back(std::move(level));
  }
  return id;
}

}  // namespace attest::dcap
