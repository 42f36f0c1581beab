// JSON Web Signature (RFC 7515) in the compact serialisation, with the JWA signature
// algorithms attestd meets (RFC 7518 §3): the one parser, verifier and signer of JWS in
// attestd. Result tokens, relying-party validation, bearer tokens and policy-management
// documents all go through here; callers only decide which algorithms and keys they accept
// and how a refusal is answered. JWK import/export lives in crypto/jwk.h.
//
// Stateless; thread-safe. Values are immutable after parsing.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/bytes.h"
#include "base/status.h"
#include "crypto/openssl_ptr.h"

namespace attest::crypto {

enum class JwsAlg {
  kNone,   // RFC 7518 §3.6: unsecured, empty signature
  kRs256,  // RFC 7518 §3.3: RSASSA-PKCS1-v1_5; RSA >= 2048 bits
  kRs384,
  kPs256,  // RFC 7518 §3.5: RSASSA-PSS, SHA-256, MGF1-SHA-256, 32-byte salt (TPM attReq)
  kEs256,  // RFC 7518 §3.4: ECDSA P-256, signature r ‖ s (64 bytes)
  kEs384,  // ECDSA P-384, r ‖ s (96 bytes)
  // "EC": what the Azure SDK for C++ writes for any EC signer (maa-real-clients.md §8):
  // ECDSA-SHA256 with a DER ECDSA-Sig-Value signature. Only with a P-256 key.
  kAzureSdkEcDer,
};

// Which spellings JwsAlgFromName accepts beyond the RFC 7518 names.
enum class JwsAlgNames {
  kStandard,
  // Policy-management documents: also "RSA256" (older MAA tooling's name for RS256,
  // maa-tokens.md §6.1) and "EC" (kAzureSdkEcDer).
  kWithAzureSdkAliases,
};

// nullopt for a name not accepted under `names` (case-sensitive, RFC 7515 §4.1.1).
std::optional<JwsAlg> JwsAlgFromName(std::string_view name,
                                     JwsAlgNames names = JwsAlgNames::kStandard);
// The RFC 7518 name ("EC" for kAzureSdkEcDer).
std::string_view JwsAlgName(JwsAlg alg);

struct JwsParseOptions {
  // Larger inputs are refused before decoding.
  size_t max_size = 1024 * 1024;
  // The reset document of policy management has an empty payload (maa-rest-api.md §5.3);
  // everywhere else the payload is a JSON object.
  bool allow_empty_payload = false;
  // Relying parties hold tokens to the canonical form (maa-rest-api.md §6.3): unpadded
  // base64url only. Otherwise '=' padding is tolerated.
  bool canonical_base64url = false;
};

struct CompactJws {
  nlohmann::json header;   // a JSON object with a string "alg"
  nlohmann::json payload;  // a JSON object; null only for an allowed empty payload
  std::string alg;         // header "alg"
  std::string kid;         // header "kid", "" when absent
  std::string signing_input;  // "<b64url header>.<b64url payload>" exactly as received
  Bytes signature;            // the decoded third segment (empty for "none")
};

// Splits and decodes a compact JWS (RFC 7515 §7.1); verifies nothing. "alg" must be a
// string and "kid", when present, a string; a "crit" header is refused because attestd
// understands no JWS extension (RFC 7515 §4.1.11). Reason: JWS_MALFORMED (InvalidArgument).
StatusOr<CompactJws> ParseCompactJws(std::string_view text, const JwsParseOptions& options = {});

// Verifies `signature` over `signing_input` with the public `key` under `alg`. The key must
// suit the algorithm: RSA of at least 2048 bits for RS*/PS*, P-256 for ES256 and "EC",
// P-384 for ES384. Reasons (all InvalidArgument; callers answering 401 or 403 re-code):
// JWS_UNSUPPORTED_ALG (kNone), JWS_KEY_UNSUITABLE, JWS_SIGNATURE_INVALID.
Status VerifyJwsSignature(JwsAlg alg, EVP_PKEY* key, std::string_view signing_input,
                          ByteSpan signature);

// The signature bytes of `signing_input` under `alg` with a private key (r ‖ s for ES*).
StatusOr<Bytes> SignJwsInput(JwsAlg alg, EVP_PKEY* private_key, std::string_view signing_input);

// base64url(header_json) "." base64url(payload) "." base64url(signature). `header_json` is
// used byte for byte (callers choose member order) and must name `alg`; `payload` may be
// empty. For kNone the signature is empty.
StatusOr<std::string> SignCompactJws(JwsAlg alg, EVP_PKEY* private_key, std::string_view header_json,
                                     std::string_view payload);

// {"alg":"none"} "." base64url(payload) "." (RFC 7519 §6.1).
std::string UnsecuredCompactJws(std::string_view payload);

}  // namespace attest::crypto
