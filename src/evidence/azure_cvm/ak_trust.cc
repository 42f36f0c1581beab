#include "evidence/azure_cvm/ak_trust.h"

#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include <memory>

#include "base/reasons.h"

namespace attest::evidence::azure_cvm {
namespace {

// The chain of `leaf` through `presented` to one of `roots` at `now`; the OpenSSL error text
// when it does not hold.
std::optional<std::string> ChainError(const crypto::Certificate& leaf,
                                      const std::vector<crypto::Certificate>& presented,
                                      const std::vector<crypto::Certificate>& roots, UnixTime now) {
  std::unique_ptr<X509_STORE, void (*)(X509_STORE*)> store(X509_STORE_new(), X509_STORE_free);
  std::unique_ptr<STACK_OF(X509), void (*)(STACK_OF(X509)*)> untrusted(
      sk_X509_new_null(), [](STACK_OF(X509) * s) { sk_X509_free(s); });
  std::unique_ptr<X509_STORE_CTX, void (*)(X509_STORE_CTX*)> ctx(X509_STORE_CTX_new(),
                                                                 X509_STORE_CTX_free);
  if (!store || !untrusted || !ctx) {
    return "out of memory";
  }
  for (const crypto::Certificate& r : roots) {
    X509_STORE_add_cert(store.get(), r.get());
  }
  for (const crypto::Certificate& c : presented) {
    sk_X509_push(untrusted.get(), c.get());
  }
  if (X509_STORE_CTX_init(ctx.get(), store.get(), leaf.get(), untrusted.get()) != 1) {
    ERR_clear_error();
    return "X509_STORE_CTX_init failed";
  }
  X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx.get()), static_cast<time_t>(now));
  // Azure AK certificates carry TCG EKUs only; no purpose is required.
  const int ok = X509_verify_cert(ctx.get());
  const int err = X509_STORE_CTX_get_error(ctx.get());
  ERR_clear_error();
  if (ok == 1) {
    return std::nullopt;
  }
  return std::string(X509_verify_cert_error_string(err));
}

}  // namespace

StatusOr<AzureAkTrust> EstablishAzureAkTrust(EVP_PKEY* hcl_ak, const tpm::AkPublic* tpm_ak,
                                             const std::vector<crypto::Certificate>& presented,
                                             const TrustAnchors& anchors, UnixTime now) {
  if (hcl_ak == nullptr) {
    return Err(Status::InvalidEvidence(reason::kHclVariableDataInvalid,
                                       "HCL variable data: no attestation key"));
  }
  if (tpm_ak != nullptr && EVP_PKEY_eq(tpm_ak->key.get(), hcl_ak) != 1) {
    return Err(Status::InvalidEvidence(
        reason::kHclAkMismatch,
        "the vTPM attestation key is not the HCLAkPub the hardware report commits to"));
  }
  AzureAkTrust out;
  out.mode = std::string(kAkTrustHclBinding);
  if (!presented.empty()) {
    const crypto::Certificate& leaf = presented.front();
    if (EVP_PKEY_eq(leaf.public_key(), hcl_ak) != 1) {
      return Err(Status::InvalidEvidence(reason::kHclAkMismatch,
                                         "the Azure AK certificate (" + leaf.SubjectCommonName() +
                                             ") certifies another key than the HCL's HCLAkPub"));
    }
    std::vector<crypto::Certificate> roots;
    for (const Bytes& der : anchors.azure_vtpm_roots_der) {
      auto root = crypto::Certificate::FromDer(der);
      if (root) {
        roots.push_back(std::move(*root));
      }
    }
    nlohmann::json cert = {{"subject", leaf.SubjectCommonName()},
                           {"issuer", leaf.IssuerCommonName()}};
    std::optional<std::string> error =
        roots.empty() ? std::optional<std::string>("no Azure vTPM root is configured")
                      : ChainError(leaf, presented, roots, now);
    if (error) {
      cert["chain_verified"] = false;
      cert["error"] = *error;
    } else {
      cert["chain_verified"] = true;
      out.mode = std::string(kAkTrustAzureCertificate);
    }
    out.verdict["ak_certificate"] = std::move(cert);
  }
  out.verdict["mode"] = out.mode;
  return out;
}

}  // namespace attest::evidence::azure_cvm
