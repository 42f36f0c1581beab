#include "token/token_issuer.h"

#include <openssl/rand.h>

#include "base/encoding.h"
#include "base/reasons.h"
#include "token/jws.h"

namespace attest::token {
namespace {

StatusOr<std::string> WithinTokenCap(StatusOr<std::string> token) {
  if (token.has_value() && token->size() > kMaxAttestationTokenBytes) {
    return Err(Status::InvalidArgument(reason::kTokenTooLarge,
                                       "the token would be " + std::to_string(token->size()) +
                                           " bytes; the limit is " +
                                           std::to_string(kMaxAttestationTokenBytes)));
  }
  return token;
}

}  // namespace

nlohmann::json TokenIssuer::Header(const SigningKey& key) const {
  return {{"alg", "RS256"}, {"jku", base_url_ + "/certs"}, {"kid", key.kid()}, {"typ", "JWT"}};
}

StatusOr<const SigningKey*> TokenIssuer::KeyForToken(
    std::shared_ptr<const SigningKey>& hold) const {
  if (key_ != nullptr) return key_;
  hold = ring_->SigningKeyNow();
  if (!hold) {
    return Err(Status::Unavailable("SIGNING_KEY_UNAVAILABLE", "no token-signing key is loaded"));
  }
  return hold.get();
}

Status TokenIssuer::AddRegisteredClaims(nlohmann::json& claims, int64_t lifetime,
                                        bool with_jti) const {
  if (!claims.is_object()) return Status::Internal("token claims must be a JSON object");
  const UnixTime now = clock_.Now();
  claims["iss"] = base_url_;
  claims["iat"] = now;
  claims["nbf"] = now;
  claims["exp"] = now + lifetime;
  if (with_jti) {
    uint8_t jti[32];
    if (RAND_bytes(jti, sizeof jti) != 1) return Status::Internal("RAND_bytes failed");
    claims["jti"] = HexEncode(jti);
  }
  return Status::Ok();
}

StatusOr<std::string> TokenIssuer::IssueAttestationToken(nlohmann::json claims,
                                                         int64_t lifetime_seconds) const {
  ATTEST_RETURN_IF_ERROR(AddRegisteredClaims(claims, lifetime_seconds, true));
  std::shared_ptr<const SigningKey> hold;
  ATTEST_ASSIGN_OR_RETURN(const SigningKey* key, KeyForToken(hold));
  return WithinTokenCap(SignCompactJws(Header(*key), claims, *key));
}

StatusOr<std::string> TokenIssuer::IssueManagementToken(nlohmann::json claims) const {
  ATTEST_RETURN_IF_ERROR(AddRegisteredClaims(claims, kManagementTokenLifetime, false));
  std::shared_ptr<const SigningKey> hold;
  ATTEST_ASSIGN_OR_RETURN(const SigningKey* key, KeyForToken(hold));
  return SignCompactJws(Header(*key), claims, *key);
}

StatusOr<std::string> TokenIssuer::IssueUnsecuredToken(nlohmann::json claims,
                                                       int64_t lifetime_seconds) const {
  ATTEST_RETURN_IF_ERROR(AddRegisteredClaims(claims, lifetime_seconds, true));
  return WithinTokenCap(UnsecuredCompactJws(claims));
}

}  // namespace attest::token
