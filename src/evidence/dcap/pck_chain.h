// The PCK certificate chain carried in a quote's certification data (type 5), its roles,
// trust and SGX extension (spec/intel-dcap.md A4, A5, B1-B3, B6). Immutable; shared.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "collateral/collateral_provider.h"
#include "crypto/x509.h"
#include "evidence/dcap/check_step.h"
#include "evidence/dcap/pck_certificate.h"

namespace attest::dcap {

struct PckChain {
  // A4/A5 failures (chain does not parse, SGX extension invalid).
  Status parse_error;
  // B1-B3 failures (roles, pinned root, signatures, basic constraints).
  Status trust_error;
  std::optional<crypto::Certificate> leaf, intermediate, root;
  Bytes leaf_spki;  // DER SubjectPublicKeyInfo of the PCK key (the key's exact identity)
  PckInfo info;
  collateral::PckCa ca = collateral::PckCa::kPlatform;
  std::vector<CheckStep> validity;  // B6: every certificate valid at T
};

// Builds and checks the chain in `cert_data` (PEM, any order) against the pinned root key
// `root_spki`. Never fails as a call: the outcome is recorded in the returned chain.
std::shared_ptr<const PckChain> BuildPckChain(ByteSpan cert_data, ByteSpan root_spki);

}  // namespace attest::dcap
