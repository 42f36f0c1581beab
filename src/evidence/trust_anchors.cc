#include "evidence/trust_anchors.h"

#include "base/encoding.h"

namespace attest::evidence {
namespace {

// DER SubjectPublicKeyInfo (id-ecPublicKey, prime256v1) of the Intel SGX Root CA, whose
// uncompressed point is published in spec/intel-dcap.md §3.4; SHA-256 of this DER is
// a0af031289f5d5d4132f9186068a7fc13628633ba235777472e29b6b6c67a49e.
constexpr char kIntelSgxRootSpkiHex[] =
    "3059301306072a8648ce3d020106082a8648ce3d03010703420004"
    "0ba9c4c0c0c86193a3fe23d6b02cda10a8bbd4e88e48b4458561a36e705525f5"
    "67918e2edc88e40d860bd0cc4ee26aacc988e505a953558c453f6b0904ae7394";

}  // namespace

const TrustAnchors& TrustAnchors::Production() {
  static const TrustAnchors anchors = [] {
    TrustAnchors a;
    a.intel_sgx_root_spki = HexDecode(kIntelSgxRootSpkiHex).value();
    return a;
  }();
  return anchors;
}

}  // namespace attest::evidence
