// Builds the TPM verifier options (evidence/tpm/tpm_options.h) from the server config:
// the service_context key file (created 0600 beside the signing key when absent), AK roots,
// registered AKs and the explicit as-presented mode. With `key_from_kek` (a KEK configured
// and no tpm_context_key), no key file is used: each provider's stack derives its key from
// the KEK (evidence::tpm::DeriveContextKey), so every replica accepts every other's contexts.
#pragma once

#include "base/status.h"
#include "evidence/tpm/tpm_options.h"
#include "server/config.h"

namespace attest::server {

Status ConfigureTpm(const ServerConfig& config, bool key_from_kek, evidence::tpm::TpmOptions& tpm);

}  // namespace attest::server
