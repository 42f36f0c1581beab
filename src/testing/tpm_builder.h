// Test-only TPM material: attestation keys (RSA-2048, P-256, P-384) with their TPMT_PUBLIC,
// quotes (TPMS_ATTEST marshalled by libtss2-mu) signed with RSASSA / RSAPSS / ECDSA as a
// TPMT_SIGNATURE, and crypto-agile / legacy TCG event logs whose replay is known. Every field
// can be spoiled, so each rejection reason of evidence/tpm/ has a test.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/evp.h>

#include "base/bytes.h"
#include "evidence/tpm/quote_verifier.h"

namespace attest::testing {

class TpmTestKey {
 public:
  enum class Kind { kRsa2048, kEccP256, kEccP384 };
  // `scheme` (kAlgRsassa, kAlgRsapss, kAlgEcdsa or kAlgNull) and `hash` go into the
  // TPMT_PUBLIC; `attributes` default to a restricted TPM-resident signing key.
  static TpmTestKey Generate(Kind kind, uint16_t scheme, uint16_t hash,
                             uint32_t attributes = 0x00050072, Bytes auth_policy = {});
  // The ephemeral encryption key of Azure guest attestation: RSA-2048, no scheme, decrypt,
  // fixedTPM, fixedParent, sensitiveDataOrigin, noDA (Microsoft's template) and `auth_policy`.
  static TpmTestKey EncryptionKey(Bytes auth_policy, uint32_t attributes = 0x00020432);

  EVP_PKEY* get() const { return key_.get(); }
  const Bytes& tpmt_public() const { return tpmt_public_; }
  // TPM2B_PUBLIC: the size-prefixed public area.
  Bytes tpm2b_public() const;
  // nameAlg (SHA-256) ‖ SHA-256(TPMT_PUBLIC).
  Bytes Name() const;
  Bytes SpkiDer() const;
  // A TPMT_SIGNATURE with `sig_alg`/`hash` over `data`.
  Bytes Sign(ByteSpan data, uint16_t sig_alg, uint16_t hash) const;

 private:
  std::shared_ptr<EVP_PKEY> key_;
  Bytes tpmt_public_;
};

struct TpmQuoteSpec {
  Bytes nonce;
  // Banks and PCRs to quote, and their values (the digest is computed over them).
  evidence::tpm::PcrValues pcrs;
  uint16_t digest_hash = evidence::tpm::kAlgSha256;  // the signing hash, spec/tpm.md §2.2
  uint32_t magic = 0xFF544347;
  uint16_t type = 0x8018;
};

// A marshalled TPMS_ATTEST per `spec`.
Bytes BuildQuote(const TpmQuoteSpec& spec);

// A marshalled TPMS_ATTEST of type TPM_ST_ATTEST_CERTIFY naming `certified_name`.
Bytes BuildCertifyInfo(ByteSpan certified_name, uint32_t magic = 0xFF544347,
                       uint16_t type = 0x8017);

// A crypto-agile event log (Spec ID event for `banks`), each event extending `pcr` with
// H_bank(data) in every bank, and its replay.
struct TestEvent {
  uint32_t pcr;
  uint32_t type;
  Bytes data;
};
Bytes BuildAgileEventLog(const std::vector<uint16_t>& banks, const std::vector<TestEvent>& events,
                         int startup_locality = -1);
Bytes BuildLegacyEventLog(const std::vector<TestEvent>& events);
// UEFI_VARIABLE_DATA: the 16 GUID bytes as stored, the name, the value.
Bytes UefiVariableData(const Bytes& guid, std::u16string_view name, const Bytes& value);
// UEFI_VARIABLE_DATA for the SecureBoot variable (EFI global GUID) with `value`.
Bytes SecureBootVariable(Bytes value);
// The stored bytes of EFI_IMAGE_SECURITY_DATABASE_GUID (db, dbx).
Bytes ImageSecurityDatabaseGuid();

}  // namespace attest::testing
