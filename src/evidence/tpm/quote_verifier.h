// Verification of one TPM 2.0 quote (spec/tpm.md §6 steps 1-5): the reusable core of the Tpm
// protocol, `attestctl verify --type tpm`, and the Azure CVM vTPM quote (which supplies the
// AK from the HCL report and the PCR values from its evidence).
//
// Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <map>

#include "base/bytes.h"
#include "base/status.h"
#include "evidence/tpm/tpm_structures.h"

namespace attest::evidence::tpm {

// PCR values supplied beside a quote (unsigned): bank hash -> PCR index -> value.
using PcrBank = std::map<uint32_t, Bytes>;
using PcrValues = std::map<uint16_t, PcrBank>;

struct QuoteVerifyOptions {
  // Windows and older GCE AKs still sign with SHA-1 (spec/tpm.md §3); a deployment can refuse.
  bool allow_sha1_signatures = true;
};

// spec/tpm.md §3: `sig` over the TPMS_ATTEST bytes by `ak`. The signature's hash must equal
// the AK's scheme hash when the AK has one, and its algorithm must suit the key type.
// Reasons: TPM_SIGNATURE_SCHEME_UNSUPPORTED, TPM_AK_SCHEME_MISMATCH, TPM_QUOTE_SIGNATURE_INVALID.
Status VerifyAttestSignature(ByteSpan attest, const Signature& sig, const AkPublic& ak,
                             const QuoteVerifyOptions& options = {});

// spec/tpm.md §2.2: pcrDigest = H_signing(PCR values, bank by bank in selection order,
// ascending index). Every quoted PCR must be supplied, nothing else may be. Reasons:
// TPM_PCR_VALUES_MISSING, TPM_PCR_VALUES_NOT_QUOTED, TPM_PCR_VALUES_MALFORMED,
// TPM_PCR_DIGEST_MISMATCH.
Status VerifyPcrDigest(const Quote& quote, uint16_t signing_hash, const PcrValues& pcrs);

// The whole of spec/tpm.md §6 steps 1-5 in order: parse, AK attributes, signature,
// extraData == `nonce` (byte-exact; empty nonce = empty qualifying data), then the PCR digest
// when `pcrs` is given (nullptr: the PCR values are unknown and not checked). AK trust
// (step 7, ak_trust.h) and the event log (step 6, event_log.h) are separate. Reasons: those of
// ParseQuote, CheckAkAttributes, VerifyAttestSignature, VerifyPcrDigest and TPM_NONCE_MISMATCH.
StatusOr<Quote> VerifyQuote(ByteSpan attest, const Signature& sig, const AkPublic& ak,
                            ByteSpan nonce, const PcrValues* pcrs,
                            const QuoteVerifyOptions& options = {});

}  // namespace attest::evidence::tpm
