#include "crypto/jwk.h"

#include <openssl/core_names.h>
#include <openssl/param_build.h>

#include "base/encoding.h"
#include "base/reasons.h"
#include "crypto/digest.h"

namespace attest::crypto {
namespace {

using OsslParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, OpenSslDeleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using OsslParamPtr = std::unique_ptr<OSSL_PARAM, OpenSslDeleter<OSSL_PARAM, OSSL_PARAM_free>>;

struct Curve {
  const char* jwk_name;    // RFC 7518 §6.2.1.1
  const char* ossl_group;  // OpenSSL group name
  size_t size;             // coordinate bytes
};
constexpr Curve kCurves[] = {{"P-256", "prime256v1", 32}, {"P-384", "secp384r1", 48}};

// A string member decoded from base64url; "" when absent, not a string or not base64url.
Bytes B64UrlMember(const nlohmann::json& jwk, const char* name) {
  auto it = jwk.find(name);
  if (it == jwk.end() || !it->is_string()) return {};
  auto bytes = Base64UrlDecode(it->get_ref<const std::string&>());
  return bytes.has_value() ? std::move(*bytes) : Bytes();
}

std::string StringMember(const nlohmann::json& jwk, const char* name) {
  auto it = jwk.find(name);
  return it != jwk.end() && it->is_string() ? it->get<std::string>() : std::string();
}

StatusOr<EvpPkeyPtr> FromParams(const char* type, OSSL_PARAM_BLD* bld, std::string_view reason) {
  OsslParamPtr params(OSSL_PARAM_BLD_to_param(bld));
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* pkey = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return Err(Status::InvalidArgument(std::string(reason),
                                       std::string("the JWK is not a valid ") + type + " key"));
  }
  return EvpPkeyPtr(pkey);
}

StatusOr<EvpPkeyPtr> RsaFromJwk(const nlohmann::json& jwk, std::string_view reason) {
  const Bytes n = B64UrlMember(jwk, "n");
  const Bytes e = B64UrlMember(jwk, "e");
  if (n.empty() || e.empty()) {
    return Err(Status::InvalidArgument(std::string(reason),
                                       "an RSA JWK needs base64url strings n and e"));
  }
  OsslParamBldPtr bld(OSSL_PARAM_BLD_new());
  BignumPtr bn_n(BN_bin2bn(n.data(), static_cast<int>(n.size()), nullptr));
  BignumPtr bn_e(BN_bin2bn(e.data(), static_cast<int>(e.size()), nullptr));
  if (!bld || !bn_n || !bn_e ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    return Err(Status::Internal("cannot build an RSA key"));
  }
  return FromParams("RSA", bld.get(), reason);
}

StatusOr<EvpPkeyPtr> EcFromJwk(const nlohmann::json& jwk, std::string_view reason) {
  const std::string crv = StringMember(jwk, "crv");
  const Curve* curve = nullptr;
  for (const Curve& c : kCurves) {
    if (crv == c.jwk_name) curve = &c;
  }
  if (curve == nullptr) {
    return Err(Status::InvalidArgument(std::string(reason),
                                       "an EC JWK must have crv P-256 or P-384"));
  }
  const Bytes x = B64UrlMember(jwk, "x");
  const Bytes y = B64UrlMember(jwk, "y");
  if (x.size() != curve->size || y.size() != curve->size) {
    return Err(Status::InvalidArgument(
        std::string(reason), "an EC JWK needs x and y of " + std::to_string(curve->size) +
                                 " bytes each (RFC 7518 §6.2.1.2)"));
  }
  Bytes point = {0x04};
  point.insert(point.end(), x.begin(), x.end());
  point.insert(point.end(), y.begin(), y.end());
  OsslParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, curve->ossl_group,
                                      0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return Err(Status::Internal("cannot build an EC key"));
  }
  // The import decodes the point and refuses one that is not on the curve.
  return FromParams("EC", bld.get(), reason);
}

StatusOr<std::string> BnParam(EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1 || raw == nullptr) {
    return Err(Status::Internal(std::string("cannot read the key parameter ") + name));
  }
  BignumPtr bn(raw);
  Bytes out(static_cast<size_t>(BN_num_bytes(bn.get())));
  BN_bn2bin(bn.get(), out.data());
  return Base64UrlEncode(out);
}

StatusOr<const Curve*> CurveOf(EVP_PKEY* key) {
  char group[64] = {};
  size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                     &len) == 1) {
    for (const Curve& c : kCurves) {
      if (std::string_view(group, len) == c.ossl_group) return &c;
    }
  }
  return Err(
      Status::InvalidArgument(reason::kJwkUnsupportedKey, "the EC key is not P-256 or P-384"));
}

}  // namespace

