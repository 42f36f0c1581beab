#include "evidence/tpm/quote_verifier.h"

#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <string>

#include "base/encoding.h"

namespace attest::evidence::tpm {
namespace {

Status SignatureInvalid(std::string message) {
  return Status::InvalidEvidence("TPM_QUOTE_SIGNATURE_INVALID", std::move(message));
}

// TPM ECDSA r and s are unsigned big-endian integers; OpenSSL verifies DER ECDSA-Sig-Value.
StatusOr<Bytes> EcdsaDer(const Signature& sig) {
  crypto::BignumPtr r(BN_bin2bn(sig.ecdsa_r.data(), static_cast<int>(sig.ecdsa_r.size()), nullptr));
  crypto::BignumPtr s(BN_bin2bn(sig.ecdsa_s.data(), static_cast<int>(sig.ecdsa_s.size()), nullptr));
  crypto::EcdsaSigPtr es(ECDSA_SIG_new());
  if (!r || !s || !es || ECDSA_SIG_set0(es.get(), r.get(), s.get()) != 1) {
    return Err(Status::Internal("ECDSA_SIG alloc"));
  }
  r.release();
  s.release();
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(es.get(), &der);
  if (len <= 0) return Err(Status::Internal("i2d_ECDSA_SIG"));
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

}  // namespace

Status VerifyAttestSignature(ByteSpan attest, const Signature& sig, const AkPublic& ak,
                             const QuoteVerifyOptions& options) {
  const EVP_MD* md = HashMd(sig.hash_alg);
  if (md == nullptr) {
    return Status::InvalidEvidence("TPM_SIGNATURE_SCHEME_UNSUPPORTED",
                                   "signature hash is not SHA-1/256/384/512");
  }
  if (sig.hash_alg == kAlgSha1 && !options.allow_sha1_signatures) {
    return Status::InvalidEvidence("TPM_SIGNATURE_SCHEME_UNSUPPORTED",
                                   "SHA-1 signatures are not accepted by this deployment");
  }
  // spec/tpm.md §3: the hash must be the AK's scheme hash when the AK fixes a scheme.
  if (ak.scheme && *ak.scheme != kAlgNull &&
      (*ak.scheme != sig.sig_alg || (ak.scheme_hash && *ak.scheme_hash != sig.hash_alg))) {
    return Status::InvalidEvidence("TPM_AK_SCHEME_MISMATCH",
                                   "the signature's scheme or hash differs from the AK's scheme");
  }
  int key_type = EVP_PKEY_get_base_id(ak.key.get());
  bool rsa_sig = sig.sig_alg == kAlgRsassa || sig.sig_alg == kAlgRsapss;
  if ((rsa_sig && key_type != EVP_PKEY_RSA) || (sig.sig_alg == kAlgEcdsa && key_type != EVP_PKEY_EC) ||
      (!rsa_sig && sig.sig_alg != kAlgEcdsa)) {
    return Status::InvalidEvidence("TPM_AK_SCHEME_MISMATCH",
                                   "the signature algorithm does not suit the AK's key type");
  }
  Bytes der_sig;
  ByteSpan signature = sig.rsa;
  if (sig.sig_alg == kAlgEcdsa) {
    auto der = EcdsaDer(sig);
    if (!der) return der.error();
    der_sig = std::move(*der);
    signature = der_sig;
  }
  crypto::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, ak.key.get()) != 1) {
    return Status::Internal("EVP_DigestVerifyInit failed");
  }
  if (sig.sig_alg == kAlgRsapss) {
    // spec/tpm.md §3: salt length auto-detected (libtpms uses the hash length, older TPMs the
    // maximum).
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_AUTO) != 1) {
      return Status::Internal("PSS parameters");
    }
  } else if (sig.sig_alg == kAlgRsassa) {
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
      return Status::Internal("PKCS#1 parameters");
    }
  }
  int rc = EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), attest.data(),
                            attest.size());
  ERR_clear_error();
  if (rc != 1) {
    return SignatureInvalid("the AK's signature over the TPMS_ATTEST does not verify");
  }
  return Status::Ok();
}

