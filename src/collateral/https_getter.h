// HttpsGetter: the only way collateral sources reach the network (Intel PCS/PCCS, AMD KDS).
// Injected, so that sources are tested with canned answers and never touch the network in
// tests. No network source exists yet; this is the seam they will use.
// Implementations must be thread-safe and must not run on the HTTP server's I/O threads.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"

namespace attest::collateral {

struct HttpsResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower case
  Bytes body;
};

class HttpsGetter {
 public:
  virtual ~HttpsGetter() = default;
  // GET `url` (https only). A transport failure is UNAVAILABLE; any HTTP answer, including
  // 404, is a response for the source to interpret.
  virtual StatusOr<HttpsResponse> Get(const std::string& url) = 0;
};

}  // namespace attest::collateral
