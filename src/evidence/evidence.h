// Evidence, its attestation type, and what a verifier is given besides it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/attestation_type.h"
#include "base/bytes.h"
#include "base/status.h"
#include "base/time.h"
#include "collateral/collateral_provider.h"
#include "evidence/trust_anchors.h"

namespace attest::evidence {

// MAA's attestation types and their names live in base/attestation_type.h (shared with the
// client); what attestd does with each is its descriptor in evidence/registry.h.
using ::attest::AttestationType;
using ::attest::AttestationTypeName;
using ::attest::ParseAttestationType;

// Runtime or init-time data the caller binds to the evidence.
struct BoundData {
  enum class Kind { kBinary, kJson };
  Bytes data;
  Kind kind = Kind::kBinary;
};

struct Evidence {
  AttestationType type = AttestationType::kSgxEnclave;
  Bytes blob;  // the quote / report / evidence bytes
  std::optional<BoundData> runtime_data;
  std::optional<BoundData> init_time_data;
  std::optional<std::string> nonce;
  // Collateral sent along with the evidence (e.g. Open Enclave endorsements); preferred
  // over the context's provider when present.
  std::optional<Bytes> endorsements;
};

// What a verification may use besides the evidence. Everything is borrowed for the call.
// Per-TEE options are not here: a verifier gets its block of VerifierConfig when it is built.
struct VerifyContext {
  const Clock& clock;
  collateral::CollateralProvider& collateral;
  const TrustAnchors& anchors;
  // The attestd provider (MAA instance) serving the request; empty for the default one.
  // Multi-round protocols bind their state to it, so one provider's context is refused by
  // another that shares the sealing key.
  std::string_view attestation_provider = {};
};

// Largest evidence blob any verifier accepts (real quotes are 4.6-8 KiB).
inline constexpr size_t kMaxEvidenceSize = 1024 * 1024;

}  // namespace attest::evidence