StatusOr<std::vector<Certificate>> CertificatesFromX5c(const nlohmann::json& x5c,
                                                       size_t max_certs, std::string_view reason) {
  auto fail = [&](std::string message) {
    return Err(Status::InvalidArgument(std::string(reason), std::move(message)));
  };
  if (!x5c.is_array() || x5c.empty()) {
    return fail("x5c must be a non-empty array of certificates");
  }
  if (x5c.size() > max_certs) {
    return fail("x5c holds more than " + std::to_string(max_certs) + " certificates");
  }
  std::vector<Certificate> out;
  for (const nlohmann::json& entry : x5c) {
    if (!entry.is_string()) return fail("an x5c entry is not a string");
    // RFC 7515 §4.1.6: standard base64; the url-safe alphabet is tolerated.
    const std::string& text = entry.get_ref<const std::string&>();
    auto der = Base64Decode(text);
    if (!der.has_value()) der = Base64UrlDecode(text);
    if (!der.has_value()) return fail("an x5c entry is not base64");
    auto cert = Certificate::FromDer(*der);
    if (!cert.has_value()) return fail("an x5c entry is not an X.509 certificate");
    out.push_back(std::move(*cert));
  }
  return out;
}

StatusOr<EvpPkeyPtr> PublicKeyFromJwk(const nlohmann::json& jwk, std::string_view reason) {
  if (!jwk.is_object()) {
    return Err(Status::InvalidArgument(std::string(reason), "a JWK is not a JSON object"));
  }
  auto x5c = jwk.find("x5c");
  if (x5c != jwk.end()) {
    ATTEST_ASSIGN_OR_RETURN(std::vector<Certificate> certs, CertificatesFromX5c(*x5c, 16, reason));
    EVP_PKEY* key = certs.front().public_key();
    if (EVP_PKEY_up_ref(key) != 1) return Err(Status::Internal("cannot reference a key"));
    return EvpPkeyPtr(key);
  }
  const std::string kty = StringMember(jwk, "kty");
  if (kty == "RSA") return RsaFromJwk(jwk, reason);
  if (kty == "EC") return EcFromJwk(jwk, reason);
  return Err(Status::InvalidArgument(
      std::string(reason), "unsupported JWK kty '" + kty.substr(0, 16) + "' (RSA or EC)"));
}

StatusOr<nlohmann::json> PublicJwk(EVP_PKEY* key) {
  if (key != nullptr && EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA) {
    ATTEST_ASSIGN_OR_RETURN(std::string n, BnParam(key, OSSL_PKEY_PARAM_RSA_N));
    ATTEST_ASSIGN_OR_RETURN(std::string e, BnParam(key, OSSL_PKEY_PARAM_RSA_E));
    return nlohmann::json{{"kty", "RSA"}, {"n", n}, {"e", e}};
  }
  if (key != nullptr && EVP_PKEY_get_base_id(key) == EVP_PKEY_EC) {
    ATTEST_ASSIGN_OR_RETURN(const Curve* curve, CurveOf(key));
    Bytes point(1 + 2 * curve->size);
    size_t len = 0;
    if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point.data(),
                                        point.size(), &len) != 1 ||
        len != point.size() || point[0] != 0x04) {
      return Err(Status::Internal("cannot read the EC public point"));
    }
    return nlohmann::json{
        {"kty", "EC"},
        {"crv", curve->jwk_name},
        {"x", Base64UrlEncode(ByteSpan(point.data() + 1, curve->size))},
        {"y", Base64UrlEncode(ByteSpan(point.data() + 1 + curve->size, curve->size))}};
  }
  return Err(Status::InvalidArgument(reason::kJwkUnsupportedKey, "the key is not RSA or EC"));
}

StatusOr<std::string> JwkThumbprint(EVP_PKEY* key) {
  ATTEST_ASSIGN_OR_RETURN(nlohmann::json jwk, PublicJwk(key));
  // RFC 7638 §3.2: the required members only, lexicographic order, no whitespace, which is
  // exactly nlohmann's compact dump of these members.
  nlohmann::json required = jwk["kty"] == "RSA"
                                ? nlohmann::json{{"e", jwk["e"]}, {"kty", "RSA"}, {"n", jwk["n"]}}
                                : nlohmann::json{{"crv", jwk["crv"]}, {"kty", "EC"},
                                                 {"x", jwk["x"]}, {"y", jwk["y"]}};
  return Base64UrlEncode(Sha256(AsBytes(required.dump())));
}

StatusOr<JwsAlg> DefaultJwsAlg(EVP_PKEY* key) {
  if (key != nullptr && EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA) return JwsAlg::kRs256;
  if (key != nullptr && EVP_PKEY_get_base_id(key) == EVP_PKEY_EC) {
    ATTEST_ASSIGN_OR_RETURN(const Curve* curve, CurveOf(key));
    return curve->size == 32 ? JwsAlg::kEs256 : JwsAlg::kEs384;
  }
  return Err(Status::InvalidArgument(reason::kJwkUnsupportedKey, "the key is not RSA or EC"));
}

}  // namespace attest::crypto
