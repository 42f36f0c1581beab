#include "token/jws.h"

#include "base/reasons.h"

namespace attest::token {
namespace {

// Compact, sorted members; invalid UTF-8 (which parsed input never holds) is replaced
// rather than thrown on.
std::string Dump(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

StatusOr<std::string> SignCompactJws(const nlohmann::json& header, const nlohmann::json& payload,
                                     const SigningKey& key) {
  return crypto::SignCompactJws(crypto::JwsAlg::kRs256, key.public_key(), Dump(header),
                                Dump(payload));
}

std::string UnsecuredCompactJws(const nlohmann::json& payload) {
  return crypto::UnsecuredCompactJws(Dump(payload));
}

StatusOr<ParsedJws> ParseCompactJws(std::string_view jws) {
  return crypto::ParseCompactJws(jws, {.max_size = kMaxJwsSize});
}

StatusOr<ParsedJws> VerifyCompactJwsRs256(std::string_view jws, EVP_PKEY* key) {
  ATTEST_ASSIGN_OR_RETURN(ParsedJws parsed, ParseCompactJws(jws));
  if (parsed.alg != "RS256") {
    return Err(Status::InvalidArgument(reason::kJwsUnsupportedAlg, "the JWS alg is not RS256"));
  }
  Status verified =
      crypto::VerifyJwsSignature(crypto::JwsAlg::kRs256, key, parsed.signing_input, parsed.signature);
  if (!verified.ok()) return Err(std::move(verified));
  return parsed;
}

}  // namespace attest::token
