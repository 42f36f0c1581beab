// AttestationProtocol: room for attestation that takes more than one request.
//
// Most routes are one request with one evidence blob (Verifier). TPM attestation at
// /attest/Tpm is challenge and response (spec/maa-rest-api.md §4.6, tpm.md): the client asks
// for a challenge, the service answers with a nonce and an opaque `service_context`, and the
// client's next request carries evidence over that nonce. A TEE with such a protocol
// implements this interface and sets AttestationTypeDescriptor::make_protocol instead of (or
// besides) make_verifier.
//
// Rounds are independent HTTP requests, possibly served by different replicas: the service
// keeps no session table. Whatever a later round needs (the challenge, its expiry) travels in
// the service_context the protocol mints, integrity-protected (and encrypted if it must be
// secret) under a key the protocol is configured with, so a replayed or forged context is
// refused like bad evidence. Implementations must be thread-safe.
//
// Dispatch: AttestationService::AdvanceProtocol builds one protocol per descriptor with
// make_protocol and runs a round; api/tpm_route.cc carries the rounds of /attest/{type}
// (bearer, {"data": ...} wrapper, CloudError bodies). First user: evidence/tpm/tpm_protocol.h.
#pragma once

#include <functional>
#include <optional>

#include "base/bytes.h"
#include "claims/claim.h"
#include "evidence/evidence.h"

namespace attest::evidence {

class AttestationProtocol {
 public:
  // One round's outcome: either a message to return to the client (the protocol continues)
  // or the verified incoming claims (the last round; policy and token issuance follow, as
  // for a Verifier's claims).
  struct Step {
    std::optional<Bytes> reply;
    std::optional<claims::ClaimSet> claims;
    // With `claims`: a check of the verified evidence against what the policy's
    // configuration rules set (e.g. Tpm's required_pcr_mask), run after the policy is
    // evaluated and before a token is issued. Errors refuse the attestation.
    std::function<Status(const claims::ClaimSet& properties)> check_configuration;
  };

  virtual ~AttestationProtocol() = default;
  // `message` is the decoded client message of this round (for Tpm the bytes inside
  // {"data": ...}). Errors as Verifier::Verify.
  virtual StatusOr<Step> Advance(ByteSpan message, const VerifyContext& context) const = 0;
};

}  // namespace attest::evidence
