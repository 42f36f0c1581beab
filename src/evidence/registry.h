// The one table of attestation types attestd serves: one descriptor per type holds
// everything that differs by type. The router, wire models, service, discovery documents and
// attestctl read it; nothing else switches on the type. How to add a TEE: README.md here.
#pragma once

#include <memory>
#include <span>
#include <string_view>

#include "base/attestation_type.h"
#include "evidence/protocol.h"
#include "evidence/verifier.h"
#include "evidence/verifier_config.h"

namespace attest::evidence {

// How a type's claims are laid out in the token.
enum class ClaimLayout {
  // spec/maa-tokens.md §3 (SGX, Open Enclave): policy-issued claims nested under
  // x-ms-policy; binary runtime data as x-ms-sgx-ehd, aas-ehd and maa-ehd; and the legacy
  // top-level mirrors (is-debuggable, product-id, sgx-mrenclave, sgx-mrsigner, svn, tee,
  // maa-attestationcollateral) of the x-ms-sgx-* claims.
  kSgxLegacyMirrors,
  // maa-service-behaviour.md §3.6 (every other type): policy-issued claims at the top level
  // beside the verifier's; no legacy mirrors; binary runtime data leaves no claim.
  kTopLevel,
};

using VerifierFactory = std::unique_ptr<Verifier> (*)(const VerifierConfig& config);
using ProtocolFactory = std::unique_ptr<AttestationProtocol> (*)(const VerifierConfig& config);
// Turns an issued token into the `token` value of the response (AzureGuest seals it to the
// VM's TPM); errors are the server's (kInternal) or the evidence's.
using AnswerSealer = StatusOr<std::string> (*)(const std::string& token);

struct AttestationTypeDescriptor {
  AttestationType type;
  // x-ms-attestation-type (spec/maa-tokens.md §2); also the legacy `tee` mirror.
  std::string_view token_type;
  ClaimLayout layout;
  // The built-in policy while none is stored (spec/maa-policy-language.md §8), exact bytes:
  // x-ms-policy-hash is computed from them.
  std::string_view default_policy;
  // What the type adds to the OpenID metadata's claims_supported.
  std::span<const std::string_view> claims_supported;
  // Builds the verifier of a one-shot POST /attest/{type}; nullptr while attestd verifies
  // no evidence of the type (the route answers 400 ATTESTATION_TYPE_UNSUPPORTED, policies
  // are still managed).
  VerifierFactory make_verifier = nullptr;
  // Builds the multi-round protocol (protocol.h); nullptr for one-shot types.
  ProtocolFactory make_protocol = nullptr;
  // Applied to the token before it is answered; nullptr: the token is answered as issued.
  AnswerSealer seal_answer = nullptr;
  // Verifier claims MAA's own documented policies re-issue into the token (the TPM samples:
  // `c:[type=="aikValidated", issuer=="AttestationService"] => issue(type="aikValidated",
  // value=c.value)`). A policy may issue these: with the verifier's value when it produced
  // one (another value is still refused at evaluation), freely when it did not.
  std::span<const std::string_view> reissuable_claims;
  // Incoming claims policies read that the token does not carry (MAA: the TPM event model is
  // a policy input; a real boot log's model is 100-150 KiB of JSON).
  std::span<const std::string_view> policy_only_claims;

  // MAA's wire vocabulary of the type (base/attestation_type.h): REST and CLI names, the
  // evidence member, the accepted api-versions.
  const AttestationTypeVocabulary& vocabulary() const { return Vocabulary(type); }
  std::string_view rest_name() const { return vocabulary().rest_name; }
  bool verifiable() const { return make_verifier != nullptr; }
};

// Every descriptor, in table order.
std::span<const AttestationTypeDescriptor> Descriptors();

// The descriptor of `type`, or nullptr when attestd does not serve the type at all (MAA
// types such as AzureGuest or KeyGuard before their issues land).
const AttestationTypeDescriptor* FindDescriptor(AttestationType type);

// kInvalidArgument ATTESTATION_TYPE_UNSUPPORTED: `type` is MAA's but attestd does not serve
// it (maa-real-clients.md §6: 400, never 404 or 500).
Status UnsupportedType(AttestationType type);

// A new verifier for `type` built from `config`. Error: UnsupportedType(type) when attestd
// has no verifier for the type.
StatusOr<std::unique_ptr<Verifier>> MakeVerifier(AttestationType type,
                                                 const VerifierConfig& config);

}  // namespace attest::evidence
