#include "client/policy_document.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <nlohmann/json.hpp>

#include "base/encoding.h"
#include "base/file.h"
#include "base/reasons.h"
#include "crypto/digest.h"
#include "crypto/jwk.h"
#include "crypto/jws.h"

namespace attest::client {
namespace {

constexpr size_t kMaxPemBytes = 1 << 20;
constexpr std::string_view kUnsignedHeader = "eyJhbGciOiJub25lIn0";  // {"alg":"none"}

}  // namespace

StatusOr<PolicySigner> PolicySigner::Load(const std::string& key_file,
                                          const std::string& cert_file) {
  ATTEST_ASSIGN_OR_RETURN(std::string key_pem, ReadFileText(key_file, kMaxPemBytes));
  ATTEST_ASSIGN_OR_RETURN(std::string cert_pem, ReadFileText(cert_file, kMaxPemBytes));
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())), BIO_free);
  crypto::EvpPkeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                             : nullptr);
  if (!key) {
    return Err(
        Status::InvalidArgument(reason::kSignerKeyInvalid, key_file + " holds no PEM private key"));
  }
  const int id = EVP_PKEY_base_id(key.get());
  if (id != EVP_PKEY_RSA && !(id == EVP_PKEY_EC && EVP_PKEY_get_bits(key.get()) == 256)) {
    return Err(Status::InvalidArgument(reason::kSignerKeyInvalid,
                                       "the signing key must be RSA or EC P-256"));
  }
  auto certs = crypto::Certificate::ParsePemChain(cert_pem, 1);
  if (!certs.has_value() || certs->empty()) {
    return Err(Status::InvalidArgument(reason::kSignerCertInvalid,
                                       cert_file + " holds no PEM certificate"));
  }
  if (EVP_PKEY_eq(key.get(), certs->front().public_key()) != 1) {
    return Err(Status::InvalidArgument(reason::kSignerKeyMismatch,
                                       "the certificate is not for the signing key"));
  }
  return PolicySigner(std::move(key), std::move(certs->front()));
}

StatusOr<std::string> PolicySigner::Sign(std::string_view payload) const {
  ATTEST_ASSIGN_OR_RETURN(crypto::JwsAlg alg, crypto::DefaultJwsAlg(key_.get()));
  // maa-tokens.md §6.1: the JS client's header shape, members in this order.
  const std::string header = std::string(R"({"alg":")") + std::string(crypto::JwsAlgName(alg)) +
                             R"(","x5c":[")" + Base64Encode(cert_.der()) + R"("]})";
  return crypto::SignCompactJws(alg, key_.get(), header, payload);
}

StatusOr<std::string> BuildPolicyDocument(std::string_view policy_text,
                                          const PolicySigner* signer) {
  const std::string payload =
      R"({"AttestationPolicy":")" + Base64UrlEncode(AsBytes(policy_text)) + R"("})";
  if (signer == nullptr) {
    return std::string(kUnsignedHeader) + "." + Base64UrlEncode(AsBytes(payload)) + ".";
  }
  return signer->Sign(payload);
}

StatusOr<std::string> BuildResetDocument(const PolicySigner* signer) {
  if (signer == nullptr) return std::string(kUnsignedHeader) + "..";
  return signer->Sign("");
}

StatusOr<std::string> BuildCertificateDocument(const crypto::Certificate& cert,
                                               const PolicySigner& signer) {
  // maa-rest-api.md §5.4: kty then x5c; EC when the certificate's key is EC.
  const bool ec = EVP_PKEY_base_id(cert.public_key()) == EVP_PKEY_EC;
  const std::string payload = std::string(R"({"policyCertificate":{"kty":")") +
                              (ec ? "EC" : "RSA") + R"(","x5c":[")" + Base64Encode(cert.der()) +
                              R"("]}})";
  return signer.Sign(payload);
}

std::string ExpectedPolicyTokenHash(std::string_view document) {
  return Base64UrlEncode(crypto::Sha256(AsBytes(document)));
}

}  // namespace attest::client
