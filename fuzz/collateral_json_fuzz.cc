// Fuzz target: Intel's signed JSON collateral — ExtractSignedJson, then ParseTcbInfo and
// ParseEnclaveIdentity on the extracted body — must never crash on arbitrary text.
#include <string_view>

#include "base/bytes.h"
#include "evidence/dcap/signed_json.h"
#include "evidence/dcap/tcb_info.h"
#include "fuzz/fuzz_seeds.h"
#include "testing/dcap_world.h"

std::vector<attest::Bytes> FuzzSeeds() {
  using attest::testing::DcapWorld;
  attest::testing::DcapCase sgx = DcapWorld::Sgx().Build();
  attest::testing::DcapCase tdx = DcapWorld::Tdx().Build();
  return {sgx.collateral.tcb_info, sgx.collateral.qe_identity, tdx.collateral.tcb_info,
          tdx.collateral.qe_identity};
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = attest::AsChars(attest::ByteSpan(data, size));
  if (auto tcb = attest::dcap::ExtractSignedJson(text, "tcbInfo", "TCB_INFO_UNSUPPORTED_FORMAT")) {
    (void)attest::dcap::ParseTcbInfo(tcb->body);
  }
  if (auto id = attest::dcap::ExtractSignedJson(text, "enclaveIdentity", "QE_IDENTITY_UNSUPPORTED_FORMAT")) {
    (void)attest::dcap::ParseEnclaveIdentity(id->body);
  }
  // The parsers also see unsigned text directly (what a signature check would stop).
  (void)attest::dcap::ParseTcbInfo(text);
  (void)attest::dcap::ParseEnclaveIdentity(text);
  return 0;
}
