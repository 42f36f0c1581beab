#include "crypto/jws.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <algorithm>

#include "base/encoding.h"
#include "base/reasons.h"
#include "crypto/ecdsa.h"

namespace attest::crypto {
namespace {

constexpr int kMinRsaBits = 2048;

Status Malformed(std::string message) {
  return Status::InvalidArgument(reason::kJwsMalformed, std::move(message));
}
Status Unsuitable(std::string message) {
  return Status::InvalidArgument(reason::kJwsKeyUnsuitable, std::move(message));
}
Status BadSignature(std::string_view alg) {
  return Status::InvalidArgument(reason::kJwsSignatureInvalid,
                                 "the " + std::string(alg) + " signature does not verify");
}

bool IsBase64UrlChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

StatusOr<Bytes> DecodeSegment(std::string_view segment, std::string_view what, bool canonical) {
  if (canonical && !std::ranges::all_of(segment, IsBase64UrlChar)) {
    return Err(Malformed(std::string(what) + " is not unpadded base64url"));
  }
  auto bytes = Base64UrlDecode(segment);
  if (!bytes.has_value()) return Err(Malformed(std::string(what) + " is not base64url"));
  return std::move(bytes).value();
}

StatusOr<nlohmann::json> DecodeObject(std::string_view segment, std::string_view what,
                                      bool canonical) {
  ATTEST_ASSIGN_OR_RETURN(Bytes bytes, DecodeSegment(segment, what, canonical));
  nlohmann::json value = nlohmann::json::parse(bytes.begin(), bytes.end(), nullptr,
                                               /*allow_exceptions=*/false);
  if (!value.is_object()) return Err(Malformed(std::string(what) + " is not a JSON object"));
  return value;
}

// The EC group name of `key` ("prime256v1", "secp384r1"), "" for other keys.
std::string EcGroup(EVP_PKEY* key) {
  if (EVP_PKEY_base_id(key) != EVP_PKEY_EC) return "";
  char name[64] = {};
  size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name, &len) !=
      1) {
    return "";
  }
  return std::string(name, len);
}

struct AlgProfile {
  const EVP_MD* md;
  bool rsa;
  bool pss;
  const char* ec_group;  // nullptr for RSA
  size_t ec_component;   // r and s size for the raw JOSE form; 0 = DER signature
};

AlgProfile ProfileOf(JwsAlg alg) {
  switch (alg) {
    case JwsAlg::kRs256:
      return {EVP_sha256(), true, false, nullptr, 0};
    case JwsAlg::kRs384:
      return {EVP_sha384(), true, false, nullptr, 0};
    case JwsAlg::kPs256:
      return {EVP_sha256(), true, true, nullptr, 0};
    case JwsAlg::kEs256:
      return {EVP_sha256(), false, false, "prime256v1", 32};
    case JwsAlg::kEs384:
      return {EVP_sha384(), false, false, "secp384r1", 48};
    case JwsAlg::kAzureSdkEcDer:
      return {EVP_sha256(), false, false, "prime256v1", 0};
    case JwsAlg::kNone:
      break;
  }
  return {nullptr, false, false, nullptr, 0};
}

Status CheckKeySuits(const AlgProfile& profile, JwsAlg alg, EVP_PKEY* key) {
  const std::string name(JwsAlgName(alg));
  if (key == nullptr) return Unsuitable(name + " needs a public key");
  if (profile.rsa) {
    if (EVP_PKEY_base_id(key) != EVP_PKEY_RSA) return Unsuitable(name + " needs an RSA key");
    if (EVP_PKEY_get_bits(key) < kMinRsaBits) {
      return Unsuitable("the RSA key is shorter than 2048 bits");
    }
    return Status::Ok();
  }
  if (EcGroup(key) != profile.ec_group) {
    return Unsuitable(name + (profile.ec_component == 48 ? " needs a P-384 key"
                                                         : " needs a P-256 key"));
  }
  return Status::Ok();
}

// PSS parameters of RFC 7518 §3.5: MGF1 with the message digest, salt = digest length.
bool SetPadding(EVP_PKEY_CTX* pctx, const AlgProfile& profile) {
  if (!profile.rsa) return true;
  if (!profile.pss) return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
  return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, profile.md) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, EVP_MD_get_size(profile.md)) == 1;
}

