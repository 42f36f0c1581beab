// SigningKey: the instance's token-signing key (RSA-2048, RS256) and its self-signed
// certificate, persisted in the data directory.
//
// spec/maa-service-behaviour.md §6: one RSA-2048 key per instance with a self-signed
// certificate whose subject and issuer are CN=<base URI>, valid 2019-05-01 .. 2050-12-31.
// The `kid` is the RFC 7638 JWK thumbprint of the public key (base64url SHA-256 of
// {"e","kty","n"}): deterministic from the key, so it survives restarts and certificate
// re-issue, and changes when the key is regenerated (maa-rest-api.md §3.2: kid is opaque).
//
// Immutable after construction; thread-safe (each Sign() uses its own EVP_MD_CTX).
#pragma once

#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/status.h"
#include "crypto/openssl_ptr.h"

namespace attest::token {

class SigningKey {
 public:
  // File names inside the data directory (both written 0600, atomically).
  static constexpr std::string_view kKeyFile = "token-signing-key.pem";
  static constexpr std::string_view kCertFile = "token-signing-cert.pem";

  // Loads the key and certificate from `data_dir`; creates a new key when the key file is
  // absent and (re)issues the certificate when it is absent, unreadable, not for this key
  // or not for `base_url`. The directory must exist.
  static StatusOr<SigningKey> LoadOrCreate(const std::string& data_dir,
                                           const std::string& base_url);
  // A fresh in-memory key and certificate (tests and tools).
  static StatusOr<SigningKey> Generate(const std::string& base_url);

  // A key held elsewhere (the fleet's store): DER private key (PKCS#1 or PKCS#8) and its
  // certificate, which must carry the key's public half (else kFailedPrecondition
  // SIGNING_KEY_UNUSABLE).
  static StatusOr<SigningKey> FromDer(ByteSpan private_key_der, ByteSpan cert_der);
  // The private key as DER (PKCS#1), for sealing; the caller cleanses the buffer after use.
  StatusOr<Bytes> PrivateKeyDer() const;

  SigningKey(SigningKey&&) noexcept = default;
  SigningKey& operator=(SigningKey&&) noexcept = default;

  // RSASSA-PKCS1-v1_5 with SHA-256 over `data` (RFC 7518 §3.3 "RS256").
  StatusOr<Bytes> SignRs256(ByteSpan data) const;

  const std::string& kid() const { return kid_; }
  const Bytes& certificate_der() const { return cert_der_; }
  EVP_PKEY* public_key() const { return pkey_.get(); }
  // true when LoadOrCreate generated a new key (first start or deleted key file).
  bool created() const { return created_; }

 private:
  SigningKey() = default;
  crypto::EvpPkeyPtr pkey_;
  Bytes cert_der_;
  std::string kid_;
  bool created_ = false;
};

// RFC 7638 thumbprint of an RSA public key, base64url without padding.
StatusOr<std::string> RsaJwkThumbprint(EVP_PKEY* key);

}  // namespace attest::token
