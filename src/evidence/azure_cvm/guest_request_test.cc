#include "evidence/azure_cvm/guest_request.h"

#include <gtest/gtest.h>

#include <functional>

#include <nlohmann/json.hpp>

#include "base/encoding.h"

namespace attest::evidence::azure_cvm {
namespace {

using nlohmann::json;

std::string B64(std::string_view s) {
  return Base64Encode(ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}
std::string B64Url(std::string_view s) {
  return Base64UrlEncode(ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}
std::string B64(const Bytes& b) { return Base64Encode(b); }

// What the C++ guest-attestation library sends: integer versions, base64 everywhere,
// base64 ClientPayload values, VcekCertChain in standard base64.
json CppInfo() {
  json pcrs = json::array();
  json set = json::array();
  for (int i = 0; i < 8; ++i) {
    pcrs.push_back({{"Index", i}, {"Digest", B64(Bytes(32, static_cast<uint8_t>(i)))}});
    set.push_back(i);
  }
  json proof = {{"SnpReport", Base64UrlEncode(Bytes(1184, 0xAB))},
                {"VcekCertChain", B64("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")}};
  return {{"AttestationProtocolVersion", "2.0"},
          {"OSType", B64("Linux")},
          {"OSDistro", B64("Ubuntu")},
          {"OSVersionMajor", 22},
          {"OSVersionMinor", 4},
          {"OSBuild", B64("NotApplication")},
          {"TcgLogs", B64(Bytes{1, 2, 3, 0xFF})},
          {"ClientPayload", {{"nonce", B64("1234")}}},
          {"TpmInfo",
           {{"AikCert", B64(Bytes{0x30, 0x82})},
            {"AikPub", B64(Bytes{0x01, 0x18})},
            {"PcrQuote", B64(Bytes{0xFF, 0x54, 0x43, 0x47})},
            {"PcrSignature", B64(Bytes(256, 0x5A))},
            {"EncKeyPub", B64(Bytes{0x01, 0x16})},
            {"EncKeyCertifyInfo", B64(Bytes{0xFF, 0x54, 0x43, 0x47, 0x80, 0x17})},
            {"EncKeyCertifyInfoSignature", B64(Bytes(256, 0x5B))},
            {"PcrSet", set},
            {"PCRs", pcrs}}},
          {"IsolationInfo",
           {{"Type", "SevSnp"},
            {"Evidence", {{"Proof", B64(proof.dump())}, {"RunTimeData", B64("{\"keys\":[]}")}}}}}};
}

std::string Body(const json& info, const char* member = "AttestationInfo") {
  return json{{member, B64Url(info.dump())}}.dump();
}

std::string ReasonOf(const std::string& body) {
  auto r = ParseAzureGuestRequest(body);
  return r.has_value() ? "OK" : r.error().reason();
}

TEST(GuestRequestTest, ParsesTheCppClientsRequest) {
  auto r = ParseAzureGuestRequest(Body(CppInfo()));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->protocol_version, "2.0");
  EXPECT_EQ(r->os_type, "Linux");
  EXPECT_EQ(r->os_distro, "Ubuntu");
  EXPECT_EQ(r->os_version_major, 22u);
  EXPECT_EQ(r->os_version_minor, 4u);
  EXPECT_EQ(r->tcg_logs, (Bytes{1, 2, 3, 0xFF}));
  ASSERT_EQ(r->client_payload.size(), 1u);
  EXPECT_EQ(r->client_payload[0].first, "nonce");
  EXPECT_EQ(r->client_payload[0].second, B64("1234"));  // echoed as sent
  EXPECT_EQ(r->tpm.pcr_set.size(), 8u);
  ASSERT_EQ(r->tpm.pcrs.size(), 8u);
  EXPECT_EQ(r->tpm.pcrs[7].index, 7u);
  EXPECT_EQ(r->tpm.pcrs[7].digest, Bytes(32, 7));
  EXPECT_EQ(r->tpm.pcr_signature.size(), 256u);
  EXPECT_EQ(r->isolation.type, GuestIsolationType::kSevSnp);
  EXPECT_EQ(r->isolation.snp_report, Bytes(1184, 0xAB));
  EXPECT_TRUE(r->isolation.vcek_cert_chain.starts_with("-----BEGIN CERTIFICATE-----"));
  EXPECT_EQ(std::string(r->isolation.runtime_data.begin(), r->isolation.runtime_data.end()),
            "{\"keys\":[]}");
}

TEST(GuestRequestTest, ParsesThePythonClientsVariant) {
  // Python: string versions, raw ClientPayload strings, base64url Proof/RunTimeData and
  // VcekCertChain, lower-case member names from REST examples.
  json info = CppInfo();
  info["OSVersionMajor"] = "22";
  info["OSVersionMinor"] = "04";
  info["ClientPayload"] = {{"nonce", "raw value"}};
  json proof = {{"SnpReport", Base64UrlEncode(Bytes(1184, 0xAB))},
                {"VcekCertChain", B64Url("-----BEGIN CERTIFICATE-----\n???\n-----END CERTIFICATE-----\n")}};
  info["IsolationInfo"]["Evidence"] = {{"Proof", B64Url(proof.dump())},
                                       {"RunTimeData", B64Url("{\"keys\":[]}??")}};
  auto r = ParseAzureGuestRequest(Body(info, "attestationInfo"));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->os_version_minor, 4u);
  EXPECT_EQ(r->client_payload[0].second, "raw value");
  EXPECT_TRUE(r->isolation.vcek_cert_chain.find("???") != std::string::npos);
  EXPECT_EQ(r->isolation.runtime_data.back(), '?');
}

TEST(GuestRequestTest, TrustedLaunchHasNoIsolationEvidence) {
  json info = CppInfo();
  info["IsolationInfo"] = {{"Type", "TrustedLaunch"}};
  auto r = ParseAzureGuestRequest(Body(info));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->isolation.type, GuestIsolationType::kTrustedLaunch);
  EXPECT_TRUE(r->isolation.runtime_data.empty());
}

TEST(GuestRequestTest, TdxProofIsTheTdQuote) {
  json info = CppInfo();
  info["IsolationInfo"] = {{"Type", "Tdx"},
                           {"Evidence", {{"Proof", B64(Bytes(600, 4))}, {"RunTimeData", B64("{}")}}}};
  auto r = ParseAzureGuestRequest(Body(info));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->isolation.td_quote, Bytes(600, 4));
}

