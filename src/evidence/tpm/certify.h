// A TPM key certified by the attestation key and bound to the quoted PCRs: the ephemeral
// encryption key of Azure guest attestation (maa-real-clients.md §3), to which attestd seals
// its answer so that only the TPM, in the attested state, can read it.
//
// The guest creates an RSA decryption key whose authPolicy is TPM2_PolicyPCR over the PCRs it
// quotes, certifies it with the AK (TPM2_Certify, TPMS_ATTEST of type TPM_ST_ATTEST_CERTIFY),
// and sends the public area, the certify info and its signature. Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <memory>

#include "base/bytes.h"
#include "base/status.h"
#include "evidence/tpm/quote_verifier.h"
#include "evidence/tpm/tpm_structures.h"

namespace attest::evidence::tpm {

// TPMS_ATTEST of type TPM_ST_ATTEST_CERTIFY (TPM 2.0 Part 2, 10.12.3).
struct CertifyInfo {
  Bytes qualified_signer;
  Bytes extra_data;
  Bytes name;            // the certified object's Name
  Bytes qualified_name;
};

// Parses a bare TPMS_ATTEST of type certify. Reason: TPM_CERTIFY_MALFORMED (size,
// unmarshalling, trailing bytes, magic, type).
StatusOr<CertifyInfo> ParseCertifyInfo(ByteSpan attest);

// TPM 2.0 Part 3, 23.7 (TPM2_PolicyPCR) from an empty policy:
//   H(0…0 ‖ TPM_CC_PolicyPCR ‖ TPML_PCR_SELECTION ‖ H(PCR values in selection order))
// with H = `policy_hash`, over the PCR selection of the quote `quote_attest` (marshalled as the
// quote carries it) and the values `pcrs`, every one of which must be given. Reasons: those of
// ParseQuote, TPM_PCR_VALUES_MISSING, TPM_SIGNATURE_SCHEME_UNSUPPORTED (policy hash).
StatusOr<Bytes> PolicyPcrDigest(uint16_t policy_hash, ByteSpan quote_attest,
                                const PcrValues& pcrs);

struct CertifiedKey {
  std::shared_ptr<EVP_PKEY> key;  // RSA public key to encrypt to
  Bytes name;                     // its TPM Name
};

// Everything that makes `enc_key_public` (TPM2B_PUBLIC or TPMT_PUBLIC) safe to seal to:
//  - an RSA key of at least 2048 bits that only decrypts and never leaves this TPM (decrypt,
//    fixedTPM, fixedParent, sensitiveDataOrigin set; sign, restricted clear) and that cannot be
//    used with its auth value (userWithAuth clear), so its policy is the only way to use it;
//  - certified by `ak`: `certify_signature` over `certify_info` verifies with the AK, and the
//    certify info names exactly this key;
//  - its authPolicy is PolicyPCR over the quote's PCR selection with the values `pcrs`
//    (already checked against the quote's digest by the caller), in the key's name hash.
// Reasons: TPM_ENC_KEY_MALFORMED, TPM_ENC_KEY_ATTRIBUTES_INVALID, TPM_CERTIFY_MALFORMED,
// TPM_CERTIFY_SIGNATURE_INVALID, TPM_CERTIFY_NAME_MISMATCH, TPM_ENC_KEY_POLICY_MISMATCH.
StatusOr<CertifiedKey> VerifyPcrBoundEncryptionKey(ByteSpan enc_key_public,
                                                   ByteSpan certify_info,
                                                   const Signature& certify_signature,
                                                   const AkPublic& ak, ByteSpan quote_attest,
                                                   const PcrValues& pcrs,
                                                   const QuoteVerifyOptions& options = {});

}  // namespace attest::evidence::tpm
