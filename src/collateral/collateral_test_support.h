// Test helpers for the collateral service: a settable clock, a canned HttpsGetter that counts
// requests, and vector file access. Test-only (included by *_test.cc files).
#pragma once

#include <atomic>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "base/file.h"
#include "collateral/collateral_item.h"
#include "collateral/https_getter.h"

namespace attest::collateral::testing {

class SettableClock final : public Clock {
 public:
  explicit SettableClock(UnixTime t) : t_(t) {}
  UnixTime Now() const override { return t_.load(); }
  void Set(UnixTime t) { t_.store(t); }

 private:
  std::atomic<UnixTime> t_;
};

// Answers GETs from a table of URL -> response (404 otherwise); counts requests per URL.
// `hook` may replace any answer (faults). Thread-safe.
class CannedGetter final : public HttpsGetter {
 public:
  void Add(const std::string& url, HttpsResponse r) {
    std::lock_guard<std::mutex> lock(mu_);
    table_[url] = std::move(r);
  }
  void SetHook(std::function<StatusOr<HttpsResponse>(const std::string&, HttpsResponse)> hook) {
    std::lock_guard<std::mutex> lock(mu_);
    hook_ = std::move(hook);
  }
  StatusOr<HttpsResponse> Get(const std::string& url) override {
    HttpsResponse r;
    std::function<StatusOr<HttpsResponse>(const std::string&, HttpsResponse)> hook;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++counts_[url];
      auto it = table_.find(url);
      if (it != table_.end()) {
        r = it->second;
      } else {
        r.status = 404;
      }
      hook = hook_;
    }
    if (hook) {
      return hook(url, std::move(r));
    }
    return r;
  }
  int Count(const std::string& url) {
    std::lock_guard<std::mutex> lock(mu_);
    return counts_[url];
  }
  int Total() {
    std::lock_guard<std::mutex> lock(mu_);
    int n = 0;
    for (const auto& [u, c] : counts_) {
      n += c;
    }
    return n;
  }

 private:
  std::mutex mu_;
  std::map<std::string, HttpsResponse> table_;
  std::map<std::string, int> counts_;
  std::function<StatusOr<HttpsResponse>(const std::string&, HttpsResponse)> hook_;
};

inline std::string VectorsDir() {
  const char* v = std::getenv("ATTESTD_VECTORS");
  return v && *v ? v : ATTESTD_VECTORS_DEFAULT;
}

inline Bytes ReadVector(const std::string& rel) {
  auto b = ReadFileBytes(VectorsDir() + "/" + rel, 16 * 1024 * 1024);
  return b ? *b : Bytes();
}

// Percent-encodes everything but unreserved characters, as PCS does for issuer chains.
inline std::string PercentEncode(const Bytes& b) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (uint8_t c : b) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace attest::collateral::testing
