#include "service/bearer_authenticator.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <nlohmann/json.hpp>

#include "base/encoding.h"
#include "crypto/ecdsa.h"
#include "crypto/x509.h"

namespace attest::service {
namespace {

constexpr size_t kMaxBearerSize = 16 * 1024;
constexpr size_t kMaxJwksKeys = 64;

Status ConfigError(std::string message) {
  return Status::InvalidArgument("AUTH_CONFIG_INVALID", "bearer JWKS: " + std::move(message));
}
Status Invalid(std::string message) {
  return Status::Unauthenticated("BEARER_INVALID", "bearer token rejected: " + std::move(message));
}

StatusOr<std::shared_ptr<EVP_PKEY>> RsaFromJwk(const nlohmann::json& jwk) {
  auto n = Base64UrlDecode(jwk.value("n", ""));
  auto e = Base64UrlDecode(jwk.value("e", ""));
  if (!n.has_value() || !e.has_value() || n->empty() || e->empty()) {
    return Err(ConfigError("an RSA key needs base64url n and e"));
  }
  std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> bld(OSSL_PARAM_BLD_new(),
                                                                      OSSL_PARAM_BLD_free);
  std::unique_ptr<BIGNUM, decltype(&BN_free)> bn_n(
      BN_bin2bn(n->data(), static_cast<int>(n->size()), nullptr), BN_free);
  std::unique_ptr<BIGNUM, decltype(&BN_free)> bn_e(
      BN_bin2bn(e->data(), static_cast<int>(e->size()), nullptr), BN_free);
  if (!bld || !bn_n || !bn_e || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    return Err(ConfigError("cannot build an RSA key"));
  }
  std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)> params(OSSL_PARAM_BLD_to_param(bld.get()),
                                                                 OSSL_PARAM_free);
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr), EVP_PKEY_CTX_free);
  EVP_PKEY* pkey = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return Err(ConfigError("cannot build an RSA key"));
  }
  return std::shared_ptr<EVP_PKEY>(pkey, EVP_PKEY_free);
}

StatusOr<std::shared_ptr<EVP_PKEY>> KeyFromJwk(const nlohmann::json& jwk, bool& ec) {
  const std::string kty = jwk.value("kty", "");
  auto x5c = jwk.find("x5c");
  if (x5c != jwk.end() && x5c->is_array() && !x5c->empty() && (*x5c)[0].is_string()) {
    auto der = Base64Decode((*x5c)[0].get<std::string>());
    if (!der.has_value()) return Err(ConfigError("x5c is not base64"));
    auto cert = crypto::Certificate::FromDer(*der);
    if (!cert.has_value()) return Err(ConfigError("x5c is not a certificate"));
    EVP_PKEY* key = cert->public_key();
    if (EVP_PKEY_up_ref(key) != 1) return Err(ConfigError("cannot reference a key"));
    ec = EVP_PKEY_base_id(key) == EVP_PKEY_EC;
    return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
  }
  if (kty == "RSA") {
    ec = false;
    return RsaFromJwk(jwk);
  }
  if (kty == "EC" && jwk.value("crv", "") == "P-256") {
    auto x = Base64UrlDecode(jwk.value("x", ""));
    auto y = Base64UrlDecode(jwk.value("y", ""));
    if (!x.has_value() || !y.has_value() || x->size() != 32 || y->size() != 32) {
      return Err(ConfigError("an EC key needs 32-byte x and y"));
    }
    Bytes xy = *x;
    xy.insert(xy.end(), y->begin(), y->end());
    auto key = crypto::EcP256KeyFromRaw(xy, "AUTH_CONFIG_INVALID");
    if (!key.has_value()) return Err(ConfigError("EC point not on P-256"));
    ec = true;
    return std::shared_ptr<EVP_PKEY>(key->release(), EVP_PKEY_free);
  }
  return Err(ConfigError("unsupported key type '" + kty.substr(0, 16) + "'"));
}

