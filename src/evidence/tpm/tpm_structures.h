// TPM 2.0 structures the verifier reads: TPMS_ATTEST (quote), TPMT_SIGNATURE, TPMT_PUBLIC.
//
// All unmarshalling goes through tpm2-tss libtss2-mu (spec/tpm.md §10); this file adds what
// libtss2-mu leaves to callers: size caps before unmarshalling, trailing-byte rejection, the
// magic and attestation-type checks, and conversion of the key to an OpenSSL EVP_PKEY.
// Values are plain data; thread-compatible. Functions are thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"
#include "crypto/openssl_ptr.h"

namespace attest::evidence::tpm {

// TPM_ALG_ID values used here (spec/tpm.md §1).
inline constexpr uint16_t kAlgRsa = 0x0001;
inline constexpr uint16_t kAlgSha1 = 0x0004;
inline constexpr uint16_t kAlgSha256 = 0x000B;
inline constexpr uint16_t kAlgSha384 = 0x000C;
inline constexpr uint16_t kAlgSha512 = 0x000D;
inline constexpr uint16_t kAlgNull = 0x0010;
inline constexpr uint16_t kAlgRsassa = 0x0014;
inline constexpr uint16_t kAlgRsapss = 0x0016;
inline constexpr uint16_t kAlgEcdsa = 0x0018;
inline constexpr uint16_t kAlgEcc = 0x0023;

// TPM structures are small (a quote is ~100-200 bytes, a signature <= 520, a public area
// <= ~600); anything larger is refused before unmarshalling.
inline constexpr size_t kMaxTpmStructureSize = 4096;

// Digest size of a hash algorithm, 0 when not a supported hash (SHA-1/256/384/512).
size_t HashSize(uint16_t alg);
// The OpenSSL digest of a hash algorithm, nullptr when unsupported.
const EVP_MD* HashMd(uint16_t alg);
// "sha1", "sha256", "sha384", "sha512"; "" when unsupported.
std::string_view HashName(uint16_t alg);
// The inverse of HashName; nullopt for other names.
std::optional<uint16_t> HashFromName(std::string_view name);
// H_alg(data); empty when `alg` is unsupported.
Bytes Hash(uint16_t alg, ByteSpan data);

struct PcrSelection {
  uint16_t hash = 0;
  std::vector<uint32_t> pcrs;  // ascending (bitmap order)
};

// TPMS_ATTEST of type TPM_ST_ATTEST_QUOTE (spec/tpm.md §2).
struct Quote {
  Bytes qualified_signer;
  Bytes extra_data;
  uint64_t clock = 0;
  uint32_t reset_count = 0;
  uint32_t restart_count = 0;
  bool safe = false;
  uint64_t firmware_version = 0;
  std::vector<PcrSelection> selections;  // in the quote's order
  Bytes pcr_digest;
};

// Parses a bare TPMS_ATTEST (the signed bytes). Reasons: TPM_ATTEST_MALFORMED (size,
// unmarshalling, trailing bytes, selection bitmap), TPM_ATTEST_NOT_QUOTE (magic or type).
StatusOr<Quote> ParseQuote(ByteSpan attest);

// TPMT_SIGNATURE (spec/tpm.md §3).
struct Signature {
  uint16_t sig_alg = 0;   // kAlgRsassa, kAlgRsapss, kAlgEcdsa
  uint16_t hash_alg = 0;  // the scheme's hash
  Bytes rsa;              // RSASSA / RSAPSS signature bytes
  Bytes ecdsa_r;
  Bytes ecdsa_s;
};

// Parses a TPMT_SIGNATURE. Reasons: TPM_SIGNATURE_MALFORMED, TPM_SIGNATURE_SCHEME_UNSUPPORTED
// (ECDAA, SM2, Schnorr, HMAC, NULL, or a hash other than SHA-1/256/384/512).
StatusOr<Signature> ParseSignature(ByteSpan tpmt_signature);
// A raw RSASSA-PKCS1-v1_5 signature (Azure vTPM tooling) as a Signature with `hash_alg`.
Signature RawRsassaSignature(ByteSpan sig, uint16_t hash_alg);

// TPMA_OBJECT bits (spec/tpm.md §4).
inline constexpr uint32_t kAttrFixedTpm = 0x2;
inline constexpr uint32_t kAttrFixedParent = 0x10;
inline constexpr uint32_t kAttrSensitiveDataOrigin = 0x20;
inline constexpr uint32_t kAttrUserWithAuth = 0x40;
inline constexpr uint32_t kAttrRestricted = 0x10000;
inline constexpr uint32_t kAttrDecrypt = 0x20000;
inline constexpr uint32_t kAttrSign = 0x40000;

// An attestation key: its public key and, when it came as a TPMT_PUBLIC, what the TPM says
// about it.
struct AkPublic {
  std::shared_ptr<EVP_PKEY> key;
  // From a TPMT_PUBLIC only:
  std::optional<uint32_t> attributes;
  std::optional<uint16_t> scheme;       // kAlgNull when the key allows any scheme
  std::optional<uint16_t> scheme_hash;  // set when `scheme` is not NULL
  Bytes name;                           // nameAlg ‖ H_nameAlg(TPMT_PUBLIC bytes)
  Bytes auth_policy;                    // the object's authPolicy (empty when none)
};

// Parses a bare TPMT_PUBLIC of an RSA or ECC (P-256/P-384) key. Reason: TPM_AK_MALFORMED.
StatusOr<AkPublic> ParseTpmtPublic(ByteSpan tpmt_public);
// A TPM2B_PUBLIC (the size-prefixed form TPM2_CreatePrimary returns and Microsoft's guest
// clients send as EncKeyPub) or, when its size prefix does not match, a bare TPMT_PUBLIC.
// Reason: TPM_AK_MALFORMED (callers re-code it for other keys).
StatusOr<AkPublic> ParseTpmPublic(ByteSpan tpm2b_or_tpmt_public);
// An AK from an OpenSSL key (SPKI, certificate, JWK): no TPM attributes known.
AkPublic AkFromKey(EVP_PKEY* key);
// DER SubjectPublicKeyInfo of the AK.
Bytes AkSpkiDer(const AkPublic& ak);

// Spec/tpm.md §4: restricted signing key that never leaves the TPM. Reason:
// TPM_AK_ATTRIBUTES_INVALID. Keys without TPM attributes (SPKI, certificate) pass.
Status CheckAkAttributes(const AkPublic& ak);

}  // namespace attest::evidence::tpm
