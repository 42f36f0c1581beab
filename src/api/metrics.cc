#include "api/metrics.h"

#include <cstdio>

namespace attest::api {
namespace {

// Prometheus label values escape backslash, double quote and newline.
std::string EscapeLabel(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string FormatDouble(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

}  // namespace

void Metrics::RecordRequest(std::string_view route, int status, double seconds) {
  std::lock_guard lock(mu_);
  ++requests_[{std::string(route), status}];
  Histogram& h = latency_[std::string(route)];
  for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
    if (seconds <= kLatencyBuckets[i]) ++h.buckets[i];
  }
  ++h.count;
  h.sum += seconds;
}

void Metrics::RecordVerification(std::string_view type, std::string_view outcome) {
  std::lock_guard lock(mu_);
  ++verifications_[{std::string(type), std::string(outcome)}];
}

void Metrics::AddSource(std::function<std::string()> render) {
  std::lock_guard lock(mu_);
  sources_.push_back(std::move(render));
}

std::string Metrics::RenderPrometheus() const {
  std::lock_guard lock(mu_);
  std::string out;
  out += "# HELP attestd_http_requests_total HTTP requests by route and status code.\n";
  out += "# TYPE attestd_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    out += "attestd_http_requests_total{route=\"" + EscapeLabel(key.first) + "\",code=\"" +
           std::to_string(key.second) + "\"} " + std::to_string(n) + "\n";
  }
  out += "# HELP attestd_http_request_duration_seconds Time to handle a request, by route.\n";
  out += "# TYPE attestd_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : latency_) {
    std::string label = "route=\"" + EscapeLabel(route) + "\"";
    for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
      out += "attestd_http_request_duration_seconds_bucket{" + label + ",le=\"" +
             FormatDouble(kLatencyBuckets[i]) + "\"} " + std::to_string(h.buckets[i]) + "\n";
    }
    out += "attestd_http_request_duration_seconds_bucket{" + label + ",le=\"+Inf\"} " +
           std::to_string(h.count) + "\n";
    out += "attestd_http_request_duration_seconds_sum{" + label + "} " + FormatDouble(h.sum) + "\n";
    out += "attestd_http_request_duration_seconds_count{" + label + "} " +
           std::to_string(h.count) + "\n";
  }
  out += "# HELP attestd_verifications_total Evidence verifications by type and outcome.\n";
  out += "# TYPE attestd_verifications_total counter\n";
  for (const auto& [key, n] : verifications_) {
    out += "attestd_verifications_total{type=\"" + EscapeLabel(key.first) + "\",outcome=\"" +
           EscapeLabel(key.second) + "\"} " + std::to_string(n) + "\n";
  }
  for (const auto& source : sources_) out += source();
  return out;
}

}  // namespace attest::api
