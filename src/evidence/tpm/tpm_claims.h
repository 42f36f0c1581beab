// The incoming claims of a verified TPM attestation (spec/tpm.md §11,
// spec/maa-policy-language.md §7.2, §7.4; documented in docs/claims.md).
#pragma once

#include <vector>

#include "claims/claim.h"
#include "evidence/tpm/ak_trust.h"
#include "evidence/tpm/event_log.h"
#include "evidence/tpm/quote_verifier.h"
#include "evidence/tpm/sipa.h"

namespace attest::evidence::tpm {

// `pcrs`: the values the quote(s) vouched for (may be empty when none were supplied).
// `log`: a parsed event log that CompareReplay accepted against `pcrs`, or nullptr.
claims::ClaimSet TpmClaims(const AkPublic& ak, AkTrustMode trust, const PcrValues& pcrs,
                           const EventLog* log);

// The Windows boot state of a log CompareReplay accepted against `pcrs` (sipa.h), read in the
// bank the log is judged in. Unusable (present == false, `reason` set) when a PCR holding
// Windows boot events was not quoted, so its events were never checked against the TPM.
WindowsBootState VerifiedWindowsBootState(const EventLog& log, const PcrValues& pcrs);

}  // namespace attest::evidence::tpm
