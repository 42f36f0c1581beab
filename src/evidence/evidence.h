// Evidence, its attestation type, and what a verifier is given besides it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/status.h"
#include "base/time.h"
#include "collateral/collateral_provider.h"
#include "evidence/trust_anchors.h"

namespace attest::evidence {

// MAA's attestation types (the `{type}` of /attest/{type} and /policies/{type}).
enum class AttestationType { kSgxEnclave, kOpenEnclave, kTdxVm, kSevSnpVm, kTpm };

// "SgxEnclave", "OpenEnclave", "TdxVm", "SevSnpVm", "Tpm".
std::string_view AttestationTypeName(AttestationType type);
// Accepts MAA names case-insensitively and the short forms sgx, openenclave/oe, tdx,
// snp/sevsnp, tpm.
StatusOr<AttestationType> ParseAttestationType(std::string_view name);

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

struct VerifyOptions {
  // Skip the PCK CRL check when no PCK CRL can be had (spec/intel-dcap.md §7.6). The
  // verdict then says pck_revocation_checked = false. Off by default.
  bool allow_missing_pck_crl = false;
};

// What a verification may use besides the evidence. Everything is borrowed for the call.
struct VerifyContext {
  const Clock& clock;
  collateral::CollateralProvider& collateral;
  const TrustAnchors& anchors;
  VerifyOptions options;
};

// Largest evidence blob any verifier accepts (real quotes are 4.6-8 KiB).
inline constexpr size_t kMaxEvidenceSize = 1024 * 1024;

}  // namespace attest::evidence
