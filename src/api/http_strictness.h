// Request-framing rules of RFC 9112 that Boost.Beast's parser does not enforce on its own,
// checked before a request reaches the router: obsolete line folding, Transfer-Encoding
// other than a lone "chunked", Transfer-Encoding together with Content-Length, HTTP/1.1
// without exactly one Host, and repeated Authorization. Each refusal is a 400 with a stable
// reason. Pure functions; thread-safe.
#pragma once

#include <string_view>
#include <vector>

#include "base/status.h"

namespace attest::api {

// The facts about one request head that the rules below need (kept free of Beast types).
struct RequestHead {
  unsigned version = 11;                            // 10 = HTTP/1.0, 11 = HTTP/1.1
  std::vector<std::string_view> transfer_encoding;  // every Transfer-Encoding field value
  size_t content_length_fields = 0;
  size_t host_fields = 0;
  size_t authorization_fields = 0;
};

// The offset just past the blank line ending the head in `bytes` (request line and fields,
// "\r\n\r\n"), or npos while the head is incomplete.
size_t FindHeadEnd(std::string_view bytes);

// RFC 9112 §5.2: obs-fold (a field line starting with SP or HTAB) is refused with 400.
// `head` is the raw request head up to and including its blank line.
Status CheckNoLineFolding(std::string_view head);

// RFC 9112 §3.2 (Host), §6.1 (Transfer-Encoding; with Content-Length), RFC 9110 §5.3
// (Authorization is a singleton field: repeating it is not "last wins").
Status CheckRequestHead(const RequestHead& head);

}  // namespace attest::api
