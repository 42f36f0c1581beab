// Fuzz target: the body of POST /attest/{type} (api::ParseAttestRequest, as the router calls
// it) for each evidence member name (quote for SGX/TDX, report for Open Enclave), and the route
// segment parser. JSON runtime/init-time data then goes the way AttestationService takes it:
// the depth check, then parsing and re-serialising (what the token carries).
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "api/wire_models.h"
#include "base/encoding.h"
#include "base/strings.h"
#include "fuzz/fuzz_seeds.h"
#include "service/attestation_service.h"

namespace {

void ExerciseBoundJson(const std::optional<attest::evidence::BoundData>& data) {
  if (!data || data->kind != attest::evidence::BoundData::Kind::kJson) {
    return;
  }
  std::string_view text = attest::AsChars(data->data);
  if (!attest::JsonTextDepthWithin(text, attest::service::kMaxBoundJsonDepth)) {
    return;
  }
  nlohmann::json v = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!v.is_discarded()) {
    (void)v.dump();
  }
}

}  // namespace

std::vector<attest::Bytes> FuzzSeeds() {
  using attest::fuzz::SeedFromText;
  std::string quote = attest::Base64UrlEncode(attest::Bytes(48, 0x03));
  std::string json = attest::Base64UrlEncode(attest::fuzz::SeedFromText(R"({"a":[1,{"b":null}],"c":"d"})"));
  return {
      SeedFromText(R"({"quote":")" + quote + R"(","runtimeData":{"data":")" + json +
                   R"(","dataType":"JSON"},"initTimeData":{"data":"AAEC","dataType":"Binary"},"nonce":"n-1"})"),
      SeedFromText(R"({"Report":")" + quote + R"(","RuntimeData":{"data":"AAEC"},"nonce":12345,)"
                   R"("draftPolicyForAttestation":"version=1.0;authorizationrules{=>permit();};"})"),
      SeedFromText(R"({"quote":")" + quote + R"(==","inittimeData":{"data":")" + json +
                   R"(","datatype":"json"}})"),
  };
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using attest::evidence::AttestationType;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  for (AttestationType type : {AttestationType::kSgxEnclave, AttestationType::kOpenEnclave}) {
    auto request = attest::api::ParseAttestRequest(type, body);
    if (request) {
      ExerciseBoundJson(request->runtime_data);
      ExerciseBoundJson(request->init_time_data);
    }
  }
  if (size <= 64) {
    (void)attest::api::ParseRouteAttestationType(body);
  }
  return 0;
}
