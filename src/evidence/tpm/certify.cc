#include "evidence/tpm/certify.h"

#include <openssl/evp.h>
#include <tss2/tss2_mu.h>

#include <array>
#include <string>

#include "base/encoding.h"
#include "base/reasons.h"

namespace attest::evidence::tpm {
namespace {

constexpr uint32_t kTpmGenerated = 0xFF544347;  // TPM_GENERATED_VALUE
constexpr uint16_t kStAttestCertify = 0x8017;   // TPM_ST_ATTEST_CERTIFY
constexpr uint32_t kCcPolicyPcr = 0x0000017F;   // TPM_CC_PolicyPCR

Status Invalid(const char* reason, std::string message) {
  return Status::InvalidEvidence(reason, std::move(message));
}

Bytes From2b(const uint8_t* data, uint16_t size) { return Bytes(data, data + size); }

void PutBe32(Bytes& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}

// Re-codes a failure of a shared routine under this file's reason, keeping its message.
Status Recode(const Status& s, const char* reason, std::string_view what) {
  return Invalid(reason, std::string(what) + ": " + s.message());
}

}  // namespace

StatusOr<CertifyInfo> ParseCertifyInfo(ByteSpan attest) {
  if (attest.empty() || attest.size() > kMaxTpmStructureSize) {
    return Err(Invalid(reason::kTpmCertifyMalformed,
                       "certify info: " + std::to_string(attest.size()) +
                           " bytes is outside 1.." + std::to_string(kMaxTpmStructureSize)));
  }
  auto a = std::make_unique<TPMS_ATTEST>();
  size_t offset = 0;
  if (Tss2_MU_TPMS_ATTEST_Unmarshal(attest.data(), attest.size(), &offset, a.get()) !=
      TSS2_RC_SUCCESS) {
    return Err(Invalid(reason::kTpmCertifyMalformed, "certify info does not unmarshal"));
  }
  if (offset != attest.size()) {
    return Err(Invalid(reason::kTpmCertifyMalformed,
                       "certify info: " + std::to_string(attest.size() - offset) +
                           " trailing bytes after the structure"));
  }
  if (a->magic != kTpmGenerated || a->type != kStAttestCertify) {
    return Err(Invalid(reason::kTpmCertifyMalformed,
                       "certify info is not a TPM-generated TPM_ST_ATTEST_CERTIFY structure"));
  }
  CertifyInfo out;
  out.qualified_signer = From2b(a->qualifiedSigner.name, a->qualifiedSigner.size);
  out.extra_data = From2b(a->extraData.buffer, a->extraData.size);
  out.name = From2b(a->attested.certify.name.name, a->attested.certify.name.size);
  out.qualified_name =
      From2b(a->attested.certify.qualifiedName.name, a->attested.certify.qualifiedName.size);
  return out;
}

StatusOr<Bytes> PolicyPcrDigest(uint16_t policy_hash, ByteSpan quote_attest,
                                const PcrValues& pcrs) {
  if (HashSize(policy_hash) == 0) {
    return Err(Invalid("TPM_SIGNATURE_SCHEME_UNSUPPORTED",
                       "policy hash algorithm " + std::to_string(policy_hash) + " is not supported"));
  }
  ATTEST_ASSIGN_OR_RETURN(Quote quote, ParseQuote(quote_attest));
  // The selection exactly as the quote marshals it (ParseQuote has validated the structure).
  auto a = std::make_unique<TPMS_ATTEST>();
  size_t offset = 0;
  if (Tss2_MU_TPMS_ATTEST_Unmarshal(quote_attest.data(), quote_attest.size(), &offset, a.get()) !=
      TSS2_RC_SUCCESS) {
    return Err(Invalid("TPM_ATTEST_MALFORMED", "quote does not unmarshal"));
  }
  std::array<uint8_t, sizeof(TPML_PCR_SELECTION)> selection{};
  size_t selection_size = 0;
  if (Tss2_MU_TPML_PCR_SELECTION_Marshal(&a->attested.quote.pcrSelect, selection.data(),
                                         selection.size(), &selection_size) != TSS2_RC_SUCCESS) {
    return Err(Status::Internal("TPML_PCR_SELECTION does not marshal"));
  }
  Bytes values;
  for (const PcrSelection& sel : quote.selections) {
    auto bank = pcrs.find(sel.hash);
    for (uint32_t index : sel.pcrs) {
      if (bank == pcrs.end() || !bank->second.contains(index)) {
        return Err(Invalid("TPM_PCR_VALUES_MISSING",
                           "no value for quoted PCR " + std::to_string(index) + " of bank " +
                               std::string(HashName(sel.hash))));
      }
      const Bytes& v = bank->second.at(index);
      values.insert(values.end(), v.begin(), v.end());
    }
  }
  Bytes message(HashSize(policy_hash), 0);  // the policy digest of a fresh session
  PutBe32(message, kCcPolicyPcr);
  message.insert(message.end(), selection.begin(), selection.begin() + selection_size);
  Bytes pcr_digest = Hash(policy_hash, values);
  message.insert(message.end(), pcr_digest.begin(), pcr_digest.end());
  return Hash(policy_hash, message);
}

StatusOr<CertifiedKey> VerifyPcrBoundEncryptionKey(ByteSpan enc_key_public,
                                                   ByteSpan certify_info,
                                                   const Signature& certify_signature,
                                                   const AkPublic& ak, ByteSpan quote_attest,
                                                   const PcrValues& pcrs,
                                                   const QuoteVerifyOptions& options) {
  auto parsed = ParseTpmPublic(enc_key_public);
  if (!parsed.has_value()) {
    return Err(Recode(parsed.error(), reason::kTpmEncKeyMalformed, "EncKeyPub"));
  }
  AkPublic key = std::move(*parsed);
  if (EVP_PKEY_get_base_id(key.key.get()) != EVP_PKEY_RSA || EVP_PKEY_get_bits(key.key.get()) < 2048) {
    return Err(Invalid(reason::kTpmEncKeyMalformed,
                       "EncKeyPub must be an RSA key of at least 2048 bits"));
  }
  if (key.name.size() < 2) {
    return Err(Invalid(reason::kTpmEncKeyMalformed, "EncKeyPub has an unsupported name hash"));
  }
  constexpr uint32_t kRequired =
      kAttrDecrypt | kAttrFixedTpm | kAttrFixedParent | kAttrSensitiveDataOrigin;
  constexpr uint32_t kForbidden = kAttrSign | kAttrRestricted | kAttrUserWithAuth;
  const uint32_t attrs = key.attributes.value_or(0);
  if ((attrs & kRequired) != kRequired || (attrs & kForbidden) != 0) {
    return Err(Invalid(reason::kTpmEncKeyAttributesInvalid,
                       "EncKeyPub attributes 0x" + HexEncode(Bytes{static_cast<uint8_t>(attrs >> 24),
                                                                    static_cast<uint8_t>(attrs >> 16),
                                                                    static_cast<uint8_t>(attrs >> 8),
                                                                    static_cast<uint8_t>(attrs)}) +
                           " are not those of a TPM-resident decryption key usable only through "
                           "its policy (decrypt, fixedTPM, fixedParent, sensitiveDataOrigin set; "
                           "sign, restricted, userWithAuth clear)"));
  }

  ATTEST_ASSIGN_OR_RETURN(CertifyInfo info, ParseCertifyInfo(certify_info));
  if (Status s = VerifyAttestSignature(certify_info, certify_signature, ak, options); !s.ok()) {
    return Err(Recode(s, reason::kTpmCertifySignatureInvalid, "EncKeyCertifyInfoSignature"));
  }
  if (info.name != key.name) {
    return Err(Invalid(reason::kTpmCertifyNameMismatch,
                       "the AK certified the object named " + HexEncode(info.name) +
                           ", not EncKeyPub (" + HexEncode(key.name) + ")"));
  }

  const uint16_t name_alg = static_cast<uint16_t>((key.name[0] << 8) | key.name[1]);
  ATTEST_ASSIGN_OR_RETURN(Bytes expected, PolicyPcrDigest(name_alg, quote_attest, pcrs));
  if (key.auth_policy != expected) {
    return Err(Invalid(reason::kTpmEncKeyPolicyMismatch,
                       "EncKeyPub's authPolicy " + HexEncode(key.auth_policy) +
                           " is not PolicyPCR over the quoted PCRs (" + HexEncode(expected) + ")"));
  }
  return CertifiedKey{key.key, key.name};
}

}  // namespace attest::evidence::tpm
