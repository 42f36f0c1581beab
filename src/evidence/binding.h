// Binding of caller-supplied runtime / init-time data to evidence: SHA-256(data) must equal
// the first 32 bytes of the field the TEE measured it into (spec/maa-service-behaviour.md §4.1).
#pragma once

#include <optional>
#include <string_view>

#include "evidence/evidence.h"

namespace attest::evidence {

// Ok when `data` is absent or bound. Reason RUNTIME_DATA_MISMATCH / INIT_TIME_DATA_MISMATCH.
Status CheckRuntimeDataBinding(const std::optional<BoundData>& data, ByteSpan report_data);
Status CheckInitTimeDataBinding(const std::optional<BoundData>& data, ByteSpan measured,
                                std::string_view field_name);

}  // namespace attest::evidence
