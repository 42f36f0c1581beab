// TrustAnchors: the vendor roots evidence must chain to. Production anchors are pinned in
// code; tests build their own from src/testing (never used by a production configuration).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"

namespace attest::evidence {

// One AMD root key (ARK) of an SEV-SNP product line. A sent or collateral ARK is trusted when
// the SHA-256 of its DER or of its SubjectPublicKeyInfo equals a pin of the product.
struct AmdArkPin {
  std::string product;  // "Milan", "Genoa", "Turin"
  Bytes der_sha256;     // empty: not pinned by DER
  Bytes spki_sha256;    // empty: not pinned by key
};

struct TrustAnchors {
  // DER SubjectPublicKeyInfo of the Intel SGX Root CA key. The key is pinned, not a
  // certificate: the root was re-issued with the same key (spec/intel-dcap.md §3.4).
  Bytes intel_sgx_root_spki;

  // AMD ARKs, one or more per SEV-SNP product (spec/amd-sev-snp.md §6.3).
  std::vector<AmdArkPin> amd_arks;

  // SHA-256 of the DER of the roots ACI UVM endorsements chain to ("Microsoft Supply Chain
  // RSA Root CA 2022", spec/azure-cvm.md §10.3).
  std::vector<Bytes> microsoft_uvm_roots_sha256;

  // DER of the roots Azure vTPM attestation-key certificates chain to ("Azure Virtual TPM
  // Root Certificate Authority 2023"; evidence/azure_cvm/ak_certificate.h).
  std::vector<Bytes> azure_vtpm_roots_der;

  // The pinned production anchors.
  static const TrustAnchors& Production();
};

// Test-only roots, as `attestctl azure-cvm simulate` writes them:
//   {"amd_arks":[{"product":"Milan","spki_sha256":"<64 hex>"}]}
// appended to `anchors`. kInvalidArgument CONFIG_INVALID when malformed. The server accepts
// them only on a loopback listener (server/config.h test_trust_anchors).
Status AppendTestAnchors(std::string_view json_text, TrustAnchors& anchors);

// The JSON AppendTestAnchors reads, for `anchors`' AMD ARK pins.
std::string TestAnchorsJson(const TrustAnchors& anchors);

}  // namespace attest::evidence