TEST(GuestRequestTest, RefusesEachMalformedPart) {
  EXPECT_EQ(ReasonOf("[]"), "INVALID_REQUEST_BODY");
  EXPECT_EQ(ReasonOf("{}"), "MISSING_EVIDENCE");
  EXPECT_EQ(ReasonOf(R"({"AttestationInfo": 5})"), "INVALID_REQUEST_BODY");
  EXPECT_EQ(ReasonOf(R"({"AttestationInfo": "%%%"})"), "INVALID_BASE64URL");
  EXPECT_EQ(ReasonOf(json{{"AttestationInfo", B64Url("[1,2]")}}.dump()), "INVALID_REQUEST_BODY");
  EXPECT_EQ(ReasonOf(std::string(100, '[')), "INVALID_REQUEST_BODY");

  auto with = [](const std::function<void(json&)>& spoil) {
    json info = CppInfo();
    spoil(info);
    return ReasonOf(Body(info));
  };
  EXPECT_EQ(with([](json& i) { i.erase("TpmInfo"); }), "MISSING_EVIDENCE");
  EXPECT_EQ(with([](json& i) { i.erase("OSType"); }), "MISSING_EVIDENCE");
  EXPECT_EQ(with([](json& i) { i["OSVersionMajor"] = -1; }), "INVALID_REQUEST_BODY");
  EXPECT_EQ(with([](json& i) { i["OSVersionMajor"] = "22a"; }), "INVALID_REQUEST_BODY");
  EXPECT_EQ(with([](json& i) { i["OSType"] = B64(std::string("Li\x01nux")); }),
            "INVALID_REQUEST_BODY");
  EXPECT_EQ(with([](json& i) { i["ClientPayload"] = {{"n", 5}}; }), "INVALID_REQUEST_BODY");
  EXPECT_EQ(with([](json& i) { i["ClientPayload"] = "x"; }), "INVALID_REQUEST_BODY");
  EXPECT_EQ(with([](json& i) { i["TpmInfo"]["PcrQuote"] = 1; }), "INVALID_REQUEST_BODY");
  EXPECT_EQ(with([](json& i) { i["TpmInfo"].erase("EncKeyPub"); }), "MISSING_EVIDENCE");
  EXPECT_EQ(with([](json& i) { i["TpmInfo"]["PcrSet"] = {24}; }), "INVALID_REQUEST_BODY");
  EXPECT_EQ(with([](json& i) { i["TpmInfo"]["PCRs"].push_back(i["TpmInfo"]["PCRs"][0]); }),
            "INVALID_REQUEST_BODY");
  EXPECT_EQ(with([](json& i) { i["TpmInfo"]["PCRs"][0]["Digest"] = "a+b-"; }), "INVALID_BASE64URL");
  EXPECT_EQ(with([](json& i) { i["IsolationInfo"]["Type"] = "Sgx"; }), "INVALID_REQUEST_BODY");
  EXPECT_EQ(with([](json& i) { i["IsolationInfo"].erase("Evidence"); }), "MISSING_EVIDENCE");
  EXPECT_EQ(with([](json& i) { i["IsolationInfo"]["Evidence"]["Proof"] = B64("not json"); }),
            "INVALID_REQUEST_BODY");
  EXPECT_EQ(with([](json& i) {
              i["IsolationInfo"]["Evidence"]["Proof"] = B64(json{{"VcekCertChain", ""}}.dump());
            }),
            "MISSING_EVIDENCE");
}

}  // namespace
}  // namespace attest::evidence::azure_cvm
