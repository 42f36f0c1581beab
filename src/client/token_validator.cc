#include "client/token_validator.h"

#include <cmath>
#include <optional>

#include "base/reasons.h"
#include "client/jwt.h"

namespace attest::client {
namespace {

Status Rejected(std::string reason, std::string message) {
  return Status::Unauthenticated(std::move(reason), std::move(message));
}

// NumericDate (RFC 7519 §2): a JSON number of seconds; fractions are truncated.
StatusOr<std::optional<int64_t>> NumericDate(const nlohmann::json& claims, const char* name) {
  auto it = claims.find(name);
  if (it == claims.end()) {
    return std::optional<int64_t>();
  }
  if (it->is_number_integer()) {
    return std::optional<int64_t>(it->get<int64_t>());
  }
  if (it->is_number_float() && std::isfinite(it->get<double>()) &&
      std::fabs(it->get<double>()) < 1e15) {
    return std::optional<int64_t>(static_cast<int64_t>(it->get<double>()));
  }
  return Err(Status::InvalidArgument(reason::kTokenMalformed,
                                     std::string("claim \"") + name + "\" is not a NumericDate"));
}

}  // namespace

StatusOr<nlohmann::json> ValidateAttestationToken(std::string_view token,
                                                  const std::vector<AttestationSigner>& signers,
                                                  const TokenValidationOptions& options) {
  ATTEST_ASSIGN_OR_RETURN(Jwt jwt, ParseJwt(token));

  // 1. Signature. Unsigned (draft-policy) tokens are never accepted as verified.
  if (jwt.alg() != "RS256") {
    return Err(Rejected(reason::kTokenAlgorithmUnsupported,
                        "token alg \"" + jwt.alg() + "\" is not RS256"));
  }
  std::string kid = jwt.kid();
  if (kid.empty()) {
    return Err(Rejected(reason::kTokenSignerNotFound, "token header has no \"kid\""));
  }
  const AttestationSigner* signer = FindSigner(signers, kid);
  if (signer == nullptr || signer->certificates.empty()) {
    return Err(Rejected(reason::kTokenSignerNotFound,
                        "no signing certificate with kid \"" + kid + "\" at /certs"));
  }
  ATTEST_RETURN_IF_ERROR(VerifyRs256(jwt, signer->certificates.front().public_key()));

  // 2. Lifetime (RFC 7519 §4.1.4, §4.1.5), with a small allowance for clock skew.
  UnixTime now = options.clock->Now();
  ATTEST_ASSIGN_OR_RETURN(std::optional<int64_t> exp, NumericDate(jwt.claims, "exp"));
  ATTEST_ASSIGN_OR_RETURN(std::optional<int64_t> nbf, NumericDate(jwt.claims, "nbf"));
  if (!exp.has_value() && options.require_expiration) {
    return Err(Rejected(reason::kTokenNoExpiration, "token has no \"exp\" claim"));
  }
  if (exp.has_value() && now > *exp + options.clock_skew_seconds) {
    return Err(Rejected(reason::kTokenExpired, "token expired at " + FormatRfc3339(*exp)));
  }
  if (nbf.has_value() && *nbf > now + options.clock_skew_seconds) {
    return Err(
        Rejected(reason::kTokenNotYetValid, "token is not valid before " + FormatRfc3339(*nbf)));
  }

  // 3. Issuer: exact string comparison, as the SDKs do.
  if (!options.expected_issuer.empty()) {
    auto iss = jwt.claims.find("iss");
    if (iss == jwt.claims.end() || !iss->is_string()) {
      return Err(Rejected(reason::kTokenIssuerMismatch, "token has no string \"iss\" claim"));
    }
    if (iss->get<std::string>() != options.expected_issuer) {
      return Err(Rejected(reason::kTokenIssuerMismatch,
                          "token issuer \"" + iss->get<std::string>() + "\" is not \"" +
                              options.expected_issuer + "\""));
    }
  }
  return std::move(jwt.claims);
}

}  // namespace attest::client
