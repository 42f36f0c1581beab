// MAA request bodies of /attest/{type} (spec/maa-rest-api.md §4) -> AttestationRequest.
//
// Property names match case-insensitively (the C++ SDK sends `inittimeData`, §1.3);
// unknown members are ignored (§7); binary fields are base64url with or without padding;
// `nonce` may be a string or a number; runtimeData/initTimeData are
// {"data": base64url, "dataType": "Binary"|"JSON"} (dataType absent = Binary, matched
// case-insensitively). Stateless; thread-safe.
#pragma once

#include <string_view>

#include "base/status.h"
#include "evidence/evidence.h"
#include "evidence/registry.h"
#include "service/attestation_service.h"

namespace attest::api {

// Deepest JSON nesting accepted in a request body (keeps parsing and re-serialising bounded).
inline constexpr size_t kMaxJsonDepth = 64;

// Errors are kInvalidArgument with reasons INVALID_REQUEST_BODY, MISSING_EVIDENCE,
// INVALID_BASE64URL, INVALID_RUNTIME_DATA, INVALID_INIT_TIME_DATA, INVALID_NONCE,
// EVIDENCE_TOO_LARGE; messages name the offending member.
StatusOr<service::AttestationRequest> ParseAttestRequest(evidence::AttestationType type,
                                                         std::string_view body);

// The descriptor of the `{type}` segment of /attest/{type} and /policies/{type}, MAA spelling
// matched case-insensitively. Errors: kNotFound ATTESTATION_TYPE_UNKNOWN for a name MAA does
// not define; kInvalidArgument ATTESTATION_TYPE_UNSUPPORTED for an MAA type attestd does not
// serve (maa-real-clients.md §6: 400, never 404).
StatusOr<const evidence::AttestationTypeDescriptor*> ParseRouteAttestationType(
    std::string_view segment);

}  // namespace attest::api
