// Status and StatusOr: errors as values.
//
// A Status carries a coarse code (which decides the HTTP status and whether a caller may
// retry), a stable machine-readable `reason` (e.g. "INVALID_QUOTE_SIGNATURE") that tests
// and clients match on, an optional aggregate `category` (e.g. "COLLATERAL_EXPIRED") and a
// human message. Cheap to copy; thread-compatible.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>

#include "base/reasons.h"

namespace attest {

enum class StatusCode {
  kOk,
  kInvalidArgument,    // the request itself is malformed (usage, bad JSON, bad encoding)
  kInvalidEvidence,    // the evidence is invalid: malformed, bad signature, broken chain, revoked
  kInvalidCollateral,  // collateral is unusable; its Provenance says whose (caller 400, server 503)
  kNotFound,
  kUnauthenticated,
  kPermissionDenied,
  kFailedPrecondition,
  kResourceExhausted,
  kUnavailable,        // cannot decide now (collateral unreachable, store down): retryable
  kInternal,
};

std::string_view StatusCodeName(StatusCode code);

// Who supplied the collateral a failure is about. It decides whose problem the failure is:
// collateral the caller sent is the caller's (400), collateral the server holds or fetched is
// the server's (503, retryable). kUnspecified: the failure is not about collateral.
enum class Provenance { kUnspecified, kSentByCaller, kHeldByServer, kFetchedByServer };

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string reason, std::string message)
      : code_(code), reason_(std::move(reason)), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string reason, std::string message) {
    return {StatusCode::kInvalidArgument, std::move(reason), std::move(message)};
  }
  static Status InvalidEvidence(std::string reason, std::string message) {
    return {StatusCode::kInvalidEvidence, std::move(reason), std::move(message)};
  }
  static Status InvalidCollateral(std::string reason, std::string message) {
    return {StatusCode::kInvalidCollateral, std::move(reason), std::move(message)};
  }
  static Status NotFound(std::string reason, std::string message) {
    return {StatusCode::kNotFound, std::move(reason), std::move(message)};
  }
  static Status Unauthenticated(std::string reason, std::string message) {
    return {StatusCode::kUnauthenticated, std::move(reason), std::move(message)};
  }
  static Status PermissionDenied(std::string reason, std::string message) {
    return {StatusCode::kPermissionDenied, std::move(reason), std::move(message)};
  }
  static Status FailedPrecondition(std::string reason, std::string message) {
    return {StatusCode::kFailedPrecondition, std::move(reason), std::move(message)};
  }
  static Status ResourceExhausted(std::string reason, std::string message) {
    return {StatusCode::kResourceExhausted, std::move(reason), std::move(message)};
  }
  static Status Unavailable(std::string reason, std::string message) {
    return {StatusCode::kUnavailable, std::move(reason), std::move(message)};
  }
  static Status Internal(std::string message) {
    return {StatusCode::kInternal, reason::kInternalError, std::move(message)};
  }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& reason() const { return reason_; }
  const std::string& message() const { return message_; }
  const std::string& category() const { return category_; }
  Provenance provenance() const { return provenance_; }

  // Attaches an aggregate category (e.g. COLLATERAL_EXPIRED) to a specific reason.
  Status& WithCategory(std::string category) & {
    category_ = std::move(category);
    return *this;
  }
  Status&& WithCategory(std::string category) && {
    category_ = std::move(category);
    return std::move(*this);
  }
  // Records who supplied the collateral this failure is about.
  Status& WithProvenance(Provenance provenance) & {
    provenance_ = provenance;
    return *this;
  }
  Status&& WithProvenance(Provenance provenance) && {
    provenance_ = provenance;
    return std::move(*this);
  }
  // Prefixes the message with context, keeping code and reason.
  Status WithContext(std::string_view context) const;

  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string reason_;
  std::string message_;
  std::string category_;
  Provenance provenance_ = Provenance::kUnspecified;
};

template <typename T>
using StatusOr = std::expected<T, Status>;

// Turns a non-ok Status into the error side of any StatusOr.
inline std::unexpected<Status> Err(Status s) { return std::unexpected<Status>(std::move(s)); }

namespace internal {

// What the macros below return: converts to whichever of Status / StatusOr<T> the enclosing
// function returns, so one macro serves both.
class ErrorReturn {
 public:
  explicit ErrorReturn(Status status) : status_(std::move(status)) {}
  operator Status() && { return std::move(status_); }  // NOLINT(google-explicit-constructor)
  template <typename T>
  operator std::expected<T, Status>() && {  // NOLINT(google-explicit-constructor)
    return std::unexpected<Status>(std::move(status_));
  }

 private:
  Status status_;
};

}  // namespace internal

}  // namespace attest

#define ATTEST_CONCAT_INNER(a, b) a##b
#define ATTEST_CONCAT(a, b) ATTEST_CONCAT_INNER(a, b)

// Returns the Status from the enclosing function if `expr` (a Status) is not ok. The
// enclosing function may return Status or any StatusOr<T>.
#define ATTEST_RETURN_IF_ERROR(expr)                                         \
  do {                                                                       \
    ::attest::Status attest_status_tmp_ = (expr);                            \
    if (!attest_status_tmp_.ok()) {                                          \
      return ::attest::internal::ErrorReturn(std::move(attest_status_tmp_)); \
    }                                                                        \
  } while (false)

// `ATTEST_ASSIGN_OR_RETURN(auto x, Foo());` unwraps a StatusOr or returns its error (from a
// function returning Status or any StatusOr<T>).
#define ATTEST_ASSIGN_OR_RETURN(lhs, expr) \
  ATTEST_ASSIGN_OR_RETURN_IMPL(ATTEST_CONCAT(attest_statusor_, __LINE__), lhs, expr)
#define ATTEST_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr)                \
  auto tmp = (expr);                                                \
  if (!tmp.has_value()) {                                           \
    return ::attest::internal::ErrorReturn(std::move(tmp).error()); \
  }                                                                 \
  lhs = std::move(tmp).value()
