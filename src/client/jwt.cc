#include "client/jwt.h"

#include <openssl/err.h>
#include <openssl/rsa.h>

#include <algorithm>

#include "base/encoding.h"
#include "crypto/openssl_ptr.h"

namespace attest::client {
namespace {

constexpr int kMinRsaBits = 2048;

Status Malformed(std::string message) {
  return Status::InvalidArgument("TOKEN_MALFORMED", std::move(message));
}

bool IsBase64UrlChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

StatusOr<Bytes> DecodeSegment(std::string_view segment, const char* what) {
  // Canonical form only: no padding, no standard-alphabet characters, no whitespace.
  if (!std::ranges::all_of(segment, IsBase64UrlChar)) {
    return Err(Malformed(std::string(what) + " is not unpadded base64url"));
  }
  auto decoded = Base64UrlDecode(segment);
  if (!decoded.has_value()) {
    return Err(Malformed(std::string(what) + " is not valid base64url"));
  }
  return std::move(decoded).value();
}

StatusOr<nlohmann::json> DecodeJsonObject(std::string_view segment, const char* what) {
  ATTEST_ASSIGN_OR_RETURN(Bytes bytes, DecodeSegment(segment, what));
  nlohmann::json doc = nlohmann::json::parse(AsChars(bytes), nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) {
    return Err(Malformed(std::string(what) + " is not a JSON object"));
  }
  return doc;
}

std::string StringMember(const nlohmann::json& obj, const char* name) {
  auto it = obj.find(name);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string Jwt::alg() const { return StringMember(header, "alg"); }
std::string Jwt::kid() const { return StringMember(header, "kid"); }

StatusOr<Jwt> ParseJwt(std::string_view token) {
  if (token.empty()) {
    return Err(Malformed("token is empty"));
  }
  if (token.size() > kMaxJwtSize) {
    return Err(Malformed("token exceeds " + std::to_string(kMaxJwtSize) + " bytes"));
  }
  size_t first = token.find('.');
  size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return Err(Malformed("a compact JWS has exactly three '.'-separated segments"));
  }
  Jwt jwt;
  ATTEST_ASSIGN_OR_RETURN(jwt.header, DecodeJsonObject(token.substr(0, first), "JWT header"));
  ATTEST_ASSIGN_OR_RETURN(jwt.claims, DecodeJsonObject(token.substr(first + 1, second - first - 1),
                                                       "JWT payload"));
  ATTEST_ASSIGN_OR_RETURN(jwt.signature, DecodeSegment(token.substr(second + 1), "JWT signature"));
  jwt.signing_input = std::string(token.substr(0, second));
  if (jwt.alg().empty()) {
    return Err(Malformed("JWT header has no \"alg\""));
  }
  return jwt;
}

Status VerifyRs256(const Jwt& jwt, EVP_PKEY* public_key) {
  if (public_key == nullptr || EVP_PKEY_base_id(public_key) != EVP_PKEY_RSA) {
    return Status::InvalidArgument("TOKEN_KEY_UNSUITABLE", "RS256 needs an RSA signing key");
  }
  if (EVP_PKEY_get_bits(public_key) < kMinRsaBits) {
    return Status::InvalidArgument("TOKEN_KEY_UNSUITABLE",
                                   "RSA signing key is shorter than 2048 bits");
  }
  // RFC 7518 §3.3: the signature is exactly the modulus length.
  if (jwt.signature.size() != static_cast<size_t>(EVP_PKEY_get_size(public_key))) {
    return Status::Unauthenticated("TOKEN_SIGNATURE_INVALID",
                                   "signature length does not match the RSA key");
  }
  crypto::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, EVP_sha256(), nullptr, public_key) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
    return Status::Internal("cannot initialise RS256 verification");
  }
  ByteSpan input = AsBytes(jwt.signing_input);
  int rc = EVP_DigestVerify(ctx.get(), jwt.signature.data(), jwt.signature.size(), input.data(),
                            input.size());
  ERR_clear_error();  // a failed verify leaves entries we have already turned into a Status
  if (rc != 1) {
    return Status::Unauthenticated("TOKEN_SIGNATURE_INVALID",
                                   "RS256 signature does not verify with the signer's key");
  }
  return Status::Ok();
}

}  // namespace attest::client
