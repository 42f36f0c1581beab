// The ONE place where a Status becomes an HTTP status and MAA's error envelope
// (spec/maa-rest-api.md §7): {"error":{"code":"<MAA code>","message":"...","reason":"<stable
// reason>"}}. `reason` is attestd's addition (the Status reason, e.g. INVALID_QUOTE_SIGNATURE).
// Pure functions; thread-safe.
#pragma once

#include <string_view>

#include "api/http_types.h"
#include "base/status.h"

namespace attest::api {

struct HttpError {
  int status = 500;
  std::string_view code;  // MAA CloudError code
};

HttpError MapStatus(const Status& status);
// The full error response for `status` (never a 2xx).
HttpResponse ErrorResponse(const Status& status);

}  // namespace attest::api
