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

// Parses `text` (a compact JWS; surrounding whitespace tolerated) with crypto/jws.h.
// Unsigned documents (`alg: none`) must have an empty signature; signed ones must carry a
// signer certificate and verify with its key: RS256 (also the legacy name RSA256), ES256,
// and the Azure SDK for C++'s "EC" (DER ECDSA-SHA256) when x5c[0] holds a P-256 key
// (maa-real-clients.md §8).
// Reasons: JWS_MALFORMED (400 InvalidOperation), JWS_UNSUPPORTED_ALG (also an alg that does
// not fit the certificate's key), JWS_SIGNATURE_INVALID (403: the document is not what its
// signer signed).
StatusOr<ManagementJws> ParseManagementJws(std::string_view text);

// Isolated mode (maa-service-behaviour.md §2.1 step 3): the signer equals one of `trusted`
// or chains to one through the remaining x5c certificates, each link verified; an issuing
// trusted certificate must be a CA. Reason SIGNER_NOT_TRUSTED (403).
// Then every x5c certificate on that path must be valid at `now` and fit its role where it
// states a keyUsage (RFC 5280 §4.2.1.3: digitalSignature for the signer, keyCertSign for an
// issuer): a registered CA vouches for a leaf only within the leaf's validity. Reasons
// SIGNER_CERT_EXPIRED, SIGNER_CERT_NOT_YET_VALID, SIGNER_CERT_KEY_USAGE (400: a bad signer
// chain is a bad parameter, maa-rest-api.md §7).
Status CheckSignerTrusted(const ManagementJws& jws, const std::vector<crypto::Certificate>& trusted,
                          UnixTime now);

// {"alg":"RS256","kty":"RSA","use":"sig","x5c":["<std base64 DER>"]} (maa-tokens.md §6.2);
// kty/alg EC/ES256 for an EC key.
nlohmann::json SignerJwk(const crypto::Certificate& cert);

// Upper-case hex SHA-1 of the DER (x-ms-certificate-thumbprint, maa-tokens.md §7.2).
std::string CertificateThumbprint(const crypto::Certificate& cert);

}  // namespace attest::service
