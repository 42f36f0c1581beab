#include "evidence/binding.h"

#include <algorithm>

#include "base/encoding.h"
#include "base/reasons.h"
#include "crypto/digest.h"

namespace attest::evidence {
namespace {

Status Check(const std::optional<BoundData>& data, ByteSpan target, std::string_view reason,
             std::string_view what, std::string_view field) {
  if (!data) return Status::Ok();
  crypto::Sha256Digest d = crypto::Sha256(data->data);
  if (target.size() < d.size() || !std::equal(d.begin(), d.end(), target.begin())) {
    return Status::InvalidEvidence(
        std::string(reason), "SHA-256 of the " + std::string(what) + " (" + HexEncode(d) +
                                 ") does not match the first 32 bytes of " + std::string(field) +
                                 " (" + HexEncode(target.first(std::min<size_t>(32, target.size()))) +
                                 ")");
  }
  return Status::Ok();
}

}  // namespace

Status CheckRuntimeDataBinding(const std::optional<BoundData>& data, ByteSpan report_data) {
  return Check(data, report_data, reason::kRuntimeDataMismatch, "runtime data", "the report data");
}

Status CheckInitTimeDataBinding(const std::optional<BoundData>& data, ByteSpan measured,
                                std::string_view field_name) {
  return Check(data, measured, reason::kInitTimeDataMismatch, "init-time data", field_name);
}

}  // namespace attest::evidence
