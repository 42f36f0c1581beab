#include "service/management_jws.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "base/encoding.h"
#include "crypto/ecdsa.h"
#include "crypto/openssl_ptr.h"

namespace attest::service {
namespace {

constexpr size_t kMaxManagementJwsSize = 1024 * 1024;

Status Malformed(std::string message) {
  return Status::InvalidArgument("JWS_MALFORMED", std::move(message));
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' ||
                        s.front() == '\n')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' ||
                        s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

StatusOr<nlohmann::json> DecodeObject(std::string_view segment, std::string_view what) {
  auto bytes = Base64UrlDecode(segment);
  if (!bytes.has_value()) return Err(Malformed(std::string(what) + " is not base64url"));
  nlohmann::json value = nlohmann::json::parse(bytes->begin(), bytes->end(), nullptr,
                                               /*allow_exceptions=*/false);
  if (!value.is_object()) return Err(Malformed(std::string(what) + " is not a JSON object"));
  return value;
}

// Header x5c, or the legacy jwk.x5c of the Python beta client (maa-tokens.md §6.1).
const nlohmann::json* FindX5c(const nlohmann::json& header) {
  auto it = header.find("x5c");
  if (it != header.end()) return &*it;
  auto jwk = header.find("jwk");
  if (jwk != header.end() && jwk->is_object()) {
    auto inner = jwk->find("x5c");
    if (inner != jwk->end()) return &*inner;
  }
  return nullptr;
}

StatusOr<std::vector<crypto::Certificate>> ParseX5c(const nlohmann::json& x5c) {
  if (!x5c.is_array() || x5c.empty()) {
    return Err(Malformed("the JWS header x5c must be a non-empty array of certificates"));
  }
  if (x5c.size() > kMaxX5cCertificates) {
    return Err(Malformed("the JWS header x5c holds more than " +
                         std::to_string(kMaxX5cCertificates) + " certificates"));
  }
  std::vector<crypto::Certificate> out;
  for (const nlohmann::json& entry : x5c) {
    if (!entry.is_string()) return Err(Malformed("an x5c entry is not a string"));
    // RFC 7515 §4.1.6: standard base64; be lenient about the url-safe alphabet.
    auto der = Base64Decode(entry.get<std::string>());
    if (!der.has_value()) der = Base64UrlDecode(entry.get<std::string>());
    if (!der.has_value()) return Err(Malformed("an x5c entry is not base64"));
    auto cert = crypto::Certificate::FromDer(*der);
    if (!cert.has_value()) return Err(Malformed("an x5c entry is not an X.509 certificate"));
    out.push_back(std::move(*cert));
  }
  return out;
}

bool VerifyRs256(EVP_PKEY* key, std::string_view input, const Bytes& sig) {
  if (key == nullptr || EVP_PKEY_base_id(key) != EVP_PKEY_RSA) return false;
  crypto::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), sig.data(), sig.size(),
                          reinterpret_cast<const unsigned char*>(input.data()),
                          input.size()) == 1;
}

}  // namespace

StatusOr<ManagementJws> ParseManagementJws(std::string_view text) {
  text = Trim(text);
  if (text.size() > kMaxManagementJwsSize) return Err(Malformed("the JWS is too large"));
  size_t first = text.find('.');
  if (first == std::string_view::npos) {
    return Err(Malformed("Malformed JWT: could not find the first period in the token"));
  }
  size_t second = text.find('.', first + 1);
  if (second == std::string_view::npos) {
    return Err(Malformed("Malformed JWT: could not find the second period in the token"));
  }
  if (text.find('.', second + 1) != std::string_view::npos) {
    return Err(Malformed("Malformed JWT: more than three segments"));
  }
  ManagementJws out;
  out.compact = std::string(text);
  ATTEST_ASSIGN_OR_RETURN(out.header, DecodeObject(text.substr(0, first), "the JWS header"));
  std::string_view payload = text.substr(first + 1, second - first - 1);
  if (!payload.empty()) {
    ATTEST_ASSIGN_OR_RETURN(nlohmann::json p, DecodeObject(payload, "the JWS payload"));
    out.payload = std::move(p);
  }
  auto sig = Base64UrlDecode(text.substr(second + 1));
  if (!sig.has_value()) return Err(Malformed("the JWS signature is not base64url"));

  auto alg_it = out.header.find("alg");
  if (alg_it == out.header.end() || !alg_it->is_string()) {
    return Err(Malformed("the JWS header has no alg"));
  }
  const std::string alg = alg_it->get<std::string>();
  if (alg == "none") {
    if (!sig->empty()) return Err(Malformed("an unsecured (alg none) JWS must have no signature"));
    return out;
  }
  if (alg != "RS256" && alg != "RSA256" && alg != "ES256") {
    return Err(Status::InvalidArgument("JWS_UNSUPPORTED_ALG",
                                       "JWS alg '" + alg.substr(0, 32) +
                                           "' is not supported; use RS256 or ES256"));
  }
  const nlohmann::json* x5c = FindX5c(out.header);
  if (x5c == nullptr) return Err(Malformed("a signed JWS must carry its signer certificate in x5c"));
  ATTEST_ASSIGN_OR_RETURN(out.x5c, ParseX5c(*x5c));
  std::string_view input = text.substr(0, second);
  EVP_PKEY* key = out.x5c.front().public_key();
  bool valid = alg == "ES256" ? crypto::VerifyEcdsaP256Sha256Raw(key, AsBytes(input), *sig)
                              : VerifyRs256(key, input, *sig);
  if (!valid) {
    return Err(Status::PermissionDenied(
        "JWS_SIGNATURE_INVALID",
        "the JWS signature does not verify with the certificate in its header"));
  }
  out.is_signed = true;
  return out;
}

Status CheckSignerTrusted(const ManagementJws& jws,
                          const std::vector<crypto::Certificate>& trusted) {
  const Status untrusted = Status::PermissionDenied(
      "SIGNER_NOT_TRUSTED",
      "the document is not signed by a registered policy-management certificate");
  if (!jws.is_signed || jws.x5c.empty()) return untrusted;
  for (size_t i = 0; i < jws.x5c.size(); ++i) {
    const crypto::Certificate& cert = jws.x5c[i];
    for (const crypto::Certificate& anchor : trusted) {
      if (cert.der() == anchor.der()) return Status::Ok();
      if (anchor.IsCa() && cert.IssuedBy(anchor) && cert.VerifySignedBy(anchor.public_key())) {
        return Status::Ok();
      }
    }
    // Climb one link: the next x5c entry must have issued this one.
    if (i + 1 >= jws.x5c.size()) break;
    const crypto::Certificate& parent = jws.x5c[i + 1];
    if (!parent.IsCa() || !cert.IssuedBy(parent) || !cert.VerifySignedBy(parent.public_key())) {
      break;
    }
  }
  return untrusted;
}

nlohmann::json SignerJwk(const crypto::Certificate& cert) {
  const bool ec = EVP_PKEY_base_id(cert.public_key()) == EVP_PKEY_EC;
  return {{"alg", ec ? "ES256" : "RS256"},
          {"kty", ec ? "EC" : "RSA"},
          {"use", "sig"},
          {"x5c", nlohmann::json::array({Base64Encode(cert.der())})}};
}

std::string CertificateThumbprint(const crypto::Certificate& cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(cert.der().data(), cert.der().size(), md, &len, EVP_sha1(), nullptr) != 1) {
    return {};
  }
  return HexEncodeUpper(ByteSpan(md, len));
}

}  // namespace attest::service
