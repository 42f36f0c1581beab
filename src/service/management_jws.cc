#include "service/management_jws.h"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "base/encoding.h"
#include "base/reasons.h"
#include "base/strings.h"
#include "base/time.h"
#include "crypto/jwk.h"
#include "crypto/jws.h"

namespace attest::service {
namespace {

constexpr size_t kMaxManagementJwsSize = 1024 * 1024;

Status Malformed(std::string message) {
  return Status::InvalidArgument(reason::kJwsMalformed, std::move(message));
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

}  // namespace

StatusOr<ManagementJws> ParseManagementJws(std::string_view text) {
  text = TrimWhitespace(text);
  ATTEST_ASSIGN_OR_RETURN(
      crypto::CompactJws parsed,
      crypto::ParseCompactJws(
          text, {.max_size = kMaxManagementJwsSize, .allow_empty_payload = true}));
  ManagementJws out;
  out.compact = std::string(text);
  out.header = std::move(parsed.header);
  if (!parsed.payload.is_null()) out.payload = std::move(parsed.payload);

  // RS256 and ES256 as the JS client sends them; the legacy "RSA256" and the Azure SDK for
  // C++'s "EC" (DER signature, maa-real-clients.md §8) so that those clients work unmodified.
  const std::optional<crypto::JwsAlg> alg =
      crypto::JwsAlgFromName(parsed.alg, crypto::JwsAlgNames::kWithAzureSdkAliases);
  if (alg == crypto::JwsAlg::kNone) {
    if (!parsed.signature.empty()) {
      return Err(Malformed("an unsecured (alg none) JWS must have no signature"));
    }
    return out;
  }
  if (!alg.has_value() || (*alg != crypto::JwsAlg::kRs256 && *alg != crypto::JwsAlg::kEs256 &&
                           *alg != crypto::JwsAlg::kAzureSdkEcDer)) {
    return Err(Status::InvalidArgument(
        reason::kJwsUnsupportedAlg,
        "JWS alg '" + parsed.alg.substr(0, 32) + "' is not supported; use RS256 or ES256"));
  }
  const nlohmann::json* x5c = FindX5c(out.header);
  if (x5c == nullptr) return Err(Malformed("a signed JWS must carry its signer certificate in x5c"));
  ATTEST_ASSIGN_OR_RETURN(
      out.x5c, crypto::CertificatesFromX5c(*x5c, kMaxX5cCertificates, reason::kJwsMalformed));
  // The key always comes from the certificate, never from the header's alg or jwk.
  Status verified = crypto::VerifyJwsSignature(*alg, out.x5c.front().public_key(),
                                               parsed.signing_input, parsed.signature);
  if (verified.reason() == reason::kJwsKeyUnsuitable) {
    return Err(Status::InvalidArgument(
        reason::kJwsUnsupportedAlg,
        "JWS alg '" + parsed.alg + "' does not fit the signer certificate: " + verified.message()));
  }
  if (verified.reason() == reason::kJwsSignatureInvalid) {
    return Err(Status::PermissionDenied(
        reason::kJwsSignatureInvalid,
        "the JWS signature does not verify with the certificate in its header"));
  }
  if (!verified.ok()) return Err(std::move(verified));
  out.is_signed = true;
  return out;
}

namespace {

enum class Role { kSigner, kIssuer };

// RFC 5280 §4.2.1.3; a certificate without the extension is not restricted.
bool KeyUsageAllows(const crypto::Certificate& cert, Role role) {
  if ((X509_get_extension_flags(cert.get()) & EXFLAG_KUSAGE) == 0) return true;
  const uint32_t usage = X509_get_key_usage(cert.get());
  return (usage & (role == Role::kSigner ? KU_DIGITAL_SIGNATURE : KU_KEY_CERT_SIGN)) != 0;
}

Status CheckUsableAt(const crypto::Certificate& cert, Role role, UnixTime now) {
  const std::string who = role == Role::kSigner ? "the signing certificate"
                                                : "the issuing certificate";
  const std::string cn = " (CN=" + cert.SubjectCommonName().substr(0, 64) + ")";
  if (now < cert.not_before()) {
    return Status::InvalidArgument(
        reason::kSignerCertNotYetValid,
        who + cn + " is not valid before " + FormatRfc3339(cert.not_before()));
  }
  if (now > cert.not_after()) {
    return Status::InvalidArgument(reason::kSignerCertExpired,
                                   who + cn + " expired at " + FormatRfc3339(cert.not_after()));
  }
  if (!KeyUsageAllows(cert, role)) {
    return Status::InvalidArgument(
        reason::kSignerCertKeyUsage,
        who + cn + " has a keyUsage without " +
            (role == Role::kSigner ? "digitalSignature" : "keyCertSign"));
  }
  return Status::Ok();
}

}  // namespace

Status CheckSignerTrusted(const ManagementJws& jws,
                          const std::vector<crypto::Certificate>& trusted, UnixTime now) {
  const Status untrusted = Status::PermissionDenied(
      reason::kSignerNotTrusted,
      "the document is not signed by a registered policy-management certificate");
  if (!jws.is_signed || jws.x5c.empty()) return untrusted;
  // The path: x5c[0..last] climbing one verified link at a time, ending at a certificate
  // that is registered (anchor == nullptr) or issued by a registered CA (anchor).
  std::optional<size_t> last;
  const crypto::Certificate* anchor = nullptr;
  for (size_t i = 0; i < jws.x5c.size() && !last.has_value(); ++i) {
    const crypto::Certificate& cert = jws.x5c[i];
    for (const crypto::Certificate& candidate : trusted) {
      if (cert.der() == candidate.der()) {
        last = i;
        break;
      }
      if (candidate.IsCa() && cert.IssuedBy(candidate) &&
          cert.VerifySignedBy(candidate.public_key())) {
        last = i;
        anchor = &candidate;
        break;
      }
    }
    if (last.has_value()) break;
    // Climb one link: the next x5c entry must have issued this one.
    if (i + 1 >= jws.x5c.size()) break;
    const crypto::Certificate& parent = jws.x5c[i + 1];
    if (!parent.IsCa() || !cert.IssuedBy(parent) || !cert.VerifySignedBy(parent.public_key())) {
      break;
    }
  }
  if (!last.has_value()) return untrusted;
  for (size_t i = 0; i <= *last; ++i) {
    Status usable = CheckUsableAt(jws.x5c[i], i == 0 ? Role::kSigner : Role::kIssuer, now);
    if (!usable.ok()) return usable;
  }
  if (anchor != nullptr && !KeyUsageAllows(*anchor, Role::kIssuer)) {
    return Status::InvalidArgument(
        reason::kSignerCertKeyUsage,
        "the registered CA certificate (CN=" + anchor->SubjectCommonName().substr(0, 64) +
            ") has a keyUsage without keyCertSign");
  }
  return Status::Ok();
}

nlohmann::json SignerJwk(const crypto::Certificate& cert) {
  const bool ec = EVP_PKEY_base_id(cert.public_key()) == EVP_PKEY_EC;
  const auto alg = crypto::DefaultJwsAlg(cert.public_key());
  return {{"alg", alg.has_value() ? std::string(crypto::JwsAlgName(*alg)) : (ec ? "ES256" : "RS256")},
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
