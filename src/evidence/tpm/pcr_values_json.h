// PCR values as JSON files: {"bank":"sha256","pcrs":{"0":"<hex>",...}} (the vectors' and
// attestctl's format, spec in issue 9). Thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "evidence/tpm/quote_verifier.h"

namespace attest::evidence::tpm {

// Merges the bank in `text` into `out`. Reason: TPM_PCR_VALUES_MALFORMED (not JSON, unknown
// bank, index outside 0-23, bad hex, wrong digest size, bank given twice).
Status ParsePcrValuesJson(std::string_view text, PcrValues& out);

// {"sha256":{"0":"<hex>",...},...}
nlohmann::json PcrValuesToJson(const PcrValues& pcrs);

}  // namespace attest::evidence::tpm
