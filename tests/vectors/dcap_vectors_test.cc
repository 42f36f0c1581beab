// Conformance over the real Intel evidence in $ATTESTD_VECTORS (sgx/, tdx/, openenclave/):
// every case is verified at its verification_time with exactly its collateral and compared
// with its expected result (vectors/README.md). Skips clearly when the vectors are absent.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "base/file.h"
#include "base/time.h"
#include "collateral/offline_dir_provider.h"
#include "evidence/registry.h"

namespace attest {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string VectorsDir() {
  if (const char* v = std::getenv("ATTESTD_VECTORS"); v && *v) return v;
  return ATTESTD_VECTORS_DEFAULT;  // ../shared/vectors beside the source tree
}

json LoadCase(const std::string& dir);

// Case folders "tee/name" whose case.json satisfies `keep`.
template <typename Keep>
std::vector<std::string> DcapCases(Keep keep) {
  std::vector<std::string> out;
  for (const char* tee : {"sgx", "tdx", "openenclave"}) {
    fs::path dir = fs::path(VectorsDir()) / tee;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      if (fs::exists(e.path() / "case.json") && keep(LoadCase(e.path().string()))) {
        out.push_back(std::string(tee) + "/" + e.path().filename().string());
      }
    }
  }
  std::sort(out.begin(), out.end());
  if (out.empty()) out.push_back("NO_VECTORS");
  return out;
}

json LoadCase(const std::string& dir) {
  auto text = ReadFileText(dir + "/case.json", 1 << 20);
  EXPECT_TRUE(text.has_value()) << dir;
  return json::parse(text.value_or("{}"));
}

StatusOr<claims::ClaimSet> VerifyCase(const std::string& dir, const json& c, bool strict) {
  std::string tee = c["tee"];
  evidence::Evidence ev;
  ev.type = tee == "sgx"   ? evidence::AttestationType::kSgxEnclave
            : tee == "tdx" ? evidence::AttestationType::kTdxVm
                           : evidence::AttestationType::kOpenEnclave;
  std::string file = c["evidence"].value("file", "quote.bin");
  ev.blob = ReadFileBytes(dir + "/" + file, 1 << 20).value();
  if (FileExists(dir + "/runtime_data.bin") && c["evidence"].value("format", "") == "oe_report") {
    ev.runtime_data = evidence::BoundData{ReadFileBytes(dir + "/runtime_data.bin", 1 << 20).value(),
                                          evidence::BoundData::Kind::kJson};
  }
  collateral::OfflineDirProvider provider(dir);
  FixedClock clock(ParseRfc3339(c["verification_time"].get<std::string>()).value());
  evidence::VerifierConfig config;
  config.dcap.allow_missing_pck_crl = !strict && !c.value("collateral_complete", true);
  evidence::VerifyContext ctx{clock, provider, config.anchors};
  return evidence::MakeVerifier(ev.type, config).value()->Verify(ev, ctx);
}

std::set<std::string> AsSet(const json& j) {
  std::set<std::string> s;
  if (j.is_array()) {
    for (const auto& v : j) s.insert(v.get<std::string>());
  }
  return s;
}

class DcapVectorTest : public ::testing::TestWithParam<std::string> {};
class IncompleteCollateralVectorTest : public ::testing::TestWithParam<std::string> {};
class PositiveVectorTest : public ::testing::TestWithParam<std::string> {};

