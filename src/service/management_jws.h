// The JWS documents of policy management (spec/maa-tokens.md §6.1, §7.1;
// maa-service-behaviour.md §2): StoredAttestationPolicy bodies of PUT /policies/{t}, the
// empty-payload bodies of :reset and the certificate bodies of /certificates:add|remove.
//
// Parsing verifies a signed document's signature with its embedded signer certificate
// (header x5c[0], or legacy jwk.x5c[0]); whether that signer is *trusted* is a separate
// decision (CheckSignerTrusted) that only Isolated providers make. Stateless; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "crypto/x509.h"

namespace attest::service {

// Most certificates accepted in an x5c chain.
inline constexpr size_t kMaxX5cCertificates = 8;

struct ManagementJws {
  std::string compact;  // the JWS exactly as received (surrounding whitespace removed)
  nlohmann::json header;
  std::optional<nlohmann::json> payload;  // nullopt for an empty payload (reset)
  bool is_signed = false;                 // alg other than "none"
  std::vector<crypto::Certificate> x5c;   // signer first; empty when unsigned
};

// Parses `text` (a compact JWS; surrounding whitespace tolerated). Unsigned documents
// (`alg: none`) must have an empty signature; signed ones (RS256, legacy RSA256, ES256)
// must carry a signer certificate and verify with it.
// Reasons: JWS_MALFORMED (400 InvalidOperation), JWS_UNSUPPORTED_ALG,
// JWS_SIGNATURE_INVALID (403: the document is not what its signer signed).
StatusOr<ManagementJws> ParseManagementJws(std::string_view text);

// Isolated mode (maa-service-behaviour.md §2.1 step 3): the signer equals one of `trusted`
// or chains to one through the remaining x5c certificates, each link verified; an issuing
// trusted certificate must be a CA. Reason SIGNER_NOT_TRUSTED (403).
Status CheckSignerTrusted(const ManagementJws& jws, const std::vector<crypto::Certificate>& trusted);

// {"alg":"RS256","kty":"RSA","use":"sig","x5c":["<std base64 DER>"]} (maa-tokens.md §6.2);
// kty/alg EC/ES256 for an EC key.
nlohmann::json SignerJwk(const crypto::Certificate& cert);

// Upper-case hex SHA-1 of the DER (x-ms-certificate-thumbprint, maa-tokens.md §7.2).
std::string CertificateThumbprint(const crypto::Certificate& cert);

}  // namespace attest::service
