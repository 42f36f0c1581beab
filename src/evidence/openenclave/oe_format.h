// Open Enclave containers around an SGX quote (spec/intel-dcap.md §2): the legacy remote
// report (oe_report_header_t), OE attestation-header evidence (format IDs SGX_ECDSA,
// LEGACY_REPORT_REMOTE, RAW_SGX_QUOTE_ECDSA), and oe_endorsements_t collateral. Pure parsing.
#pragma once

#include <optional>

#include "base/bytes.h"
#include "base/status.h"
#include "collateral/collateral_provider.h"

namespace attest::evidence {

struct OeEvidence {
  ByteSpan quote;
  // SGX_ECDSA evidence only: every byte after the quote; REPORTDATA[0..32) must equal its
  // SHA-256 (spec §2.3).
  std::optional<ByteSpan> custom_claims;
};

// Accepts an oe_report_header_t report, OE attestation-header evidence, or a bare SGX quote.
// Reasons OE_REPORT_MALFORMED / OE_EVIDENCE_MALFORMED / UNSUPPORTED_QUOTE_FORMAT.
StatusOr<OeEvidence> UnwrapOeEvidence(ByteSpan blob);

// Parses oe_endorsements_t (optionally behind an OE attestation header) into DCAP collateral.
// Reason OE_ENDORSEMENTS_MALFORMED.
StatusOr<collateral::DcapCollateral> ParseOeEndorsements(ByteSpan blob);

}  // namespace attest::evidence
