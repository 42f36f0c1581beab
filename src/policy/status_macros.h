// Error propagation that works in functions returning Status and StatusOr<T> alike
// (base/status.h's macros only serve StatusOr). Internal to policy/.
#pragma once

#include <expected>
#include <utility>

#include "base/status.h"

namespace attest::policy::internal {

// Converts to whichever of Status / StatusOr<T> the enclosing function returns.
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

}  // namespace attest::policy::internal

#define POLICY_RETURN_IF_ERROR(expr)                                                 \
  do {                                                                               \
    ::attest::Status policy_status_tmp_ = (expr);                                    \
    if (!policy_status_tmp_.ok()) {                                                  \
      return ::attest::policy::internal::ErrorReturn(std::move(policy_status_tmp_)); \
    }                                                                                \
  } while (false)

#define POLICY_ASSIGN_OR_RETURN(lhs, expr) \
  POLICY_ASSIGN_OR_RETURN_IMPL(ATTEST_CONCAT(policy_statusor_, __LINE__), lhs, expr)
#define POLICY_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr)                        \
  auto tmp = (expr);                                                        \
  if (!tmp.has_value()) {                                                   \
    return ::attest::policy::internal::ErrorReturn(std::move(tmp).error()); \
  }                                                                         \
  lhs = std::move(tmp).value()