bool VerifySignature(EVP_PKEY* key, bool ec, std::string_view input, const Bytes& sig) {
  if (ec) return crypto::VerifyEcdsaP256Sha256Raw(key, AsBytes(input), sig);
  crypto::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), sig.data(), sig.size(),
                          reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
}

StatusOr<nlohmann::json> DecodeSegment(std::string_view segment) {
  auto bytes = Base64UrlDecode(segment);
  if (!bytes.has_value()) return Err(Invalid("a segment is not base64url"));
  nlohmann::json v = nlohmann::json::parse(bytes->begin(), bytes->end(), nullptr, false);
  if (!v.is_object()) return Err(Invalid("a segment is not a JSON object"));
  return v;
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
    auto kid = jwk.find("kid");
    if (kid != jwk.end() && kid->is_string()) key.kid = kid->get<std::string>();
    ATTEST_ASSIGN_OR_RETURN(key.pkey, KeyFromJwk(jwk, key.ec));
    keys.push_back(std::move(key));
  }
  if (keys.empty()) return Err(ConfigError("the JWK Set has no keys"));
  return BearerAuthenticator(std::move(options), std::move(keys), clock);
}

StatusOr<Caller> BearerAuthenticator::Authenticate(std::string_view authorization) const {
  constexpr std::string_view kScheme = "Bearer ";
  if (authorization.empty()) {
    return Err(Status::Unauthenticated("BEARER_MISSING",
                                       "this operation requires Authorization: Bearer <token>"));
  }
  if (authorization.size() < kScheme.size() ||
      !(authorization.substr(0, 7) == kScheme || authorization.substr(0, 7) == "bearer ")) {
    return Err(Status::Unauthenticated("BEARER_MISSING",
                                       "the Authorization header is not a Bearer token"));
  }
  std::string_view token = authorization.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  if (token.size() > kMaxBearerSize) return Err(Invalid("the token is too large"));
  size_t first = token.find('.');
  size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return Err(Invalid("not a compact JWS"));
  }
  ATTEST_ASSIGN_OR_RETURN(nlohmann::json header, DecodeSegment(token.substr(0, first)));
  ATTEST_ASSIGN_OR_RETURN(nlohmann::json claims,
                          DecodeSegment(token.substr(first + 1, second - first - 1)));
  auto sig = Base64UrlDecode(token.substr(second + 1));
  if (!sig.has_value() || sig->empty()) return Err(Invalid("the signature is missing"));
  const std::string alg = header.value("alg", "");
  if (alg != "RS256" && alg != "ES256") return Err(Invalid("alg must be RS256 or ES256"));
  const bool want_ec = alg == "ES256";
  const std::string kid = header.contains("kid") && header["kid"].is_string()
                              ? header["kid"].get<std::string>()
                              : std::string();
  const std::string_view input = token.substr(0, second);
  bool verified = false;
  for (const Key& key : keys_) {
    if (key.ec != want_ec || (!kid.empty() && key.kid != kid)) continue;
    if (VerifySignature(key.pkey.get(), key.ec, input, *sig)) {
      verified = true;
      break;
    }
  }
  if (!verified) return Err(Invalid("the signature does not verify with a configured key"));

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
  const int64_t now = clock_->Now();
  if (!claims.contains("exp") || !claims["exp"].is_number()) return Err(Invalid("no exp"));
  if (claims["exp"].get<double>() + static_cast<double>(options_.clock_skew_seconds) <
      static_cast<double>(now)) {
    return Err(Status::Unauthenticated("BEARER_EXPIRED", "the bearer token has expired"));
  }
  if (claims.contains("nbf") && claims["nbf"].is_number() &&
      claims["nbf"].get<double>() > static_cast<double>(now + options_.clock_skew_seconds)) {
    return Err(Status::Unauthenticated("BEARER_NOT_YET_VALID", "the bearer token is not yet valid"));
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
  return caller;
}

}  // namespace attest::service
