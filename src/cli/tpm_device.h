// A TPM reached through tpm2-tss ESAPI (a TCTI string: "swtpm:port=2321", "device:/dev/tpmrm0"),
// for attestctl's TPM clients: /attest/Tpm (tpm_attest_command.cc) and Azure guest
// attestation (azure_guest_command.cc). Owns its TCTI/ESAPI contexts and transient handles.
// Not thread-safe.
#pragma once

#include <tss2/tss2_esys.h>

#include <string>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"
#include "evidence/tpm/quote_verifier.h"

namespace attest::cli {

class TpmDevice {
 public:
  TpmDevice() = default;
  TpmDevice(const TpmDevice&) = delete;
  TpmDevice& operator=(const TpmDevice&) = delete;
  ~TpmDevice();

  Status Open(const std::string& tcti);

  // The endorsement-hierarchy primary AK of a fixed restricted RSA-2048 RSASSA-SHA256
  // template (spec/tpm.md §4): the same TPM yields the same AK on every run.
  Status CreateAk();
  // The AK persisted at `handle` (Azure: 0x81000003); created and persisted there first when
  // `create` and the handle is empty.
  Status UsePersistentAk(TPM2_HANDLE handle, bool create);
  // The AK's TPMT_PUBLIC and TPM2B_PUBLIC.
  const Bytes& ak_public() const { return ak_public_; }
  Bytes ak_tpm2b_public() const;

  // Quote of the sha256 `pcrs` over `nonce`: (TPMS_ATTEST bytes, TPMT_SIGNATURE bytes).
  StatusOr<std::pair<Bytes, Bytes>> Quote(ByteSpan nonce, const std::vector<uint32_t>& pcrs);
  // sha256 values of `pcrs` (PCR_Read answers at most 8 per call).
  StatusOr<evidence::tpm::PcrBank> ReadPcrs(const std::vector<uint32_t>& pcrs);

  // NV index contents (owner auth); NOT_FOUND-like Unavailable when undefined.
  StatusOr<Bytes> NvRead(TPM2_HANDLE index);
  // (Re)defines `index` (owner read/write) with `data`'s size and writes it.
  Status NvWrite(TPM2_HANDLE index, ByteSpan data);

  // Microsoft's ephemeral encryption key (maa-real-clients.md §3): an RSA-2048 decryption
  // primary in the NULL hierarchy whose authPolicy is PolicyPCR over the sha256 `pcrs` with
  // their current values (no policy when `bind_to_pcrs` is false: tests of refusal). Returns
  // its TPM2B_PUBLIC; the key stays loaded for Certify and Decrypt.
  StatusOr<Bytes> CreateEphemeralKey(const std::vector<uint32_t>& pcrs, bool bind_to_pcrs = true);
  // TPM2_Certify of the ephemeral key by the AK: (TPMS_ATTEST bytes, raw RSASSA signature).
  StatusOr<std::pair<Bytes, Bytes>> CertifyEphemeralKey();
  // TPM2_RSA_Decrypt (RSAES) with the ephemeral key in a PolicyPCR session over `pcrs`.
  StatusOr<Bytes> DecryptWithEphemeralKey(const std::vector<uint32_t>& pcrs, ByteSpan ciphertext);

 private:
  StatusOr<Bytes> PolicyPcrSession(ESYS_TR* session, TPM2_SE type,
                                   const std::vector<uint32_t>& pcrs);
  Status LoadAkPublic();

  TSS2_TCTI_CONTEXT* tcti_ = nullptr;
  ESYS_CONTEXT* esys_ = nullptr;
  ESYS_TR ak_ = ESYS_TR_NONE;
  bool ak_transient_ = false;
  ESYS_TR ephemeral_ = ESYS_TR_NONE;
  Bytes ak_public_;
};

// A sha256 TPML_PCR_SELECTION of `pcrs` (sizeofSelect 3).
TPML_PCR_SELECTION Sha256Selection(const std::vector<uint32_t>& pcrs);

}  // namespace attest::cli
