// The MAA SevSnpVm evidence document (spec/maa-rest-api.md §4.4, amd-sev-snp.md §9.1):
// `report` decodes to JSON {"SnpReport": b64url(report), "VcekCertChain": b64url(PEM VCEK ‖
// ASK ‖ ARK), "Endorsements": b64url(JSON {"Uvm": [b64url(COSE_Sign1), ...]})?}.
// Parsed leniently (whitespace, member-name case, base64 or base64url, missing chain).
// A blob that is not JSON is taken as a raw report (attestctl verify, tests).
#pragma once

#include <vector>

#include "base/bytes.h"
#include "base/status.h"

namespace attest::snp {

struct SnpDocument {
  Bytes report;                 // the report bytes (>= 1184 checked by the report parser)
  Bytes cert_chain;             // PEM text (may be empty)
  std::vector<Bytes> uvm;       // COSE_Sign1 UVM endorsements (ACI), in order
  bool had_endorsements = false;
};

// Limits: a document is at most evidence::kMaxEvidenceSize; at most 8 UVM endorsements.
inline constexpr size_t kMaxUvmEndorsements = 8;

// Reason SNP_DOCUMENT_INVALID for malformed JSON, a missing SnpReport, a member of the wrong
// type or bad base64.
StatusOr<SnpDocument> ParseSnpDocument(ByteSpan blob);

// True when no array/object in `json_text` nests deeper than `max_depth` (checked before a
// recursive parser sees client JSON).
bool JsonDepthWithin(std::string_view json_text, int max_depth);

}  // namespace attest::snp
