#include "service/bearer_authenticator.h"

#include <openssl/evp.h>

#include <nlohmann/json.hpp>
#include <optional>

#include "base/reasons.h"
#include "crypto/jwk.h"
#include "crypto/jws.h"

namespace attest::service {
namespace {

constexpr size_t kMaxBearerSize = 16 * 1024;
constexpr size_t kMaxJwksKeys = 64;

Status ConfigError(std::string message) {
  return Status::InvalidArgument(reason::kAuthConfigInvalid, "bearer JWKS: " + std::move(message));
}
Status Invalid(std::string message) {
  return Status::Unauthenticated(reason::kBearerInvalid,
                                 "bearer token rejected: " + std::move(message));
}

// RFC 7519 §2 NumericDate: a JSON number. A string or any other type is a malformed
// token, never a missing claim (issue 8 finding 10).
StatusOr<std::optional<double>> NumericDate(const nlohmann::json& claims, const char* name) {
  auto it = claims.find(name);
  if (it == claims.end()) return std::optional<double>();
  if (!it->is_number()) {
    return Err(Invalid(std::string("\"") + name + "\" is not a NumericDate (a JSON number)"));
  }
  return std::optional<double>(it->get<double>());
}

bool HasRole(const nlohmann::json& roles, const std::string& role) {
  if (role.empty()) return false;
  if (roles.is_array()) {
    for (const auto& r : roles) {
      if (r.is_string() && r.get<std::string>() == role) return true;
    }
    return false;
  }
  if (roles.is_string()) {
    std::string_view s = roles.get_ref<const std::string&>();
    while (!s.empty()) {
      size_t sp = s.find(' ');
      if (s.substr(0, sp) == role) return true;
      if (sp == std::string_view::npos) break;
      s.remove_prefix(sp + 1);
    }
  }
  return false;
}

}  // namespace

StatusOr<BearerAuthenticator> BearerAuthenticator::Create(BearerAuthOptions options,
                                                          std::string_view jwks_json,
                                                          const Clock& clock) {
  if (options.issuer.empty()) return Err(ConfigError("an issuer must be configured"));
  nlohmann::json jwks = nlohmann::json::parse(jwks_json, nullptr, false);
  if (!jwks.is_object() || !jwks.contains("keys") || !jwks["keys"].is_array()) {
    return Err(ConfigError("not a JWK Set ({\"keys\":[...]})"));
  }
  if (jwks["keys"].size() > kMaxJwksKeys) return Err(ConfigError("too many keys"));
  std::vector<Key> keys;
  for (const nlohmann::json& jwk : jwks["keys"]) {
    if (!jwk.is_object()) return Err(ConfigError("a key is not an object"));
    Key key;
    for (const char* member : {"kid", "alg"}) {
      auto it = jwk.find(member);
      if (it != jwk.end() && !it->is_string()) {
        return Err(ConfigError(std::string("a key's \"") + member + "\" is not a string"));
      }
    }
    key.kid = jwk.value("kid", "");
    key.alg = jwk.value("alg", "");
    auto pkey = crypto::PublicKeyFromJwk(jwk, reason::kAuthConfigInvalid);
    if (!pkey.has_value()) return Err(ConfigError(pkey.error().message()));
    key.pkey = std::shared_ptr<EVP_PKEY>(pkey->release(), EVP_PKEY_free);
    keys.push_back(std::move(key));
  }
  if (keys.empty()) return Err(ConfigError("the JWK Set has no keys"));
  return BearerAuthenticator(std::move(options), std::move(keys), clock);
}

StatusOr<Caller> BearerAuthenticator::Authenticate(std::string_view authorization) const {
  constexpr std::string_view kScheme = "Bearer ";
  if (authorization.empty()) {
    return Err(Status::Unauthenticated(reason::kBearerMissing,
                                       "this operation requires Authorization: Bearer <token>"));
  }
  if (authorization.size() < kScheme.size() ||
      !(authorization.substr(0, 7) == kScheme || authorization.substr(0, 7) == "bearer ")) {
    return Err(Status::Unauthenticated(reason::kBearerMissing,
                                       "the Authorization header is not a Bearer token"));
  }
  std::string_view token = authorization.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  auto parsed = crypto::ParseCompactJws(token, {.max_size = kMaxBearerSize});
  if (!parsed.has_value()) return Err(Invalid(parsed.error().message()));
  if (parsed->signature.empty()) return Err(Invalid("the signature is missing"));
  // alg "none" is never a credential; neither is a policy-document alias such as "EC".
  const std::optional<crypto::JwsAlg> alg = crypto::JwsAlgFromName(parsed->alg);
  if (!alg.has_value() || *alg == crypto::JwsAlg::kNone) {
    return Err(Invalid("alg must be one of RS256, RS384, PS256, ES256, ES384"));
  }
  bool verified = false;
  for (const Key& key : keys_) {
    if (!parsed->kid.empty() && key.kid != parsed->kid) continue;
    // RFC 7517 §4.4: a key that names its algorithm is used with that algorithm only.
    if (!key.alg.empty() && key.alg != parsed->alg) continue;
    if (crypto::VerifyJwsSignature(*alg, key.pkey.get(), parsed->signing_input, parsed->signature)
            .ok()) {
      verified = true;
      break;
    }
  }
  if (!verified) return Err(Invalid("the signature does not verify with a configured key"));

  const nlohmann::json& claims = parsed->payload;
  if (!claims.contains("iss") || !claims["iss"].is_string() || claims["iss"] != options_.issuer) {
    return Err(Invalid("wrong issuer"));
  }
  if (!options_.audience.empty()) {
    const nlohmann::json aud = claims.value("aud", nlohmann::json());
    bool match = aud.is_string() && aud == options_.audience;
    if (aud.is_array()) {
      for (const auto& a : aud) match = match || (a.is_string() && a == options_.audience);
    }
    if (!match) return Err(Invalid("wrong audience"));
  }
  const double now = static_cast<double>(clock_->Now());
  const double skew = static_cast<double>(options_.clock_skew_seconds);
  ATTEST_ASSIGN_OR_RETURN(std::optional<double> exp, NumericDate(claims, "exp"));
  ATTEST_ASSIGN_OR_RETURN(std::optional<double> nbf, NumericDate(claims, "nbf"));
  if (!exp.has_value()) return Err(Invalid("no exp"));
  if (*exp + skew < now) {
    return Err(Status::Unauthenticated(reason::kBearerExpired, "the bearer token has expired"));
  }
  if (nbf.has_value() && *nbf > now + skew) {
    return Err(
        Status::Unauthenticated(reason::kBearerNotYetValid, "the bearer token is not yet valid"));
  }
  Caller caller;
  for (const char* name : {"sub", "oid", "appid"}) {
    if (claims.contains(name) && claims[name].is_string()) {
      caller.identity = std::string(name) + ":" + claims[name].get<std::string>().substr(0, 256);
      break;
    }
  }
  const nlohmann::json roles = claims.value(options_.roles_claim, nlohmann::json());
  caller.can_write = HasRole(roles, options_.writer_role);
  caller.can_read = caller.can_write || HasRole(roles, options_.reader_role);
  caller.can_attest_tpm =
      options_.tpm_attest_role.empty() || HasRole(roles, options_.tpm_attest_role);
  return caller;
}

}  // namespace attest::service