TEST_P(DcapVectorTest, MatchesExpectedResult) {
  if (GetParam() == "NO_VECTORS") {
    GTEST_SKIP() << "no vectors found in '" << VectorsDir() << "' (set ATTESTD_VECTORS)";
  }
  const std::string dir = VectorsDir() + "/" + GetParam();
  json c = LoadCase(dir);
  const json& exp = c["expected"];
  auto result = VerifyCase(dir, c, /*strict=*/false);

  if (exp["result"] == "failure") {
    ASSERT_FALSE(result.has_value()) << "expected failure " << exp["error"];
    const Status& s = result.error();
    std::set<std::string> ok = AsSet(exp.value("acceptable_errors", json::array()));
    ok.insert(exp["error"].get<std::string>());
    EXPECT_TRUE(ok.count(s.reason()) || (!s.category().empty() && ok.count(s.category())))
        << "got " << s.ToString() << ", expected " << exp["error"];
    if (exp.contains("error_category")) {
      EXPECT_EQ(s.category(), exp["error_category"]);
    }
    return;
  }
  ASSERT_TRUE(result.has_value()) << result.error().ToString();
  json claims = result->ToJsonObject();
  const json& tcb = claims["x-attestd-tcb"];
  EXPECT_EQ(claims["attester_tcb_status"], exp["tcb_status"]);
  EXPECT_EQ(tcb["tcb_status"], exp["tcb_status"]);
  EXPECT_EQ(AsSet(tcb["advisory_ids"]), AsSet(exp["advisory_ids"]));
  EXPECT_EQ(AsSet(claims["attester_advisory_ids"]), AsSet(exp["advisory_ids"]));
  for (const char* k : {"platform_tcb_status", "platform_tcb_level_date", "qe_tcb_status",
                        "tdx_module_tcb_status", "tcb_evaluation_data_number", "tcb_info_version",
                        "qe_identity_version", "is_debuggable", "fmspc", "pceid"}) {
    if (exp.contains(k)) {
      EXPECT_EQ(tcb[k], exp[k]) << k;
    }
  }
  if (exp.contains("qe_advisory_ids")) {
      EXPECT_EQ(AsSet(tcb["qe_advisory_ids"]), AsSet(exp["qe_advisory_ids"]));
    }
  if (exp.contains("tdx_module_advisory_ids") && !exp["tdx_module_advisory_ids"].is_null()) {
    EXPECT_EQ(AsSet(tcb["tdx_module_advisory_ids"]), AsSet(exp["tdx_module_advisory_ids"]));
  }
  if (exp.contains("tdx_module_identity")) {
      EXPECT_EQ(tcb["tdx_module_identity"], exp["tdx_module_identity"]);
    }
  EXPECT_EQ(tcb["pck_revocation_checked"], c.value("collateral_complete", true));

  const json& body = c["report_body"];
  if (c["tee"] == "tdx") {
    for (const char* k : {"mrtd", "mrseam", "mrsignerseam", "mrconfigid", "mrowner", "mrownerconfig",
                          "rtmr0", "rtmr1", "rtmr2", "rtmr3", "report_data", "xfam",
                          "td_attributes", "seam_attributes", "tee_tcb_svn"}) {
      EXPECT_EQ(claims[std::string("tdx_") + k], body[k]) << k;
    }
    EXPECT_EQ(claims["tdx_td_attributes_debug"], exp["is_debuggable"]);
    EXPECT_EQ(claims["x-ms-attestation-type"], "tdxvm");
  } else {
    EXPECT_EQ(claims["x-ms-sgx-mrenclave"], body["mrenclave"]);
    EXPECT_EQ(claims["x-ms-sgx-mrsigner"], body["mrsigner"]);
    EXPECT_EQ(claims["x-ms-sgx-product-id"], body["isvprodid"]);
    EXPECT_EQ(claims["x-ms-sgx-svn"], body["isvsvn"]);
    EXPECT_EQ(claims["x-ms-sgx-report-data"], body["report_data"]);
    EXPECT_EQ(claims["x-ms-sgx-is-debuggable"], exp["is_debuggable"]);
    EXPECT_EQ(claims["x-ms-attestation-type"], "sgx");
  }
}

// Without the explicit waiver, a case that has no PCK CRL cannot be verified: revocation
// was not checked, so it is not trusted (spec/intel-dcap.md §7.6).
TEST_P(IncompleteCollateralVectorTest, MissingPckCrlIsRefusedUnlessWaived) {
  if (GetParam() == "NO_VECTORS") GTEST_SKIP() << "no vectors";
  const std::string dir = VectorsDir() + "/" + GetParam();
  json c = LoadCase(dir);
  auto result = VerifyCase(dir, c, /*strict=*/true);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().reason(), "COLLATERAL_MISSING");
}

// Real evidence judged one second after its collateral window closes fails as expired, and
// one second before it opens as not yet valid.
TEST_P(PositiveVectorTest, FailsOutsideCollateralWindow) {
  if (GetParam() == "NO_VECTORS") GTEST_SKIP() << "no vectors";
  const std::string dir = VectorsDir() + "/" + GetParam();
  json c = LoadCase(dir);
  for (auto [key, delta, category] :
       {std::tuple("not_after", 1, "COLLATERAL_EXPIRED"),
        std::tuple("not_before", -1, "COLLATERAL_NOT_YET_VALID")}) {
    json shifted = c;
    UnixTime edge = ParseRfc3339(c["collateral_validity_window"][key].get<std::string>()).value();
    shifted["verification_time"] = FormatRfc3339(edge + delta);
    auto result = VerifyCase(dir, shifted, false);
    ASSERT_FALSE(result.has_value()) << key;
    // A PCK certificate outside its validity is invalid evidence without a category.
    if (result.error().reason().rfind("CERT_", 0) != 0 || !result.error().category().empty()) {
      EXPECT_EQ(result.error().category(), category) << result.error().ToString();
    }
    shifted["verification_time"] = FormatRfc3339(edge);
    EXPECT_TRUE(VerifyCase(dir, shifted, false).has_value()) << "inclusive edge " << key;
  }
}

std::string CaseName(const ::testing::TestParamInfo<std::string>& param_info) {
  std::string n = param_info.param;
  for (char& ch : n) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return n;
}

INSTANTIATE_TEST_SUITE_P(Vectors, DcapVectorTest,
                         ::testing::ValuesIn(DcapCases([](const json&) { return true; })),
                         CaseName);
INSTANTIATE_TEST_SUITE_P(Vectors, IncompleteCollateralVectorTest,
                         ::testing::ValuesIn(DcapCases([](const json& c) {
                           return !c.value("collateral_complete", true);
                         })),
                         CaseName);
INSTANTIATE_TEST_SUITE_P(Vectors, PositiveVectorTest,
                         ::testing::ValuesIn(DcapCases([](const json& c) {
                           return c.value("kind", "") == "positive" &&
                                  c.contains("collateral_validity_window");
                         })),
                         CaseName);

}  // namespace
}  // namespace attest
