// http metrics: one request to the revision's own container.

#include <algorithm>
#include <chrono>
#include <cstdio>

#include <spdlog/spdlog.h>

#include "rewind/analysis/provider.hpp"

namespace rwd::analysis {
namespace {

using Clock = std::chrono::steady_clock;

// host:port for the metric's port: the subject's address for port 0, a
// published port when the platform maps it, else the same host.
std::string target_address(const model::HttpMetric& http, const Subject& subject) {
  if (http.port == 0) return subject.address;
  if (const auto it = subject.ports.find(http.port); it != subject.ports.end()) return it->second;
  const auto colon = subject.address.rfind(':');
  const std::string host =
      colon == std::string::npos ? subject.address : subject.address.substr(0, colon);
  return host + ":" + std::to_string(http.port);
}

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3fs", s);
  return buf;
}

}  // namespace

HttpProvider::HttpProvider(ClientFactory factory) : factory_(std::move(factory)) {
  if (!factory_) {
    factory_ = [](const http::Endpoint& endpoint) {
      http::ClientOptions options;
      options.limits.max_body_bytes = 1024 * 1024;
      return http::make_client(endpoint, options);
    };
  }
}

Measurement HttpProvider::measure(const model::MetricSpec& metric, const Subject& subject,
                                  model::Duration timeout) {
  if (!metric.http) return Measurement::inconclusive("metric " + metric.name + " has no http");
  const model::HttpMetric& spec = *metric.http;
  const std::string address = target_address(spec, subject);
  auto endpoint = http::parse_endpoint("http://" + address);
  if (!endpoint) {
    return Measurement::inconclusive("address \"" + address + "\" of revision " +
                                     std::to_string(subject.revision.value()) +
                                     " is not host:port");
  }
  auto client = factory_(*endpoint);
  if (!client) return Measurement::inconclusive(client.error().message);

  http::ClientRequest request;
  request.target = spec.path;
  const auto limit = std::max(model::Duration(1), std::min(spec.timeout, timeout));
  const auto start = Clock::now();
  auto response = (*client)->request(request, limit);
  const double latency = std::chrono::duration<double>(Clock::now() - start).count();
  // For messages: the path without its query, which may carry a token.
  const std::string what = "GET http://" + address + spec.path.substr(0, spec.path.find('?'));
  if (!response) {
    spdlog::info("analysis: {} on revision {}: {}: {}", metric.name, subject.revision.value(), what,
                 response.error().message);
    return Measurement::failed(what + ": no answer: " + response.error().message, latency);
  }
  if (response->status != spec.expect_status) {
    return Measurement::failed(what + ": HTTP " + std::to_string(response->status) + ", expected " +
                                   std::to_string(spec.expect_status) + " (" +
                                   seconds_text(latency) + ")",
                               latency);
  }
  if (!spec.body_match.empty() && response->body.find(spec.body_match) == std::string::npos) {
    return Measurement::failed(what + ": the body does not contain \"" + spec.body_match + "\"",
                               latency);
  }
  return Measurement::of(latency, what + ": HTTP " + std::to_string(response->status) + " in " +
                                      seconds_text(latency));
}

}  // namespace rwd::analysis
