#include "token/jws.h"

#include <openssl/evp.h>

#include "base/encoding.h"

namespace attest::token {
namespace {

Status Malformed(std::string message) {
  return Status::InvalidArgument("JWS_MALFORMED", std::move(message));
}

StatusOr<nlohmann::json> DecodeJsonSegment(std::string_view segment, std::string_view what) {
  auto bytes = Base64UrlDecode(segment);
  if (!bytes.has_value()) return Err(Malformed(std::string(what) + " is not base64url"));
  nlohmann::json value = nlohmann::json::parse(bytes->begin(), bytes->end(), nullptr,
                                               /*allow_exceptions=*/false);
  if (!value.is_object()) return Err(Malformed(std::string(what) + " is not a JSON object"));
  return value;
}

// Compact, sorted members; invalid UTF-8 (which parsed input never holds) is replaced
// rather than thrown on.
std::string Dump(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

StatusOr<std::string> SignCompactJws(const nlohmann::json& header, const nlohmann::json& payload,
                                     const SigningKey& key) {
  if (!header.is_object() || header.value("alg", "") != "RS256") {
    return Err(Status::Internal("JWS header must be an object with alg RS256"));
  }
  // RFC 7515 §5.1: signing input = ASCII(BASE64URL(header) || '.' || BASE64URL(payload)).
  std::string out = Base64UrlEncode(AsBytes(Dump(header)));
  out += '.';
  out += Base64UrlEncode(AsBytes(Dump(payload)));
  ATTEST_ASSIGN_OR_RETURN(Bytes sig, key.SignRs256(AsBytes(out)));
  out += '.';
  out += Base64UrlEncode(sig);
  return out;
}

std::string UnsecuredCompactJws(const nlohmann::json& payload) {
  // RFC 7519 §6.1: unsecured JWT, empty signature.
  return Base64UrlEncode(AsBytes(std::string_view(R"({"alg":"none"})"))) + "." +
         Base64UrlEncode(AsBytes(Dump(payload))) + ".";
}

StatusOr<ParsedJws> ParseCompactJws(std::string_view jws) {
  if (jws.size() > kMaxJwsSize) return Err(Malformed("the JWS is too large"));
  size_t first = jws.find('.');
  if (first == std::string_view::npos) return Err(Malformed("could not find the first period"));
  size_t second = jws.find('.', first + 1);
  if (second == std::string_view::npos) return Err(Malformed("could not find the second period"));
  if (jws.find('.', second + 1) != std::string_view::npos) {
    return Err(Malformed("more than three segments"));
  }
  ParsedJws out;
  ATTEST_ASSIGN_OR_RETURN(out.header, DecodeJsonSegment(jws.substr(0, first), "the JWS header"));
  ATTEST_ASSIGN_OR_RETURN(out.payload,
                          DecodeJsonSegment(jws.substr(first + 1, second - first - 1),
                                            "the JWS payload"));
  auto sig = Base64UrlDecode(jws.substr(second + 1));
  if (!sig.has_value()) return Err(Malformed("the JWS signature is not base64url"));
  out.signature = std::move(*sig);
  out.signing_input = std::string(jws.substr(0, second));
  return out;
}

StatusOr<ParsedJws> VerifyCompactJwsRs256(std::string_view jws, EVP_PKEY* key) {
  ATTEST_ASSIGN_OR_RETURN(ParsedJws parsed, ParseCompactJws(jws));
  const nlohmann::json* alg = parsed.header.contains("alg") ? &parsed.header["alg"] : nullptr;
  if (alg == nullptr || !alg->is_string() || *alg != "RS256") {
    return Err(Status::InvalidArgument("JWS_UNSUPPORTED_ALG", "the JWS alg is not RS256"));
  }
  crypto::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || key == nullptr ||
      EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1) {
    return Err(Status::Internal("EVP_DigestVerifyInit failed"));
  }
  const auto* in = reinterpret_cast<const unsigned char*>(parsed.signing_input.data());
  if (EVP_DigestVerify(ctx.get(), parsed.signature.data(), parsed.signature.size(), in,
                       parsed.signing_input.size()) != 1) {
    return Err(Status::InvalidArgument("JWS_SIGNATURE_INVALID", "the JWS signature does not verify"));
  }
  return parsed;
}

}  // namespace attest::token
