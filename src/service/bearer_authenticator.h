// BearerAuthenticator: validates the `Authorization: Bearer <JWT>` of management calls in the
// AAD-style authorisation model (spec/maa-service-behaviour.md §1.1, "pluggable validation
// (a) OIDC/JWT with configured issuer/audience/JWKS").
//
// A token is accepted when: it is a compact JWS (crypto/jws.h) with alg RS256, RS384, PS256,
// ES256 or ES384 whose `kid` names a key of the configured JWKS (or, without kid, any key
// verifies it; a key with an "alg" only verifies that algorithm); `iss` equals the
// configured issuer; `aud` (string or array) contains the configured audience when one is
// configured; `exp` is present and not past, `nbf` not in the future (both with a small
// skew; both must be JSON numbers when present). Roles come from a configurable claim (default "roles", an array of strings or a
// space-separated string): the writer role grants read and write, the reader role read.
//
// Immutable after Create; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "crypto/openssl_ptr.h"

namespace attest::service {

struct BearerAuthOptions {
  std::string issuer;    // required: exact `iss`
  std::string audience;  // "" = `aud` not checked
  std::string roles_claim = "roles";
  std::string reader_role = "AttestationPolicy.Read";
  std::string writer_role = "AttestationPolicy.Write";
  // Role a caller of /attest/Tpm needs; "" = any authenticated caller (MAA's behaviour).
  std::string tpm_attest_role;
  int64_t clock_skew_seconds = 60;
};

// Who is calling and what they may do.
struct Caller {
  std::string identity;  // `sub` (or `oid`, `appid`) of the token
  bool can_read = false;
  bool can_write = false;
  bool can_attest_tpm = false;  // BearerAuthOptions::tpm_attest_role
};

class BearerAuthenticator {
 public:
  // `jwks_json`: an RFC 7517 JWK Set (crypto/jwk.h): RSA keys by n/e or x5c, EC P-256 and
  // P-384 keys by x/y; "kid" and "alg" must be strings when present.
  // Reason on failure: AUTH_CONFIG_INVALID.
  static StatusOr<BearerAuthenticator> Create(BearerAuthOptions options,
                                              std::string_view jwks_json, const Clock& clock);

  // `authorization` is the raw header value ("" when absent). Errors are kUnauthenticated:
  // BEARER_MISSING, BEARER_INVALID (malformed, unknown key, bad signature, wrong issuer or
  // audience), BEARER_EXPIRED, BEARER_NOT_YET_VALID.
  StatusOr<Caller> Authenticate(std::string_view authorization) const;

 private:
  struct Key {
    std::string kid;
    std::string alg;  // the JWK's "alg", "" = any algorithm its key type fits
    std::shared_ptr<EVP_PKEY> pkey;
  };
  BearerAuthenticator(BearerAuthOptions options, std::vector<Key> keys, const Clock& clock)
      : options_(std::move(options)), keys_(std::move(keys)), clock_(&clock) {}

  BearerAuthOptions options_;
  std::vector<Key> keys_;
  const Clock* clock_;
};

}  // namespace attest::service
