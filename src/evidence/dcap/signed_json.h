// Intel's signed JSON collateral: {"<body key>":{...},"signature":"<128 hex>"}.
//
// The signature covers the exact bytes of the body member's value (spec/intel-dcap.md §4.3).
// A small scanner finds that span at depth 1 (a nested key of the same name does not count)
// without re-serialising; JSON-insignificant whitespace outside strings is removed, which
// is the identity on Intel's compact output and reproduces what Intel's QVL signs for
// pretty-printed copies.
#pragma once

#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/status.h"

namespace attest::dcap {

struct SignedJson {
  std::string body;  // the signed bytes (whitespace outside strings removed)
  Bytes signature;   // 64 bytes r ‖ s
};

// `reason` is reported for any structural problem (e.g. TCB_INFO_UNSUPPORTED_FORMAT).
StatusOr<SignedJson> ExtractSignedJson(std::string_view document, std::string_view body_key,
                                       std::string_view reason);

}  // namespace attest::dcap
