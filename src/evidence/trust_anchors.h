// TrustAnchors: the vendor roots evidence must chain to. Production anchors are pinned in
// code; tests build their own from src/testing (never used by a production configuration).
#pragma once

#include "base/bytes.h"

namespace attest::evidence {

struct TrustAnchors {
  // DER SubjectPublicKeyInfo of the Intel SGX Root CA key. The key is pinned, not a
  // certificate: the root was re-issued with the same key (spec/intel-dcap.md §3.4).
  Bytes intel_sgx_root_spki;

  // The pinned production anchors.
  static const TrustAnchors& Production();
};

}  // namespace attest::evidence
