#include "client/error_envelope.h"

#include <nlohmann/json.hpp>

namespace attest::client {
namespace {

constexpr size_t kMaxExcerpt = 200;

StatusCode CodeForHttpStatus(unsigned http_status) {
  switch (http_status) {
    case 400:
      return StatusCode::kInvalidArgument;
    case 401:
      return StatusCode::kUnauthenticated;
    case 403:
      return StatusCode::kPermissionDenied;
    case 404:
      return StatusCode::kNotFound;
    case 413:
    case 429:
      return StatusCode::kResourceExhausted;
    case 502:
    case 503:
    case 504:
      return StatusCode::kUnavailable;
    default:
      return http_status >= 500 ? StatusCode::kInternal : StatusCode::kInvalidArgument;
  }
}

std::string Excerpt(std::string_view body) {
  std::string out;
  for (char c : body.substr(0, kMaxExcerpt)) {
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  return out;
}

std::string StringMember(const nlohmann::json& obj, const char* name) {
  auto it = obj.find(name);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

Status StatusFromHttpError(unsigned http_status, std::string_view body) {
  std::string http_name = "HTTP_" + std::to_string(http_status);
  std::string code;
  std::string reason;
  std::string message;
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_object()) {
    auto error = doc.find("error");
    if (error != doc.end() && error->is_object()) {
      code = StringMember(*error, "code");
      reason = StringMember(*error, "reason");
      message = StringMember(*error, "message");
    }
  }
  if (message.empty()) {
    message = body.empty() ? "server answered " + http_name + " with an empty body"
                           : "server answered " + http_name + ": " + Excerpt(body);
  }
  if (reason.empty()) {
    reason = code.empty() ? http_name : code;
  }
  Status status(CodeForHttpStatus(http_status), std::move(reason), std::move(message));
  return std::move(status).WithCategory(code.empty() ? http_name : code);
}

std::string ErrorEnvelopeJson(const Status& status) {
  nlohmann::ordered_json error;
  error["code"] =
      status.category().empty() ? std::string(StatusCodeName(status.code())) : status.category();
  error["message"] = status.message();
  if (!status.reason().empty()) {
    error["reason"] = status.reason();
  }
  nlohmann::ordered_json doc;
  doc["error"] = std::move(error);
  // Replace invalid UTF-8 rather than throwing: messages may quote server bytes.
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace attest::client
