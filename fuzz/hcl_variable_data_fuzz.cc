// Fuzz target: the HCL variable data (evidence/azure_cvm/variable_data.h), the runtime-claims
// JSON an Azure CVM's HCL report binds — ParseHclVariableData must return the document with an
// attestation key or an error, never crash, recurse without bound or accept a document without
// HCLAkPub; the SevSnpVm/TdxVm platform-evidence judgement over the same bytes as JSON runtime
// data must agree with it.
#include <cstdlib>
#include <string>

#include "evidence/azure_cvm/isolation_evidence.h"
#include "evidence/azure_cvm/variable_data.h"
#include "fuzz/fuzz_seeds.h"

std::vector<attest::Bytes> FuzzSeeds() {
  using attest::fuzz::SeedFromText;
  const std::string rsa =
      R"({"kid":"HCLAkPub","key_ops":["encrypt"],"kty":"RSA","e":"AQAB",)"
      R"("n":"sgutugAAEGi7Y6lp-1OmZzfM0GlM0RH7qWG1_E_zQY3ij4PTfyZgweYZ46XHenqo8AsA0ONsG4z)"
      R"(-9qrx0EXYogjdjD44o6NIuZJaFGoQ-X7o7AWdlb4laGTgoLDDHqkMxLz0qRnHqpBD8i2-jpd4hDVKE1Kb"})";
  const std::string ec = R"({"kid":"HCLAkPub","kty":"EC","crv":"P-256",)"
                         R"("x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
                         R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})";
  return {
      SeedFromText(R"({"keys":[)" + rsa +
                   R"(],"vm-configuration":{"console-enabled":true,)"
                   R"("secure-boot":true,"tpm-enabled":true,"vmUniqueId":"SEED-1"}})"),
      SeedFromText(R"({"keys":[)" + ec +
                   R"(,{"kid":"HCLEkPub","kty":"RSA","e":"AQAB","n":"AQAB"}],)"
                   R"("user-data":")" +
                   std::string(128, 'A') + R"("})"),
      SeedFromText(R"({"keys":[)" + rsa + "," + rsa + "]}"),
      SeedFromText(R"({"keys":[{"kid":"HCLTransferKey","kty":"RSA"}],"vm-configuration":[]})"),
      SeedFromText(R"([[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]])"),
  };
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace attest::evidence;
  attest::ByteSpan input(data, size);
  auto vars = azure_cvm::ParseHclVariableData(input);
  if (vars) {
    if (!vars->claims.is_object() || vars->ak_public == nullptr) std::abort();
    if (vars->user_data && vars->user_data->size() != 64) std::abort();
  }
  std::optional<BoundData> json =
      BoundData{attest::Bytes(input.begin(), input.end()), BoundData::Kind::kJson};
  if (azure_cvm::IsAzureCvmPlatformEvidence(json, true, false) != vars.has_value()) std::abort();
  return 0;
}
