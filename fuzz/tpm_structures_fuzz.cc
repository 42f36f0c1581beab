// Fuzz target: the TPM structures (evidence/tpm/tpm_structures.h, through libtss2-mu) and the
// quote verifier on arbitrary bytes. The first byte picks the structure; every input returns
// a value or an error, never crashes or reads out of bounds.
#include <algorithm>
#include <cstdlib>

#include "evidence/tpm/quote_verifier.h"
#include "evidence/tpm/tpm_structures.h"
#include "fuzz/fuzz_seeds.h"
#include "testing/tpm_builder.h"

namespace {

using namespace attest::evidence::tpm;

const attest::testing::TpmTestKey& Key() {
  static const attest::testing::TpmTestKey key = attest::testing::TpmTestKey::Generate(
      attest::testing::TpmTestKey::Kind::kRsa2048, kAlgRsassa, kAlgSha256);
  return key;
}

attest::Bytes Tagged(uint8_t tag, const attest::Bytes& b) {
  attest::Bytes out(b.size() + 1);
  out[0] = tag;
  std::copy(b.begin(), b.end(), out.begin() + 1);
  return out;
}

}  // namespace

std::vector<attest::Bytes> FuzzSeeds() {
  attest::testing::TpmQuoteSpec spec;
  spec.nonce = {1, 2, 3};
  spec.pcrs[kAlgSha256][0] = attest::Bytes(32, 1);
  spec.pcrs[kAlgSha1][7] = attest::Bytes(20, 2);
  attest::Bytes quote = attest::testing::BuildQuote(spec);
  auto ec = attest::testing::TpmTestKey::Generate(attest::testing::TpmTestKey::Kind::kEccP256,
                                                  kAlgEcdsa, kAlgSha256);
  return {Tagged(0, quote), Tagged(1, Key().Sign(quote, kAlgRsassa, kAlgSha256)),
          Tagged(1, ec.Sign(quote, kAlgEcdsa, kAlgSha256)), Tagged(2, Key().tpmt_public()),
          Tagged(2, ec.tpmt_public()), Tagged(3, quote)};
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  attest::ByteSpan input(data + 1, size - 1);
  switch (data[0] % 4) {
    case 0: {
      auto q = ParseQuote(input);
      if (q && q->selections.size() > 16) std::abort();  // TPML_PCR_SELECTION holds at most 16
      break;
    }
    case 1: {
      auto s = ParseSignature(input);
      if (s && s->sig_alg != kAlgRsassa && s->sig_alg != kAlgRsapss && s->sig_alg != kAlgEcdsa) {
        std::abort();
      }
      break;
    }
    case 2: {
      auto ak = ParseTpmtPublic(input);
      if (ak && ak->key == nullptr) std::abort();
      break;
    }
    default: {
      // The whole verifier over a mutated quote with a fixed AK and signature.
      auto ak = ParseTpmtPublic(Key().tpmt_public());
      auto sig = ParseSignature(Key().Sign(input, kAlgRsassa, kAlgSha256));
      PcrValues pcrs;
      pcrs[kAlgSha256][0] = attest::Bytes(32, 1);
      auto r = VerifyQuote(input, *sig, *ak, attest::Bytes{1, 2, 3}, &pcrs);
      (void)r;
      break;
    }
  }
  return 0;
}
