// Transport-neutral HTTP request/response values, so that only http_server.cc sees
// Boost.Beast. Plain values; thread-compatible.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace attest::api {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // origin-form: path + optional "?query"
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  // When the server answers 503 for this request if the handler has not returned; long
  // work may check it and give up early (time_point{} = none).
  std::chrono::steady_clock::time_point deadline{};
};

struct HttpResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string error_reason;  // stable reason of a failed request, for logs and metrics
};

}  // namespace attest::api
