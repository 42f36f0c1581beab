// The one list of TEE verifiers. Adding a TEE = a folder under src/evidence/ plus one line
// in registry.cc.
#pragma once

#include <vector>

#include "evidence/verifier.h"

namespace attest::evidence {

// The verifier for `type`, or nullptr when attestd has none. Verifiers are created on first
// use and live for the process. Thread-safe.
const Verifier* FindVerifier(AttestationType type);
std::vector<AttestationType> SupportedTypes();

}  // namespace attest::evidence
