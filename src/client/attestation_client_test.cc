#include "client/attestation_client.h"

#include <gtest/gtest.h>

namespace attest::client {
namespace {

const Bytes kEvidence = {0x01, 0x02, 0x03};
const Bytes kRuntime = {0x04, 0x05};

TEST(AttestationClientTest, SgxBodyMatchesSdkWireShape) {
  AttestOptions options;
  options.runtime_data = BoundData{kRuntime, false};
  EXPECT_EQ(BuildAttestRequestBody(AttestationType::kSgxEnclave, kEvidence, options),
            R"({"quote":"AQID","runtimeData":{"data":"BAU","dataType":"Binary"}})");
  EXPECT_EQ(BuildAttestRequestBody(AttestationType::kSgxEnclave, kEvidence, {}),
            R"({"quote":"AQID"})");
}

TEST(AttestationClientTest, OpenEnclaveSendsReportMember) {
  AttestOptions options;
  options.runtime_data = BoundData{kRuntime, false};
  EXPECT_EQ(BuildAttestRequestBody(AttestationType::kOpenEnclave, kEvidence, options),
            R"({"report":"AQID","runtimeData":{"data":"BAU","dataType":"Binary"}})");
}

TEST(AttestationClientTest, TdxBodyCarriesJsonRuntimeDataInitTimeDataAndNonce) {
  AttestOptions options;
  options.runtime_data = BoundData{ToBytes(std::string_view(R"({"k":1})")), true};
  options.init_time_data = BoundData{kRuntime, false};
  options.nonce = "n-123";
  EXPECT_EQ(BuildAttestRequestBody(AttestationType::kTdxVm, kEvidence, options),
            R"({"quote":"AQID","runtimeData":{"data":"eyJrIjoxfQ","dataType":"JSON"},)"
            R"("initTimeData":{"data":"BAU","dataType":"Binary"},"nonce":"n-123"})");
}

TEST(AttestationClientTest, ParsesAttestationTypeNames) {
  EXPECT_EQ(ParseAttestationType("sgx").value(), AttestationType::kSgxEnclave);
  EXPECT_EQ(ParseAttestationType("OpenEnclave").value(), AttestationType::kOpenEnclave);
  EXPECT_EQ(ParseAttestationType("TDX").value(), AttestationType::kTdxVm);
  EXPECT_EQ(ParseAttestationType("snp").value(), AttestationType::kSevSnpVm);
  EXPECT_EQ(AttestationTypeName(AttestationType::kTdxVm), "TdxVm");
  auto bad = ParseAttestationType("bogus");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().reason(), "ATTESTATION_TYPE_UNKNOWN");
  // Tpm is a multi-round protocol: no one-request evidence body to build.
  auto tpm = ParseAttestationType("tpm");
  ASSERT_FALSE(tpm.has_value());
  EXPECT_EQ(tpm.error().reason(), "ATTESTATION_TYPE_UNSUPPORTED");
}

TEST(AttestationClientTest, ExtractsTokenFromEnvelope) {
  EXPECT_EQ(ParseTokenEnvelope(R"({"token":"a.b.c"})").value(), "a.b.c");
  for (const char* bad : {"", "[]", "{}", R"({"token":5})", R"({"token":""})", "<html>"}) {
    auto token = ParseTokenEnvelope(bad);
    ASSERT_FALSE(token.has_value()) << bad;
    EXPECT_EQ(token.error().reason(), "INVALID_RESPONSE");
  }
}

TEST(AttestationClientTest, CreateRejectsBadEndpointAndMissingCaFile) {
  AttestationClientOptions options;
  options.endpoint = "http://attest.example.com";
  auto plain = AttestationClient::Create(options);
  ASSERT_FALSE(plain.has_value());
  EXPECT_EQ(plain.error().reason(), "INVALID_ENDPOINT");

  options.endpoint = "https://127.0.0.1:1";
  options.ca_file = "/nonexistent/ca.pem";
  auto no_ca = AttestationClient::Create(options);
  ASSERT_FALSE(no_ca.has_value());
  EXPECT_EQ(no_ca.error().reason(), "INVALID_CA_FILE");

  options.ca_file.clear();
  auto ok = AttestationClient::Create(options);
  ASSERT_TRUE(ok.has_value()) << ok.error().ToString();
  EXPECT_EQ((*ok)->expected_issuer(), "https://127.0.0.1:1");
}

}  // namespace
}  // namespace attest::client