// DER ECDSA-Sig-Value -> r ‖ s of `component` bytes each (RFC 7518 §3.4).
StatusOr<Bytes> DerToRaw(const Bytes& der, size_t component) {
  const unsigned char* p = der.data();
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) return Err(Status::Internal("cannot decode an ECDSA signature"));
  Bytes out(2 * component);
  const int n = static_cast<int>(component);
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out.data(), n) != n ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out.data() + component, n) != n) {
    return Err(Status::Internal("cannot encode an ECDSA signature"));
  }
  return out;
}

}  // namespace

std::optional<JwsAlg> JwsAlgFromName(std::string_view name, JwsAlgNames names) {
  if (name == "none") return JwsAlg::kNone;
  if (name == "RS256") return JwsAlg::kRs256;
  if (name == "RS384") return JwsAlg::kRs384;
  if (name == "PS256") return JwsAlg::kPs256;
  if (name == "ES256") return JwsAlg::kEs256;
  if (name == "ES384") return JwsAlg::kEs384;
  if (names == JwsAlgNames::kWithAzureSdkAliases) {
    if (name == "RSA256") return JwsAlg::kRs256;
    if (name == "EC") return JwsAlg::kAzureSdkEcDer;
  }
  return std::nullopt;
}

std::string_view JwsAlgName(JwsAlg alg) {
  switch (alg) {
    case JwsAlg::kNone:
      return "none";
    case JwsAlg::kRs256:
      return "RS256";
    case JwsAlg::kRs384:
      return "RS384";
    case JwsAlg::kPs256:
      return "PS256";
    case JwsAlg::kEs256:
      return "ES256";
    case JwsAlg::kEs384:
      return "ES384";
    case JwsAlg::kAzureSdkEcDer:
      return "EC";
  }
  return "";
}

StatusOr<CompactJws> ParseCompactJws(std::string_view text, const JwsParseOptions& options) {
  if (text.empty()) return Err(Malformed("the JWS is empty"));
  if (text.size() > options.max_size) {
    return Err(Malformed("the JWS exceeds " + std::to_string(options.max_size) + " bytes"));
  }
  const size_t first = text.find('.');
  if (first == std::string_view::npos) {
    return Err(Malformed("Malformed JWT: could not find the first period in the token"));
  }
  const size_t second = text.find('.', first + 1);
  if (second == std::string_view::npos) {
    return Err(Malformed("Malformed JWT: could not find the second period in the token"));
  }
  if (text.find('.', second + 1) != std::string_view::npos) {
    return Err(Malformed("Malformed JWT: more than three segments"));
  }
  const bool canonical = options.canonical_base64url;
  CompactJws out;
  ATTEST_ASSIGN_OR_RETURN(out.header,
                          DecodeObject(text.substr(0, first), "the JWS header", canonical));
  const std::string_view payload = text.substr(first + 1, second - first - 1);
  if (!payload.empty() || !options.allow_empty_payload) {
    ATTEST_ASSIGN_OR_RETURN(out.payload, DecodeObject(payload, "the JWS payload", canonical));
  }
  ATTEST_ASSIGN_OR_RETURN(out.signature,
                          DecodeSegment(text.substr(second + 1), "the JWS signature", canonical));
  // RFC 7515 §4.1.1: alg is a case-sensitive string; a JSON number or object there is a
  // malformed header, not an unknown algorithm.
  auto alg = out.header.find("alg");
  if (alg == out.header.end()) return Err(Malformed("the JWS header has no \"alg\""));
  if (!alg->is_string()) return Err(Malformed("the JWS header \"alg\" is not a string"));
  out.alg = alg->get<std::string>();
  auto kid = out.header.find("kid");
  if (kid != out.header.end()) {
    if (!kid->is_string()) return Err(Malformed("the JWS header \"kid\" is not a string"));
    out.kid = kid->get<std::string>();
  }
  if (out.header.contains("crit")) {
    return Err(Malformed("the JWS header names critical extensions (\"crit\"); none is supported"));
  }
  out.signing_input = std::string(text.substr(0, second));
  return out;
}

