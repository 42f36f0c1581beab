// Trust in a TPM attestation key (spec/tpm.md §5): a valid quote only proves possession of
// the AK. A deployment chooses how an AK earns trust; the verdict names the mode that applied.
//
// Thread-safe (the configuration is read-only after construction).
#pragma once

#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"
#include "base/time.h"
#include "crypto/x509.h"
#include "evidence/tpm/tpm_structures.h"

namespace attest::evidence::tpm {

enum class AkTrustMode {
  kCertificate,    // an AK certificate chained to a configured EK/AK CA root
  kRegisteredKey,  // the AK public key is registered as trusted
  kAsPresented,    // explicitly configured: any AK is trusted (aikValidated = false)
};

// "certificate", "registered-key", "as-presented".
std::string_view AkTrustModeName(AkTrustMode mode);

struct AkTrustConfig {
  std::vector<crypto::Certificate> roots;  // EK/AK CA roots (e.g. the GCE vTPM root)
  std::vector<Bytes> registered_spki;      // DER SubjectPublicKeyInfo of trusted AKs
  bool trust_as_presented = false;         // must be set explicitly
};

// Decides whether `ak` is trusted. `presented` are the certificates the attester sent (its AK
// certificate and intermediates, any order). With roots configured and certificates presented,
// the chain must hold: an AK certificate whose key is the AK, valid at `now`, chaining to a
// root. Otherwise a registered key, otherwise as-presented when configured. Reasons:
// TPM_AK_CERT_KEY_MISMATCH, TPM_AK_CERT_CHAIN_INVALID, TPM_AK_UNTRUSTED.
StatusOr<AkTrustMode> EstablishAkTrust(const AkPublic& ak,
                                       const std::vector<crypto::Certificate>& presented,
                                       const AkTrustConfig& config, UnixTime now);

}  // namespace attest::evidence::tpm
