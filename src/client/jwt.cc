#include "client/jwt.h"

#include "base/reasons.h"
#include "crypto/jws.h"

namespace attest::client {
namespace {

std::string StringMember(const nlohmann::json& obj, const char* name) {
  auto it = obj.find(name);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string Jwt::alg() const { return StringMember(header, "alg"); }
std::string Jwt::kid() const { return StringMember(header, "kid"); }

StatusOr<Jwt> ParseJwt(std::string_view token) {
  auto parsed = crypto::ParseCompactJws(
      token, {.max_size = kMaxJwtSize, .allow_empty_payload = false, .canonical_base64url = true});
  if (!parsed.has_value()) {
    return Err(Status::InvalidArgument(reason::kTokenMalformed, parsed.error().message()));
  }
  Jwt jwt;
  jwt.header = std::move(parsed->header);
  jwt.claims = std::move(parsed->payload);
  jwt.signing_input = std::move(parsed->signing_input);
  jwt.signature = std::move(parsed->signature);
  return jwt;
}

Status VerifyRs256(const Jwt& jwt, EVP_PKEY* public_key) {
  Status status = crypto::VerifyJwsSignature(crypto::JwsAlg::kRs256, public_key, jwt.signing_input,
                                             jwt.signature);
  if (status.ok() || status.code() == StatusCode::kInternal) return status;
  if (status.reason() == reason::kJwsKeyUnsuitable) {
    return Status::InvalidArgument(reason::kTokenKeyUnsuitable, status.message());
  }
  return Status::Unauthenticated(reason::kTokenSignatureInvalid,
                                 "RS256 signature does not verify with the signer's key");
}

}  // namespace attest::client
