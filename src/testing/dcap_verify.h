// Runs a DcapCase through a verifier built by the registry for its attestation type, at the case's
// verification time, with the case's collateral and anchors — the one call every DCAP
// rejection test makes. Thread-safe.
#pragma once

#include <optional>
#include <string>

#include "claims/claim.h"
#include "evidence/evidence.h"
#include "evidence/verifier_config.h"
#include "testing/dcap_world.h"

namespace attest::testing {

StatusOr<claims::ClaimSet> VerifyDcapCase(const DcapCase& c, evidence::AttestationType type,
                                          evidence::DcapOptions options = {},
                                          std::optional<Bytes> runtime_data = std::nullopt);

// "OK" for success, otherwise the failure's reason: tests compare with one string and a
// failure message shows what happened instead.
std::string ReasonOf(const StatusOr<claims::ClaimSet>& result);

// A member of the x-attestd-tcb claim object (null JSON when absent).
nlohmann::json TcbDetail(const claims::ClaimSet& claims, const std::string& member);

}  // namespace attest::testing
