#include "api/http_strictness.h"

#include <string>

#include "base/reasons.h"
#include "base/strings.h"

namespace attest::api {
namespace {

Status Malformed(std::string reason, std::string message) {
  return Status::InvalidArgument(std::move(reason), std::move(message));
}

}  // namespace

size_t FindHeadEnd(std::string_view bytes) {
  // RFC 9112 §2.2: a server should ignore at least one empty line before the request line.
  size_t start = 0;
  while (bytes.substr(start, 2) == "\r\n") start += 2;
  size_t end = bytes.find("\r\n\r\n", start);
  return end == std::string_view::npos ? std::string_view::npos : end + 4;
}

Status CheckNoLineFolding(std::string_view head) {
  // Every line after the request line is a field line; one that begins with whitespace
  // continues the previous field (obs-fold), which a server must reject or unfold.
  size_t pos = head.find("\r\n");
  while (pos != std::string_view::npos && pos + 2 < head.size()) {
    char next = head[pos + 2];
    if (next == ' ' || next == '\t') {
      return Malformed(reason::kHttpLineFolding,
                       "obsolete line folding in a request header field is not accepted");
    }
    pos = head.find("\r\n", pos + 2);
  }
  return Status::Ok();
}

Status CheckRequestHead(const RequestHead& head) {
  if (head.version >= 11 && head.host_fields != 1) {
    return Malformed(reason::kHttpHostInvalid,
                     head.host_fields == 0 ? "an HTTP/1.1 request must carry a Host header"
                                           : "the request carries more than one Host header");
  }
  if (head.authorization_fields > 1) {
    return Malformed(reason::kDuplicateAuthorization,
                     "the request carries more than one Authorization header");
  }
  if (!head.transfer_encoding.empty()) {
    // Only a lone "chunked" is understood; anything else ("chunked, identity", "gzip",
    // two fields) would leave the body's length ambiguous.
    if (head.transfer_encoding.size() != 1 ||
        !EqualsIgnoreCase(TrimOws(head.transfer_encoding[0]), "chunked")) {
      return Malformed(reason::kHttpTransferEncodingUnsupported,
                       "Transfer-Encoding must be exactly \"chunked\"");
    }
    if (head.content_length_fields != 0) {
      return Malformed(reason::kHttpFramingAmbiguous,
                       "the request carries both Transfer-Encoding and Content-Length");
    }
  }
  return Status::Ok();
}

}  // namespace attest::api
