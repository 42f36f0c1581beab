// Fuzz target: the full SGX verifier (parse, PCK chain, collateral, QVL checks, TCB
// evaluation) on mutated quotes against one valid test world's collateral. Any outcome but a
// crash is fine; a mutated quote that still verifies must be byte-identical to the original
// in its signed part (otherwise a signature check was skipped).
#include <algorithm>
#include <cstdlib>

#include "evidence/dcap/quote.h"
#include "fuzz/fuzz_seeds.h"
#include "testing/dcap_verify.h"

namespace {

const attest::testing::DcapCase& World() {
  static const attest::testing::DcapCase* world =
      new attest::testing::DcapCase(attest::testing::DcapWorld::Sgx().Build());
  return *world;
}

}  // namespace

std::vector<attest::Bytes> FuzzSeeds() { return {World().quote}; }

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  attest::testing::DcapCase c = World();
  c.quote.assign(data, data + size);
  auto result = attest::testing::VerifyDcapCase(c, attest::evidence::AttestationType::kSgxEnclave);
  if (result.has_value()) {
    auto mutated = attest::dcap::ParseQuote(c.quote);
    auto original = attest::dcap::ParseQuote(World().quote);
    if (!mutated || !original ||
        !std::equal(mutated->signed_bytes.begin(), mutated->signed_bytes.end(),
                    original->signed_bytes.begin(), original->signed_bytes.end())) {
      std::abort();  // a changed enclave report verified
    }
  }
  return 0;
}