Status VerifyJwsSignature(JwsAlg alg, EVP_PKEY* key, std::string_view signing_input,
                          ByteSpan signature) {
  if (alg == JwsAlg::kNone) {
    return Status::InvalidArgument(reason::kJwsUnsupportedAlg, "an unsecured JWS has no signature");
  }
  const AlgProfile profile = ProfileOf(alg);
  Status suits = CheckKeySuits(profile, alg, key);
  if (!suits.ok()) return suits;
  const std::string_view name = JwsAlgName(alg);
  Bytes der_signature;
  ByteSpan to_verify = signature;
  if (profile.rsa) {
    // RFC 7518 §3.3, §3.5: the signature is exactly the modulus length.
    if (signature.size() != static_cast<size_t>(EVP_PKEY_get_size(key))) {
      return BadSignature(name);
    }
  } else if (profile.ec_component != 0) {
    // RFC 7518 §3.4: r ‖ s, each the size of the group order.
    auto der = RawEcdsaSignatureToDer(signature, profile.ec_component);
    if (!der.has_value()) return BadSignature(name);
    der_signature = std::move(*der);
    to_verify = der_signature;
  }
  // The DER form ("EC") goes to OpenSSL as is; it refuses non-canonical encodings.
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, profile.md, nullptr, key) != 1 ||
      !SetPadding(pctx, profile)) {
    ERR_clear_error();
    return Status::Internal("cannot initialise " + std::string(name) + " verification");
  }
  const ByteSpan input = AsBytes(signing_input);
  const int rc = EVP_DigestVerify(ctx.get(), to_verify.data(), to_verify.size(), input.data(),
                                  input.size());
  ERR_clear_error();  // a failed verify leaves entries already turned into a Status
  if (rc != 1) return BadSignature(name);
  return Status::Ok();
}

StatusOr<Bytes> SignJwsInput(JwsAlg alg, EVP_PKEY* private_key, std::string_view signing_input) {
  if (alg == JwsAlg::kNone) return Bytes();
  const AlgProfile profile = ProfileOf(alg);
  Status suits = CheckKeySuits(profile, alg, private_key);
  if (!suits.ok()) return Err(std::move(suits));
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  const ByteSpan input = AsBytes(signing_input);
  size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), &pctx, profile.md, nullptr, private_key) != 1 ||
      !SetPadding(pctx, profile) ||
      EVP_DigestSign(ctx.get(), nullptr, &len, input.data(), input.size()) != 1) {
    ERR_clear_error();
    return Err(Status::Internal("cannot sign with " + std::string(JwsAlgName(alg))));
  }
  Bytes sig(len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, input.data(), input.size()) != 1) {
    ERR_clear_error();
    return Err(Status::Internal("cannot sign with " + std::string(JwsAlgName(alg))));
  }
  sig.resize(len);
  if (profile.ec_component != 0) return DerToRaw(sig, profile.ec_component);
  return sig;
}

StatusOr<std::string> SignCompactJws(JwsAlg alg, EVP_PKEY* private_key,
                                     std::string_view header_json, std::string_view payload) {
  nlohmann::json header = nlohmann::json::parse(header_json, nullptr, /*allow_exceptions=*/false);
  auto named = header.is_object() ? header.find("alg") : header.end();
  if (!header.is_object() || named == header.end() || !named->is_string() ||
      named->get<std::string>() != JwsAlgName(alg)) {
    return Err(Status::Internal("the JWS header must be an object naming alg " +
                                std::string(JwsAlgName(alg))));
  }
  // RFC 7515 §5.1: signing input = ASCII(BASE64URL(header) || '.' || BASE64URL(payload)).
  std::string out = Base64UrlEncode(AsBytes(header_json));
  out += '.';
  out += Base64UrlEncode(AsBytes(payload));
  ATTEST_ASSIGN_OR_RETURN(Bytes signature, SignJwsInput(alg, private_key, out));
  out += '.';
  out += Base64UrlEncode(signature);
  return out;
}

std::string UnsecuredCompactJws(std::string_view payload) {
  return Base64UrlEncode(AsBytes(std::string_view(R"({"alg":"none"})"))) + "." +
         Base64UrlEncode(AsBytes(payload)) + ".";
}

}  // namespace attest::crypto
