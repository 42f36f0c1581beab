// Builds the TPM verifier options (evidence/tpm/tpm_options.h) from the server config:
// the service_context key file (created 0600 beside the signing key when absent), AK roots,
// registered AKs and the explicit as-presented mode.
#pragma once

#include "base/status.h"
#include "evidence/tpm/tpm_options.h"
#include "server/config.h"

namespace attest::server {

Status ConfigureTpm(const ServerConfig& config, evidence::tpm::TpmOptions& tpm);

}  // namespace attest::server
