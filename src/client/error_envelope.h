// The MAA error envelope {"error":{"code","message"[,"reason"]}} (maa-rest-api.md §7),
// in both directions: a server's HTTP error becomes a Status, a Status becomes the JSON
// attestctl prints. Stateless; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace attest::client {

// Turns a non-2xx HTTP response into a Status:
//   code     from the HTTP status (400 kInvalidArgument, 401 kUnauthenticated,
//            403 kPermissionDenied, 404 kNotFound, 429 kResourceExhausted,
//            502/503/504 kUnavailable, other 5xx kInternal);
//   category the envelope's "code" (e.g. "InvalidParameter"), or "HTTP_<status>";
//   reason   the envelope's "reason" (e.g. "SGX_QUOTE_SIGNATURE_INVALID"), else its "code";
//   message  the envelope's "message", else a short excerpt of the body.
// Never fails: a body that is not an envelope still yields a meaningful Status.
Status StatusFromHttpError(unsigned http_status, std::string_view body);

// {"error":{"code":<category or StatusCodeName>,"message":...,"reason":...}} (compact).
std::string ErrorEnvelopeJson(const Status& status);

}  // namespace attest::client