Status VerifyPcrDigest(const Quote& quote, uint16_t signing_hash, const PcrValues& pcrs) {
  Bytes concatenated;
  for (const PcrSelection& sel : quote.selections) {
    auto bank = pcrs.find(sel.hash);
    size_t size = HashSize(sel.hash);
    for (uint32_t index : sel.pcrs) {
      const Bytes* value = nullptr;
      if (bank != pcrs.end()) {
        auto it = bank->second.find(index);
        if (it != bank->second.end()) value = &it->second;
      }
      if (value == nullptr) {
        return Status::InvalidEvidence("TPM_PCR_VALUES_MISSING",
                                       "quoted PCR " + std::to_string(index) + " (" +
                                           std::string(HashName(sel.hash)) + ") was not supplied");
      }
      if (value->size() != size) {
        return Status::InvalidEvidence("TPM_PCR_VALUES_MALFORMED",
                                       "PCR " + std::to_string(index) + " (" +
                                           std::string(HashName(sel.hash)) + ") has " +
                                           std::to_string(value->size()) + " bytes, not " +
                                           std::to_string(size));
      }
      concatenated.insert(concatenated.end(), value->begin(), value->end());
    }
  }
  // spec/tpm.md §2.2: values supplied but not quoted would be unsigned claims.
  for (const auto& [hash, bank] : pcrs) {
    const PcrSelection* sel = nullptr;
    for (const PcrSelection& s : quote.selections) {
      if (s.hash == hash) sel = &s;
    }
    for (const auto& [index, value] : bank) {
      if (sel == nullptr ||
          std::find(sel->pcrs.begin(), sel->pcrs.end(), index) == sel->pcrs.end()) {
        return Status::InvalidEvidence("TPM_PCR_VALUES_NOT_QUOTED",
                                       "PCR " + std::to_string(index) + " (" +
                                           std::string(HashName(hash)) +
                                           ") was supplied but is not in the quote");
      }
    }
  }
  // spec/tpm.md §2.2: H is the signing scheme's hash, not the bank's.
  Bytes digest = Hash(signing_hash, concatenated);
  if (digest.empty() || !ConstantTimeEquals(digest, quote.pcr_digest)) {
    return Status::InvalidEvidence("TPM_PCR_DIGEST_MISMATCH",
                                   "the supplied PCR values do not hash to the quote's pcrDigest");
  }
  return Status::Ok();
}

StatusOr<Quote> VerifyQuote(ByteSpan attest, const Signature& sig, const AkPublic& ak,
                            ByteSpan nonce, const PcrValues* pcrs,
                            const QuoteVerifyOptions& options) {
  // spec/tpm.md §6 step 1: structure, magic, type.
  ATTEST_ASSIGN_OR_RETURN(Quote quote, ParseQuote(attest));
  // Step 2: a restricted signing key, so the TPMS_ATTEST is TPM-generated.
  ATTEST_RETURN_IF_ERROR(CheckAkAttributes(ak));
  // Step 3: the signature.
  ATTEST_RETURN_IF_ERROR(VerifyAttestSignature(attest, sig, ak, options));
  // Step 4: freshness, extraData byte-exact.
  if (quote.extra_data.size() != nonce.size() || !ConstantTimeEquals(quote.extra_data, nonce)) {
    return Err(Status::InvalidEvidence("TPM_NONCE_MISMATCH",
                                       "the quote's qualifying data (" +
                                           HexEncode(quote.extra_data) +
                                           ") is not the expected nonce (" + HexEncode(nonce) + ")"));
  }
  // Step 5: the supplied PCR values are the quoted ones.
  if (pcrs != nullptr) ATTEST_RETURN_IF_ERROR(VerifyPcrDigest(quote, sig.hash_alg, *pcrs));
  return quote;
}

}  // namespace attest::evidence::tpm
