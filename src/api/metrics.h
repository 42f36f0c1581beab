// Metrics: request and verification counters plus a latency histogram, rendered in the
// Prometheus text exposition format (version 0.0.4) for GET /metrics. Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace attest::api {

class Metrics {
 public:
  // Upper bounds (seconds) of the latency histogram buckets; +Inf is implicit.
  static constexpr std::array<double, 12> kLatencyBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0};

  void RecordRequest(std::string_view route, int status, double seconds);
  // outcome: "success" or the failure's stable reason.
  void RecordVerification(std::string_view type, std::string_view outcome);
  std::string RenderPrometheus() const;
  // Adds a renderer whose text (complete # HELP/# TYPE families) is appended to /metrics,
  // e.g. the collateral service's. Call before serving; renderers must be thread-safe.
  void AddSource(std::function<std::string()> render);

 private:
  struct Histogram {
    std::array<uint64_t, kLatencyBuckets.size()> buckets{};
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::map<std::string, Histogram> latency_;
  std::map<std::pair<std::string, std::string>, uint64_t> verifications_;
  std::vector<std::function<std::string()>> sources_;
};

}  // namespace attest::api
