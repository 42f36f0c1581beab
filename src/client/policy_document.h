// Building the JWS documents of policy management on the client side (spec/maa-tokens.md
// §6.1, §7.1): StoredAttestationPolicy for PUT /policies/{t}, the empty-payload reset body
// and the policyCertificate bodies of /certificates:add|remove — unsigned ({"alg":"none"})
// or signed with a policy-management key (RS256 for RSA, ES256 for P-256) carrying the
// signer certificate in x5c, exactly as the Azure SDKs emit them.
// PolicySigner is immutable after loading; functions are thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "crypto/openssl_ptr.h"
#include "crypto/x509.h"

namespace attest::client {

class PolicySigner {
 public:
  // PEM private key (RSA or EC P-256) and PEM certificate for it. Reasons:
  // SIGNER_KEY_INVALID, SIGNER_CERT_INVALID, SIGNER_KEY_MISMATCH.
  static StatusOr<PolicySigner> Load(const std::string& key_file, const std::string& cert_file);

  // header.payload.signature with header {"alg":"RS256"|"ES256","x5c":["<base64 DER>"]}.
  StatusOr<std::string> Sign(std::string_view payload) const;
  const crypto::Certificate& certificate() const { return cert_; }

 private:
  PolicySigner(crypto::EvpPkeyPtr key, crypto::Certificate cert)
      : key_(std::move(key)), cert_(std::move(cert)) {}
  crypto::EvpPkeyPtr key_;
  crypto::Certificate cert_;
};

// {"AttestationPolicy":"<base64url(text)>"} as a JWS; unsigned when `signer` is null.
StatusOr<std::string> BuildPolicyDocument(std::string_view policy_text, const PolicySigner* signer);
// The reset body: "eyJhbGciOiJub25lIn0.." or "<signed header>..<signature>".
StatusOr<std::string> BuildResetDocument(const PolicySigner* signer);
// {"policyCertificate":{"kty":"RSA"|"EC","x5c":["<cert>"]}} signed by `signer` (required).
StatusOr<std::string> BuildCertificateDocument(const crypto::Certificate& cert,
                                               const PolicySigner& signer);
// base64url(SHA-256(document)): what x-ms-policy-token-hash must be (maa-tokens.md §6.2).
std::string ExpectedPolicyTokenHash(std::string_view document);

}  // namespace attest::client
