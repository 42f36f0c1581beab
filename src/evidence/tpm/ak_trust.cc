#include "evidence/tpm/ak_trust.h"

#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include <memory>
#include <string>

namespace attest::evidence::tpm {

std::string_view AkTrustModeName(AkTrustMode mode) {
  switch (mode) {
    case AkTrustMode::kCertificate:
      return "certificate";
    case AkTrustMode::kRegisteredKey:
      return "registered-key";
    case AkTrustMode::kAsPresented:
      return "as-presented";
  }
  return "";
}

namespace {

Status VerifyChain(const crypto::Certificate& leaf,
                   const std::vector<crypto::Certificate>& presented,
                   const std::vector<crypto::Certificate>& roots, UnixTime now) {
  std::unique_ptr<X509_STORE, void (*)(X509_STORE*)> store(X509_STORE_new(), X509_STORE_free);
  std::unique_ptr<STACK_OF(X509), void (*)(STACK_OF(X509)*)> untrusted(
      sk_X509_new_null(), [](STACK_OF(X509)* s) { sk_X509_free(s); });
  std::unique_ptr<X509_STORE_CTX, void (*)(X509_STORE_CTX*)> ctx(X509_STORE_CTX_new(),
                                                                  X509_STORE_CTX_free);
  if (!store || !untrusted || !ctx) return Status::Internal("X509 store alloc");
  for (const crypto::Certificate& r : roots) X509_STORE_add_cert(store.get(), r.get());
  for (const crypto::Certificate& c : presented) sk_X509_push(untrusted.get(), c.get());
  if (X509_STORE_CTX_init(ctx.get(), store.get(), leaf.get(), untrusted.get()) != 1) {
    return Status::Internal("X509_STORE_CTX_init");
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(now));
  int ok = X509_verify_cert(ctx.get());
  int err = X509_STORE_CTX_get_error(ctx.get());
  ERR_clear_error();
  if (ok != 1) {
    return Status::InvalidEvidence("TPM_AK_CERT_CHAIN_INVALID",
                                   std::string("AK certificate chain does not verify: ") +
                                       X509_verify_cert_error_string(err));
  }
  return Status::Ok();
}

}  // namespace

StatusOr<AkTrustMode> EstablishAkTrust(const AkPublic& ak,
                                       const std::vector<crypto::Certificate>& presented,
                                       const AkTrustConfig& config, UnixTime now) {
  if (!config.roots.empty() && !presented.empty()) {
    const crypto::Certificate* leaf = nullptr;
    for (const crypto::Certificate& c : presented) {
      if (EVP_PKEY_eq(c.public_key(), ak.key.get()) == 1) {
        leaf = &c;
        break;
      }
    }
    if (leaf == nullptr) {
      return Err(Status::InvalidEvidence("TPM_AK_CERT_KEY_MISMATCH",
                                         "no presented certificate certifies the AK's key"));
    }
    ATTEST_RETURN_IF_ERROR(VerifyChain(*leaf, presented, config.roots, now));
    return AkTrustMode::kCertificate;
  }
  Bytes spki = AkSpkiDer(ak);
  for (const Bytes& registered : config.registered_spki) {
    if (registered == spki) return AkTrustMode::kRegisteredKey;
  }
  if (config.trust_as_presented) return AkTrustMode::kAsPresented;
  return Err(Status::InvalidEvidence(
      "TPM_AK_UNTRUSTED",
      config.roots.empty() ? "the AK is not registered and no AK certificate roots are configured"
                           : "the AK is not registered and no AK certificate was presented"));
}

}  // namespace attest::evidence::tpm
