#include "store/open_store.h"

#include <chrono>
#include <thread>

#include "store/postgres_store.h"

namespace attest::store {

StatusOr<std::unique_ptr<Store>> OpenConfiguredStore(
    const std::string& store_url, const std::string& data_dir, int wait_seconds,
    const std::function<void(const Status&)>& on_retry) {
  if (store_url.empty()) return OpenSqliteStore(data_dir);
  if (!IsPostgresUrl(store_url)) {
    return Err(Status::InvalidArgument(
        "CONFIG_INVALID", "store must be empty (SQLite in data_dir) or a postgres:// URL"));
  }
  constexpr auto kRetryEvery = std::chrono::seconds(2);
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(wait_seconds);
  while (true) {
    auto opened = OpenPostgresStore(store_url);
    if (opened.has_value() || opened.error().code() != StatusCode::kUnavailable ||
        std::chrono::steady_clock::now() + kRetryEvery > give_up) {
      return opened;
    }
    if (on_retry) on_retry(opened.error());
    std::this_thread::sleep_for(kRetryEvery);
  }
}

}  // namespace attest::store
