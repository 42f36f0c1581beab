#include "cli/tpm_device.h"

#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#include <cstring>

#include "crypto/digest.h"

namespace attest::cli {
namespace {

Status TpmError(std::string_view what, TSS2_RC rc) {
  return Status::Unavailable("TPM_ERROR", std::string(what) + ": " + Tss2_RC_Decode(rc));
}

constexpr uint16_t kNvChunk = 512;

}  // namespace

TPML_PCR_SELECTION Sha256Selection(const std::vector<uint32_t>& pcrs) {
  TPML_PCR_SELECTION sel{};
  sel.count = 1;
  sel.pcrSelections[0].hash = TPM2_ALG_SHA256;
  sel.pcrSelections[0].sizeofSelect = 3;
  for (uint32_t i : pcrs) {
    if (i < 24) sel.pcrSelections[0].pcrSelect[i / 8] |= static_cast<uint8_t>(1u << (i % 8));
  }
  return sel;
}

TpmDevice::~TpmDevice() {
  if (esys_ != nullptr && ephemeral_ != ESYS_TR_NONE) Esys_FlushContext(esys_, ephemeral_);
  if (esys_ != nullptr && ak_ != ESYS_TR_NONE && ak_transient_) Esys_FlushContext(esys_, ak_);
  if (esys_ != nullptr) Esys_Finalize(&esys_);
  if (tcti_ != nullptr) Tss2_TctiLdr_Finalize(&tcti_);
}

Status TpmDevice::Open(const std::string& tcti) {
  TSS2_RC rc = Tss2_TctiLdr_Initialize(tcti.c_str(), &tcti_);
  if (rc != TSS2_RC_SUCCESS) return TpmError("TCTI " + tcti, rc);
  rc = Esys_Initialize(&esys_, tcti_, nullptr);
  if (rc != TSS2_RC_SUCCESS) return TpmError("Esys_Initialize", rc);
  rc = Esys_Startup(esys_, TPM2_SU_CLEAR);
  if (rc != TSS2_RC_SUCCESS && rc != TPM2_RC_INITIALIZE) return TpmError("Esys_Startup", rc);
  return Status::Ok();
}

Status TpmDevice::CreateAk() {
  TPM2B_SENSITIVE_CREATE sensitive{};
  TPM2B_PUBLIC in{};
  in.publicArea.type = TPM2_ALG_RSA;
  in.publicArea.nameAlg = TPM2_ALG_SHA256;
  in.publicArea.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                                   TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
                                   TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT;
  in.publicArea.parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
  in.publicArea.parameters.rsaDetail.scheme.scheme = TPM2_ALG_RSASSA;
  in.publicArea.parameters.rsaDetail.scheme.details.rsassa.hashAlg = TPM2_ALG_SHA256;
  in.publicArea.parameters.rsaDetail.keyBits = 2048;
  TPM2B_DATA outside{};
  TPML_PCR_SELECTION creation_pcr{};
  TPM2B_PUBLIC* out = nullptr;
  TPM2B_CREATION_DATA* creation = nullptr;
  TPM2B_DIGEST* hash = nullptr;
  TPMT_TK_CREATION* ticket = nullptr;
  TSS2_RC rc = Esys_CreatePrimary(esys_, ESYS_TR_RH_ENDORSEMENT, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                  ESYS_TR_NONE, &sensitive, &in, &outside, &creation_pcr, &ak_,
                                  &out, &creation, &hash, &ticket);
  if (rc != TSS2_RC_SUCCESS) return TpmError("Esys_CreatePrimary (AK)", rc);
  ak_transient_ = true;
  Esys_Free(out);
  Esys_Free(creation);
  Esys_Free(hash);
  Esys_Free(ticket);
  return LoadAkPublic();
}

Status TpmDevice::UsePersistentAk(TPM2_HANDLE handle, bool create) {
  ESYS_TR persistent = ESYS_TR_NONE;
  TSS2_RC rc = Esys_TR_FromTPMPublic(esys_, handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                     &persistent);
  if (rc != TSS2_RC_SUCCESS) {
    if (!create) return TpmError("no AK at the persistent handle", rc);
    ATTEST_RETURN_IF_ERROR(CreateAk());
    rc = Esys_EvictControl(esys_, ESYS_TR_RH_OWNER, ak_, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                           ESYS_TR_NONE, handle, &persistent);
    if (rc != TSS2_RC_SUCCESS) return TpmError("Esys_EvictControl (persist the AK)", rc);
    Esys_FlushContext(esys_, ak_);
  }
  ak_ = persistent;
  ak_transient_ = false;
  return LoadAkPublic();
}

Status TpmDevice::LoadAkPublic() {
  TPM2B_PUBLIC* out = nullptr;
  TPM2B_NAME* name = nullptr;
  TPM2B_NAME* qualified = nullptr;
  TSS2_RC rc = Esys_ReadPublic(esys_, ak_, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &out, &name,
                               &qualified);
  if (rc != TSS2_RC_SUCCESS) return TpmError("Esys_ReadPublic (AK)", rc);
  uint8_t buf[sizeof(TPMT_PUBLIC)];
  size_t off = 0;
  rc = Tss2_MU_TPMT_PUBLIC_Marshal(&out->publicArea, buf, sizeof buf, &off);
  Esys_Free(out);
  Esys_Free(name);
  Esys_Free(qualified);
  if (rc != TSS2_RC_SUCCESS) return TpmError("marshal AK public", rc);
  ak_public_.assign(buf, buf + off);
  return Status::Ok();
}

Bytes TpmDevice::ak_tpm2b_public() const {
  Bytes out = {static_cast<uint8_t>(ak_public_.size() >> 8),
               static_cast<uint8_t>(ak_public_.size() & 0xff)};
  out.insert(out.end(), ak_public_.begin(), ak_public_.end());
  return out;
}

StatusOr<std::pair<Bytes, Bytes>> TpmDevice::Quote(ByteSpan nonce,
                                                   const std::vector<uint32_t>& pcrs) {
  TPM2B_DATA qualifying{};
  if (nonce.size() > sizeof qualifying.buffer) return Err(Status::Internal("nonce too long"));
  qualifying.size = static_cast<uint16_t>(nonce.size());
  if (!nonce.empty()) {  // Azure guests quote with empty qualifying data
    std::memcpy(qualifying.buffer, nonce.data(), nonce.size());
  }
  TPMT_SIG_SCHEME scheme{};
  scheme.scheme = TPM2_ALG_NULL;  // the AK's own scheme
  TPML_PCR_SELECTION sel = Sha256Selection(pcrs);
  TPM2B_ATTEST* quoted = nullptr;
  TPMT_SIGNATURE* sig = nullptr;
  TSS2_RC rc = Esys_Quote(esys_, ak_, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &qualifying,
                          &scheme, &sel, &quoted, &sig);
  if (rc != TSS2_RC_SUCCESS) return Err(TpmError("Esys_Quote", rc));
  Bytes attest(quoted->attestationData, quoted->attestationData + quoted->size);
  uint8_t buf[sizeof(TPMT_SIGNATURE)];
  size_t off = 0;
  rc = Tss2_MU_TPMT_SIGNATURE_Marshal(sig, buf, sizeof buf, &off);
  Esys_Free(quoted);
  Esys_Free(sig);
  if (rc != TSS2_RC_SUCCESS) return Err(TpmError("marshal signature", rc));
  return std::make_pair(std::move(attest), Bytes(buf, buf + off));
}

StatusOr<evidence::tpm::PcrBank> TpmDevice::ReadPcrs(const std::vector<uint32_t>& pcrs) {
  evidence::tpm::PcrBank out;
  TPML_PCR_SELECTION want = Sha256Selection(pcrs);
  for (int round = 0; round < 8 && out.size() < pcrs.size(); ++round) {
    UINT32 counter = 0;
    TPML_PCR_SELECTION* got = nullptr;
    TPML_DIGEST* values = nullptr;
    TSS2_RC rc = Esys_PCR_Read(esys_, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &want, &counter,
                               &got, &values);
    if (rc != TSS2_RC_SUCCESS) return Err(TpmError("Esys_PCR_Read", rc));
    size_t v = 0;
    for (uint32_t s = 0; s < got->count; ++s) {
      for (uint32_t i = 0; i < 24 && v < values->count; ++i) {
        if (got->pcrSelections[s].pcrSelect[i / 8] & (1u << (i % 8))) {
          out[i] = Bytes(values->digests[v].buffer,
                         values->digests[v].buffer + values->digests[v].size);
          want.pcrSelections[0].pcrSelect[i / 8] &= static_cast<uint8_t>(~(1u << (i % 8)));
          ++v;
        }
      }
    }
    Esys_Free(got);
    Esys_Free(values);
    if (v == 0) break;
  }
  if (out.size() != pcrs.size()) {
    return Err(Status::Unavailable("TPM_ERROR", "the TPM has no sha256 PCR bank"));
  }
  return out;
}

StatusOr<Bytes> TpmDevice::NvRead(TPM2_HANDLE index) {
  ESYS_TR nv = ESYS_TR_NONE;
  TSS2_RC rc = Esys_TR_FromTPMPublic(esys_, index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &nv);
  if (rc != TSS2_RC_SUCCESS) return Err(TpmError("NV index not defined", rc));
  TPM2B_NV_PUBLIC* pub = nullptr;
  TPM2B_NAME* name = nullptr;
  rc = Esys_NV_ReadPublic(esys_, nv, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, &name);
  if (rc != TSS2_RC_SUCCESS) return Err(TpmError("Esys_NV_ReadPublic", rc));
  const uint16_t size = pub->nvPublic.dataSize;
  Esys_Free(pub);
  Esys_Free(name);
  Bytes out;
  for (uint16_t offset = 0; offset < size;) {
    const uint16_t chunk = std::min<uint16_t>(kNvChunk, static_cast<uint16_t>(size - offset));
    TPM2B_MAX_NV_BUFFER* data = nullptr;
    rc = Esys_NV_Read(esys_, ESYS_TR_RH_OWNER, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                      chunk, offset, &data);
    if (rc != TSS2_RC_SUCCESS) return Err(TpmError("Esys_NV_Read", rc));
    out.insert(out.end(), data->buffer, data->buffer + data->size);
    Esys_Free(data);
    offset = static_cast<uint16_t>(offset + chunk);
  }
  return out;
}

Status TpmDevice::NvWrite(TPM2_HANDLE index, ByteSpan data) {
  if (data.size() > UINT16_MAX) return Status::Internal("NV data too large");
  ESYS_TR nv = ESYS_TR_NONE;
  if (Esys_TR_FromTPMPublic(esys_, index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &nv) ==
      TSS2_RC_SUCCESS) {
    TSS2_RC rc = Esys_NV_UndefineSpace(esys_, ESYS_TR_RH_OWNER, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                       ESYS_TR_NONE);
    if (rc != TSS2_RC_SUCCESS) return TpmError("Esys_NV_UndefineSpace", rc);
  }
  TPM2B_AUTH auth{};
  TPM2B_NV_PUBLIC info{};
  info.nvPublic.nvIndex = index;
  info.nvPublic.nameAlg = TPM2_ALG_SHA256;
  info.nvPublic.attributes =
      TPMA_NV_OWNERREAD | TPMA_NV_OWNERWRITE | TPMA_NV_AUTHREAD | TPMA_NV_AUTHWRITE;
  info.nvPublic.dataSize = static_cast<uint16_t>(data.size());
  TSS2_RC rc = Esys_NV_DefineSpace(esys_, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                   ESYS_TR_NONE, &auth, &info, &nv);
  if (rc != TSS2_RC_SUCCESS) return TpmError("Esys_NV_DefineSpace", rc);
  for (size_t offset = 0; offset < data.size();) {
    const size_t chunk = std::min<size_t>(kNvChunk, data.size() - offset);
    TPM2B_MAX_NV_BUFFER buf{};
    buf.size = static_cast<uint16_t>(chunk);
    std::memcpy(buf.buffer, data.data() + offset, chunk);
    rc = Esys_NV_Write(esys_, ESYS_TR_RH_OWNER, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                       &buf, static_cast<uint16_t>(offset));
    if (rc != TSS2_RC_SUCCESS) return TpmError("Esys_NV_Write", rc);
    offset += chunk;
  }
  return Status::Ok();
}

StatusOr<Bytes> TpmDevice::PolicyPcrSession(ESYS_TR* session, TPM2_SE type,
                                            const std::vector<uint32_t>& pcrs) {
  TPMT_SYM_DEF symmetric{};
  symmetric.algorithm = TPM2_ALG_NULL;
  TSS2_RC rc = Esys_StartAuthSession(esys_, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                     ESYS_TR_NONE, ESYS_TR_NONE, nullptr, type, &symmetric,
                                     TPM2_ALG_SHA256, session);
  if (rc != TSS2_RC_SUCCESS) return Err(TpmError("Esys_StartAuthSession", rc));
  ATTEST_ASSIGN_OR_RETURN(evidence::tpm::PcrBank values, ReadPcrs(pcrs));
  Bytes concatenated;
  for (const auto& [index, value] : values) concatenated.insert(concatenated.end(), value.begin(), value.end());
  crypto::Sha256Digest digest = crypto::Sha256(concatenated);
  TPM2B_DIGEST pcr_digest{};
  pcr_digest.size = static_cast<uint16_t>(digest.size());
  std::memcpy(pcr_digest.buffer, digest.data(), digest.size());
  TPML_PCR_SELECTION sel = Sha256Selection(pcrs);
  rc = Esys_PolicyPCR(esys_, *session, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pcr_digest, &sel);
  if (rc != TSS2_RC_SUCCESS) return Err(TpmError("Esys_PolicyPCR", rc));
  TPM2B_DIGEST* policy = nullptr;
  rc = Esys_PolicyGetDigest(esys_, *session, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &policy);
  if (rc != TSS2_RC_SUCCESS) return Err(TpmError("Esys_PolicyGetDigest", rc));
  Bytes out(policy->buffer, policy->buffer + policy->size);
  Esys_Free(policy);
  return out;
}

StatusOr<Bytes> TpmDevice::CreateEphemeralKey(const std::vector<uint32_t>& pcrs, bool bind_to_pcrs) {
  TPM2B_PUBLIC in{};
  in.publicArea.type = TPM2_ALG_RSA;
  in.publicArea.nameAlg = TPM2_ALG_SHA256;
  in.publicArea.objectAttributes = TPMA_OBJECT_DECRYPT | TPMA_OBJECT_FIXEDTPM |
                                   TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |
                                   TPMA_OBJECT_NODA;
  in.publicArea.parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
  in.publicArea.parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
  in.publicArea.parameters.rsaDetail.keyBits = 2048;
  if (bind_to_pcrs) {
    ESYS_TR trial = ESYS_TR_NONE;
    auto policy = PolicyPcrSession(&trial, TPM2_SE_TRIAL, pcrs);
    if (trial != ESYS_TR_NONE) Esys_FlushContext(esys_, trial);
    if (!policy) return Err(policy.error());
    in.publicArea.authPolicy.size = static_cast<uint16_t>(policy->size());
    std::memcpy(in.publicArea.authPolicy.buffer, policy->data(), policy->size());
  }  // else: no policy at all (tests of refusal); the key is then unusable for decryption
  TPM2B_SENSITIVE_CREATE sensitive{};
  TPM2B_DATA outside{};
  TPML_PCR_SELECTION creation_pcr{};
  TPM2B_PUBLIC* out = nullptr;
  TPM2B_CREATION_DATA* creation = nullptr;
  TPM2B_DIGEST* hash = nullptr;
  TPMT_TK_CREATION* ticket = nullptr;
  TSS2_RC rc = Esys_CreatePrimary(esys_, ESYS_TR_RH_NULL, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                  ESYS_TR_NONE, &sensitive, &in, &outside, &creation_pcr,
                                  &ephemeral_, &out, &creation, &hash, &ticket);
  if (rc != TSS2_RC_SUCCESS) return Err(TpmError("Esys_CreatePrimary (ephemeral key)", rc));
  uint8_t buf[sizeof(TPM2B_PUBLIC)];
  size_t off = 0;
  rc = Tss2_MU_TPM2B_PUBLIC_Marshal(out, buf, sizeof buf, &off);
  Esys_Free(out);
  Esys_Free(creation);
  Esys_Free(hash);
  Esys_Free(ticket);
  if (rc != TSS2_RC_SUCCESS) return Err(TpmError("marshal ephemeral key", rc));
  return Bytes(buf, buf + off);
}

StatusOr<std::pair<Bytes, Bytes>> TpmDevice::CertifyEphemeralKey() {
  TPM2B_DATA qualifying{};
  TPMT_SIG_SCHEME scheme{};
  scheme.scheme = TPM2_ALG_NULL;
  TPM2B_ATTEST* info = nullptr;
  TPMT_SIGNATURE* sig = nullptr;
  TSS2_RC rc = Esys_Certify(esys_, ephemeral_, ak_, ESYS_TR_PASSWORD, ESYS_TR_PASSWORD,
                            ESYS_TR_NONE, &qualifying, &scheme, &info, &sig);
  if (rc != TSS2_RC_SUCCESS) return Err(TpmError("Esys_Certify", rc));
  Bytes attest(info->attestationData, info->attestationData + info->size);
  Bytes raw(sig->signature.rsassa.sig.buffer,
            sig->signature.rsassa.sig.buffer + sig->signature.rsassa.sig.size);
  Esys_Free(info);
  Esys_Free(sig);
  return std::make_pair(std::move(attest), std::move(raw));
}

StatusOr<Bytes> TpmDevice::DecryptWithEphemeralKey(const std::vector<uint32_t>& pcrs,
                                                   ByteSpan ciphertext) {
  TPM2B_PUBLIC_KEY_RSA cipher{};
  if (ciphertext.size() > sizeof cipher.buffer) {
    return Err(Status::InvalidArgument("SEALED_ANSWER_INVALID", "EncryptedInnerKey is too long"));
  }
  cipher.size = static_cast<uint16_t>(ciphertext.size());
  if (!ciphertext.empty()) {
    std::memcpy(cipher.buffer, ciphertext.data(), ciphertext.size());
  }
  ESYS_TR session = ESYS_TR_NONE;
  auto policy = PolicyPcrSession(&session, TPM2_SE_POLICY, pcrs);
  if (!policy) {
    if (session != ESYS_TR_NONE) Esys_FlushContext(esys_, session);
    return Err(policy.error());
  }
  TPMT_RSA_DECRYPT scheme{};
  scheme.scheme = TPM2_ALG_RSAES;
  TPM2B_DATA label{};
  TPM2B_PUBLIC_KEY_RSA* message = nullptr;
  TSS2_RC rc = Esys_RSA_Decrypt(esys_, ephemeral_, session, ESYS_TR_NONE, ESYS_TR_NONE, &cipher,
                                &scheme, &label, &message);
  if (rc != TSS2_RC_SUCCESS) {
    Esys_FlushContext(esys_, session);
    return Err(TpmError("Esys_RSA_Decrypt (the PCRs may have changed)", rc));
  }
  Bytes out(message->buffer, message->buffer + message->size);
  Esys_Free(message);
  return out;
}

}  // namespace attest::cli
