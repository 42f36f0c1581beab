// Fuzz target: dcap::ParsePckExtension, the attacker-supplied SGX extension of the PCK leaf in
// a quote's certification data. The input is the extension's DER value; it is placed into a
// PCK certificate minted by the test PKI (signed, so it is exactly what the quote could carry)
// and the certificate goes through Certificate::FromDer first, as in verification.
#include "evidence/dcap/pck_certificate.h"
#include "fuzz/fuzz_seeds.h"
#include "testing/sgx_extension.h"
#include "testing/test_pki.h"

namespace {

const attest::testing::TestPki& Pki() {
  static const attest::testing::TestPki* pki = new attest::testing::TestPki();
  return *pki;
}

// One leaf key for every input: minting a key per input would dominate the run time.
const attest::testing::TestKey& LeafKey() {
  static const attest::testing::TestKey* key =
      new attest::testing::TestKey(attest::testing::TestKey::Generate());
  return *key;
}

}  // namespace

std::vector<attest::Bytes> FuzzSeeds() {
  using attest::testing::EncodeSgxExtension;
  using attest::testing::SgxExtensionFields;
  SgxExtensionFields processor;
  SgxExtensionFields platform;
  platform.sgx_type = 1;
  platform.platform_instance_id = attest::Bytes(16, 0x42);
  platform.configuration = attest::dcap::PckConfiguration{true, false, true};
  platform.comp_svn = {11, 11, 2, 2, 255, 1, 0, 3};
  platform.pcesvn = 13;
  return {EncodeSgxExtension(processor), EncodeSgxExtension(platform)};
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  attest::testing::TestCert leaf = attest::testing::PckCertBuilder()
                                       .WithKey(LeafKey())
                                       .WithRawSgxExtension(attest::Bytes(data, data + size))
                                       .Build(Pki());
  auto cert = attest::crypto::Certificate::FromDer(leaf.Der());
  if (!cert) {
    return 0;  // OpenSSL refused the extension's framing; nothing reaches our parser
  }
  (void)attest::dcap::ParsePckExtension(*cert);
  return 0;
}
