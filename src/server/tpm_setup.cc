#include "server/tpm_setup.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <spdlog/spdlog.h>

#include "base/file.h"
#include "crypto/openssl_ptr.h"
#include "crypto/x509.h"

namespace attest::server {
namespace {

constexpr size_t kMaxFile = 4 * 1024 * 1024;

Status ConfigError(std::string message) {
  return Status::InvalidArgument("CONFIG_INVALID", std::move(message));
}

}  // namespace

Status ConfigureTpm(const ServerConfig& config, bool key_from_kek, evidence::tpm::TpmOptions& tpm) {
  std::string key_path =
      config.tpm_context_key.empty() ? config.data_dir + "/tpm-context.key" : config.tpm_context_key;
  if (key_from_kek) {
    key_path = "derived from the KEK per provider";
  } else {
    auto key = evidence::tpm::LoadOrCreateContextKeyFile(key_path);
    if (!key.has_value()) return key.error();
    tpm.context_key = std::shared_ptr<const evidence::tpm::ContextKeySource>(std::move(*key));
  }
  if (!config.tpm_ak_roots.empty()) {
    auto data = ReadFileBytes(config.tpm_ak_roots, kMaxFile);
    if (!data.has_value()) return data.error().WithContext("tpm_ak_roots");
    std::string_view text = AsChars(*data);
    if (text.find("-----BEGIN CERTIFICATE-----") != std::string_view::npos) {
      auto certs = crypto::Certificate::ParsePemChain(text, 64);
      if (!certs.has_value()) return certs.error().WithContext("tpm_ak_roots");
      tpm.ak_trust.roots = std::move(*certs);
    } else {
      auto cert = crypto::Certificate::FromDer(*data);
      if (!cert.has_value()) return cert.error().WithContext("tpm_ak_roots");
      tpm.ak_trust.roots.push_back(std::move(*cert));
    }
  }
  if (!config.tpm_trusted_aks.empty()) {
    auto data = ReadFileBytes(config.tpm_trusted_aks, kMaxFile);
    if (!data.has_value()) return data.error().WithContext("tpm_trusted_aks");
    crypto::BioPtr bio(BIO_new_mem_buf(data->data(), static_cast<int>(data->size())));
    while (EVP_PKEY* k = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr)) {
      unsigned char* der = nullptr;
      int len = i2d_PUBKEY(k, &der);
      if (len > 0) tpm.ak_trust.registered_spki.emplace_back(der, der + len);
      OPENSSL_free(der);
      EVP_PKEY_free(k);
    }
    ERR_clear_error();
    if (tpm.ak_trust.registered_spki.empty()) {
      return ConfigError("tpm_trusted_aks holds no PEM public key");
    }
  }
  tpm.ak_trust.trust_as_presented = config.tpm_trust_ak_as_presented;
  spdlog::info("TPM: service_context key {}, {} AK root(s), {} registered AK(s){}", key_path,
               tpm.ak_trust.roots.size(), tpm.ak_trust.registered_spki.size(),
               tpm.ak_trust.trust_as_presented ? ", AKs trusted as presented" : "");
  return Status::Ok();
}

}  // namespace attest::server
