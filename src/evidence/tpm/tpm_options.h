// What the TPM verifier and protocol are built from (VerifierConfig::tpm). Plain data.
#pragma once

#include <cstdint>
#include <memory>

#include "evidence/tpm/ak_trust.h"
#include "evidence/tpm/service_context.h"

namespace attest::evidence::tpm {

struct TpmOptions {
  // How an AK earns trust (spec/tpm.md §5); by default none does.
  AkTrustConfig ak_trust;
  // The service_context sealing key; without it /attest/Tpm answers 503.
  std::shared_ptr<const ContextKeySource> context_key;
  int64_t context_lifetime_seconds = 300;
  // spec/tpm.md §11: every PCR of the mask must be quoted (MAA's default 0xFFFFFF).
  uint32_t required_pcr_mask = 0xFFFFFF;
  bool allow_sha1_signatures = true;
};

}  // namespace attest::evidence::tpm
