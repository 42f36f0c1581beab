// Conformance over the real TPM evidence in $ATTESTD_VECTORS/tpm (GCE vTPMs, physical TPMs,
// a Windows log, legacy SHA-1 logs): every replay equals the expected PCRs in every bank,
// every quote verifies with the expected nonce and its AK certificate chains to the GCE
// root, and each negative fails at its named stage with the exact reason.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/encoding.h"
#include "base/file.h"
#include "base/time.h"
#include "crypto/x509.h"
#include "evidence/tpm/ak_trust.h"
#include "evidence/tpm/event_decode.h"
#include "evidence/tpm/event_log.h"
#include "evidence/tpm/pcr_values_json.h"
#include "evidence/tpm/quote_verifier.h"
#include "evidence/tpm/tpm_claims.h"

namespace attest {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace evidence::tpm;

std::string TpmDir() {
  if (const char* v = std::getenv("ATTESTD_VECTORS"); v && *v) return std::string(v) + "/tpm";
  return std::string(ATTESTD_VECTORS_DEFAULT) + "/tpm";
}

std::vector<std::string> Cases() {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(TpmDir(), ec)) {
    if (fs::exists(e.path() / "case.json")) out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  if (out.empty()) out.push_back("NO_VECTORS");
  return out;
}

json Load(const std::string& path) { return json::parse(ReadFileText(path, 1 << 20).value()); }

// Runs every quote of a case (sha1, sha256, sha384 order), then the event log replay against
// each quote's PCRs, then AK trust: the first failure is the case's verdict.
Status VerifyCase(const std::string& dir, const json& c) {
  const json& v = c["verification"];
  Bytes nonce = HexDecode(v.value("nonce_hex", "")).value();
  auto ak = ParseTpmtPublic(ReadFileBytes(dir + "/ak_pub.tpmt_public.bin", 1 << 16).value());
  if (!ak) return ak.error();
  Bytes log_bytes = ReadFileBytes(dir + "/eventlog.bin", 1 << 24).value_or(Bytes{});
  PcrValues all;
  for (const char* bank : {"sha1", "sha256", "sha384"}) {
    std::string q = dir + "/quote_" + bank + "_attest.bin";
    if (!FileExists(q)) continue;
    PcrValues pcrs;
    Status ps = ParsePcrValuesJson(ReadFileText(dir + "/pcrs_" + bank + ".json", 1 << 20).value(), pcrs);
    if (!ps.ok()) return ps;
    auto sig = ParseSignature(ReadFileBytes(dir + "/quote_" + std::string(bank) +
                                                "_sig.tpmt_signature.bin", 1 << 16).value());
    if (!sig) return sig.error();
    auto quote = VerifyQuote(ReadFileBytes(q, 1 << 16).value(), *sig, *ak, nonce, &pcrs);
    if (!quote) return quote.error();
    all.insert(pcrs.begin(), pcrs.end());
  }
  if (!log_bytes.empty()) {
    auto log = ParseEventLog(log_bytes);
    if (!log) return log.error();
    auto replayed = ReplayEventLog(*log);
    if (!replayed) return replayed.error();
    Status cmp = CompareReplay(*replayed, all);
    if (!cmp.ok()) return cmp;
  }
  if (FileExists(dir + "/ak_cert.der")) {
    AkTrustConfig trust;
    trust.roots.push_back(
        crypto::Certificate::FromDer(ReadFileBytes(dir + "/gce_tpm_ek_root_1.der", 1 << 16).value())
            .value());
    std::vector<crypto::Certificate> presented = {
        crypto::Certificate::FromDer(ReadFileBytes(dir + "/ak_cert.der", 1 << 16).value()).value(),
        crypto::Certificate::FromDer(
            ReadFileBytes(dir + "/gce_tpm_ek_intermediate_2.der", 1 << 16).value())
            .value()};
    UnixTime at = ParseRfc3339(v["verification_time"].get<std::string>()).value();
    auto mode = EstablishAkTrust(*ak, presented, trust, at);
    if (!mode) return mode.error();
    if (*mode != AkTrustMode::kCertificate) return Status::Internal("not certificate trust");
  }
  return Status::Ok();
}

class TpmVectorTest : public ::testing::TestWithParam<std::string> {};

TEST_P(TpmVectorTest, MatchesExpectedVerdict) {
  if (GetParam() == "NO_VECTORS") GTEST_SKIP() << "no TPM vectors in " << TpmDir();
  std::string dir = TpmDir() + "/" + GetParam();
  json c = Load(dir + "/case.json");
  const json& e = c["expected"];
  if (GetParam().starts_with("eventlog-")) {
    Bytes bytes = ReadFileBytes(dir + "/eventlog.bin", 1 << 24).value();
    auto log = ParseEventLog(bytes);
    ASSERT_TRUE(log) << log.error().ToString();
    EXPECT_EQ(log->events.size(), e["eventlog"]["event_count_including_first"].get<size_t>());
    if (e["eventlog"]["startup_locality"].is_null()) {
      EXPECT_FALSE(log->startup_locality);
    } else {
      EXPECT_EQ(log->startup_locality, e["eventlog"]["startup_locality"].get<int>());
    }
    auto replayed = ReplayEventLog(*log);
    ASSERT_TRUE(replayed) << replayed.error().ToString();
    for (const auto& [bank_name, pcrs] : e["replayed"].items()) {
      PcrValues expected;
      json file = {{"bank", bank_name}, {"pcrs", pcrs}};
      ASSERT_TRUE(ParsePcrValuesJson(file.dump(), expected).ok());
      uint16_t bank = HashFromName(bank_name).value();
      // Every replayed PCR is expected and equal, and no expected PCR is missing.
      EXPECT_EQ(replayed->at(bank), expected.at(bank)) << bank_name;
      // The expected_pcrs_<bank>.json file agrees.
      PcrValues from_file;
      ASSERT_TRUE(ParsePcrValuesJson(
                      ReadFileText(dir + "/expected_pcrs_" + bank_name + ".json", 1 << 20).value(),
                      from_file)
                      .ok());
      for (const auto& [index, value] : from_file.at(bank)) {
        EXPECT_EQ(replayed->at(bank).at(index), value) << bank_name << " PCR " << index;
      }
    }
    return;
  }
  Status s = VerifyCase(dir, c);
  if (c["polarity"] == "positive") {
    EXPECT_TRUE(s.ok()) << s.ToString();
    return;
  }
  std::string stage = e["failure_stage"];
  std::string want = stage == "quote_signature"   ? "TPM_QUOTE_SIGNATURE_INVALID"
                     : stage == "freshness"       ? "TPM_NONCE_MISMATCH"
                     : stage == "pcr_digest"      ? "TPM_PCR_DIGEST_MISMATCH"
                     : stage == "eventlog_replay" ? "TPM_EVENTLOG_REPLAY_MISMATCH"
                                                  : "unknown stage " + stage;
  EXPECT_EQ(s.reason(), want) << s.ToString();
  if (e["checks"].contains("mismatching_pcrs")) {
    std::string pcr = "PCR " + std::to_string(e["checks"]["mismatching_pcrs"][0].get<int>()) + " ";
    EXPECT_NE(s.message().find(pcr), std::string::npos) << s.message();
  }
}

INSTANTIATE_TEST_SUITE_P(Vectors, TpmVectorTest, ::testing::ValuesIn(Cases()),
                         [](const auto& param_info) {
                           std::string n = param_info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

// The Windows log's SecureBoot and the Debian legacy log (Secure Boot on) decode as the
// spec records (spec/tpm.md §12).
TEST(TpmVectorClaimsTest, SecureBootStateOfRealLogs) {
  struct Want {
    const char* name;
    const char* bank;
    bool enabled;
  };
  for (Want w : {Want{"eventlog-gce-debian10-legacy-sha1", "sha1", true},
                 Want{"eventlog-gce-ubuntu2404-sevsnp", "sha256", false},
                 Want{"eventlog-gdc-host-sha256", "sha256", false},
                 Want{"eventlog-arch-linux-workstation", "sha256", false}}) {
    std::string dir = TpmDir() + "/" + w.name;
    if (!FileExists(dir + "/eventlog.bin")) GTEST_SKIP() << "no TPM vectors";
    Bytes bytes = ReadFileBytes(dir + "/eventlog.bin", 1 << 24).value();
    auto log = ParseEventLog(bytes);
    ASSERT_TRUE(log);
    PcrValues pcrs;
    ASSERT_TRUE(ParsePcrValuesJson(
                    ReadFileText(dir + "/expected_pcrs_" + w.bank + ".json", 1 << 20).value(), pcrs)
                    .ok());
    AkPublic none;
    claims::ClaimSet c = TpmClaims(none, AkTrustMode::kAsPresented, pcrs, &*log);
    const json* sb = c.FindValue("secureBootEnabled");
    ASSERT_NE(sb, nullptr) << w.name;
    EXPECT_EQ(sb->get<bool>(), w.enabled) << w.name;
  }
}

// The Windows log (GCE Shielded VM, legacy SHA-1 format): its SIPA trust boundaries in PCRs
// 12-14 decode, and the properties MAA's policy-1.0 claims are derived from read as the raw
// bytes say (BOOTDEBUGGING 00, SAFEMODE 00, WINPE 00, CODEINTEGRITY 01, VSM_LAUNCH_TYPE 0,
// an ELAM aggregation naming "Windows Defender"; read independently with a Python walk of
// the log when this test was written).
TEST(TpmVectorClaimsTest, WindowsBootStateOfTheRealWindowsLog) {
  std::string dir = TpmDir() + "/go-attestation-windows-gce-sha1";
  if (!FileExists(dir + "/eventlog.bin")) GTEST_SKIP() << "no TPM vectors";
  Bytes log_bytes = ReadFileBytes(dir + "/eventlog.bin", 1 << 24).value();  // the log views it
  auto log = ParseEventLog(log_bytes);
  ASSERT_TRUE(log);
  PcrValues pcrs;
  ASSERT_TRUE(ParsePcrValuesJson(ReadFileText(dir + "/pcrs_sha1.json", 1 << 20).value(), pcrs).ok());
  ASSERT_TRUE(CompareReplay(ReplayEventLog(*log).value(), pcrs).ok());

  WindowsBootState state = VerifiedWindowsBootState(*log, pcrs);
  ASSERT_TRUE(state.present) << state.reason;
  EXPECT_EQ(state.boot_debugging, false);
  EXPECT_EQ(state.kernel_debug, false);
  EXPECT_EQ(state.test_signing, false);
  EXPECT_EQ(state.flight_signing, false);
  EXPECT_EQ(state.safe_mode, false);
  EXPECT_EQ(state.winpe, false);
  EXPECT_EQ(state.code_integrity, true);
  EXPECT_EQ(state.vsm_launch_type, 0u);
  EXPECT_TRUE(state.elam_measured);

  AkPublic none;
  claims::ClaimSet c = TpmClaims(none, AkTrustMode::kAsPresented, pcrs, &*log);
  for (const char* name : {"bootDebuggingDisabled", "notSafeMode", "notWinPE"}) {
    ASSERT_NE(c.FindValue(name), nullptr) << name;
    EXPECT_EQ(*c.FindValue(name), true) << name;
  }
  ASSERT_NE(c.FindValue("vbsEnabled"), nullptr);
  EXPECT_EQ(*c.FindValue("vbsEnabled"), false);
  EXPECT_EQ(c.FindValue("iommuEnabled"), nullptr);  // the log records no VBS IOMMU requirement

  // The policy-1.2 model: PCR 12's first event is a trust boundary with the same values, and
  // PCR 13's loaded modules carry their paths.
  const json* events = c.FindValue("events");
  ASSERT_NE(events, nullptr);
  const json* boundary = nullptr;
  const json* modules = nullptr;
  for (const json& e : (*events)["Events"]) {
    if (e["EventTypeString"] != "EV_EVENT_TAG") continue;
    const json& p = e["ProcessedData"];
    if (e["PcrIndex"] == 12 && boundary == nullptr) boundary = &p["EVENT_TRUSTBOUNDARY"];
    if (e["PcrIndex"] == 13 && modules == nullptr && p["EVENT_TRUSTBOUNDARY"].contains("EVENT_LOADEDMODULE_AGGREGATION")) {
      modules = &p["EVENT_TRUSTBOUNDARY"]["EVENT_LOADEDMODULE_AGGREGATION"];
    }
    EXPECT_EQ(e.value("DataMatchesDigest", false), true);
  }
  ASSERT_NE(boundary, nullptr);
  EXPECT_EQ((*boundary)["EVENT_BOOTDEBUGGING"], false);
  EXPECT_EQ((*boundary)["EVENT_CODEINTEGRITY"], true);
  EXPECT_EQ((*boundary)["EVENT_TESTSIGNING"], false);
  EXPECT_EQ((*boundary)["EVENT_BOOTCOUNTER"], 4);
  ASSERT_NE(modules, nullptr);
  ASSERT_TRUE(modules->is_array());
  EXPECT_EQ((*modules)[0]["EVENT_FILEPATH"].get<std::string>().rfind("\\Windows\\system32\\", 0), 0u)
      << (*modules)[0].dump();
  EXPECT_EQ((*modules)[0]["EVENT_IMAGEVALIDATED"], true);

  // PCR 12 left out of the quote: its events were never checked against the TPM, so nothing
  // is derived from them.
  PcrValues without12 = pcrs;
  without12[kAlgSha1].erase(12);
  WindowsBootState unquoted = VerifiedWindowsBootState(*log, without12);
  EXPECT_FALSE(unquoted.present);
  EXPECT_EQ(unquoted.reason, "PCR 12 holds Windows boot events but was not quoted");
  claims::ClaimSet c2 = TpmClaims(none, AkTrustMode::kAsPresented, without12, &*log);
  EXPECT_EQ(c2.FindValue("bootDebuggingDisabled"), nullptr);
  ASSERT_NE(c2.FindValue("x-attestd-tpm-windows-boot-reason"), nullptr);
}

// spec/tpm.md §12 step 3 on a real GCE log: PK, KEK, db and dbx decode into the certificates
// and hash counts an independent walk with `openssl x509` found.
TEST(TpmVectorClaimsTest, SecureBootDatabasesOfARealLog) {
  std::string dir = TpmDir() + "/eventlog-gce-ubuntu2404-sevsnp";
  if (!FileExists(dir + "/eventlog.bin")) GTEST_SKIP() << "no TPM vectors";
  Bytes log_bytes = ReadFileBytes(dir + "/eventlog.bin", 1 << 24).value();  // the log views it
  auto log = ParseEventLog(log_bytes);
  ASSERT_TRUE(log);
  json db = SecureBootDatabases(*log, kAlgSha256);
  ASSERT_EQ(db["pk"]["certificates"].size(), 1u) << db.dump();
  EXPECT_EQ(db["pk"]["certificates"][0]["Subject"], "CN=newpk");
  EXPECT_EQ(db["pk"]["certificates"][0]["Sha256"].get<std::string>().substr(0, 16), "d1d217acf60ba4e4");
  ASSERT_EQ(db["kek"]["certificates"].size(), 1u);
  EXPECT_EQ(db["kek"]["certificates"][0]["Subject"],
            "CN=Microsoft Corporation KEK CA 2011,O=Microsoft Corporation,L=Redmond,ST=Washington,C=US");
  ASSERT_EQ(db["db"]["certificates"].size(), 2u);
  EXPECT_EQ(db["db"]["certificates"][1]["Subject"],
            "CN=Microsoft Windows Production PCA 2011,O=Microsoft Corporation,L=Redmond,ST=Washington,C=US");
  EXPECT_EQ(db["db"]["sha256_hashes"], 0);
  EXPECT_EQ(db["dbx"]["certificates"].size(), 0u);
  EXPECT_EQ(db["dbx"]["sha256_hashes"], 371);
  EXPECT_EQ(db["dbx"]["sha256"].get<std::string>().substr(0, 16), "920e358e0fa61c06");

  // The same in the token claims, and the dbx entries in the policy-1.2 event model.
  PcrValues pcrs;
  ASSERT_TRUE(ParsePcrValuesJson(
                  ReadFileText(dir + "/expected_pcrs_sha256.json", 1 << 20).value(), pcrs).ok());
  AkPublic none;
  claims::ClaimSet c = TpmClaims(none, AkTrustMode::kAsPresented, pcrs, &*log);
  ASSERT_NE(c.FindValue("x-attestd-tpm-secureboot-databases"), nullptr);
  EXPECT_EQ((*c.FindValue("x-attestd-tpm-secureboot-databases"))["dbx"]["sha256_hashes"], 371);
  size_t dbx_entries = 0;
  for (const json& e : (*c.FindValue("events"))["Events"]) {
    const json& p = e["ProcessedData"];
    if (p.value("UnicodeName", "") != "dbx") continue;
    for (const json& list : p["SignatureLists"]) {
      EXPECT_EQ(list["SignatureType"], "SHA256");
      dbx_entries += list["SignatureCount"].get<size_t>();
    }
  }
  // db's certificates are listed in the event model too.
  for (const json& e : (*c.FindValue("events"))["Events"]) {
    const json& p = e["ProcessedData"];
    if (p.value("UnicodeName", "") != "db" || e["EventTypeString"] != "EV_EFI_VARIABLE_DRIVER_CONFIG") continue;
    ASSERT_EQ(p["SignatureLists"].size(), 2u);
    EXPECT_EQ(p["SignatureLists"][0]["Signatures"][0]["Subject"],
              "CN=Microsoft Corporation UEFI CA 2011,O=Microsoft Corporation,L=Redmond,ST=Washington,C=US");
  }
  EXPECT_EQ(dbx_entries, 371u);
}

}  // namespace
}  // namespace attest
