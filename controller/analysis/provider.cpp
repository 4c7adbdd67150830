// The Prometheus provider and the dispatch on a metric's provider kind.

#include "rewind/analysis/provider.hpp"

#include <algorithm>
#include <utility>

#include <spdlog/spdlog.h>

#include "rewind/analysis/render.hpp"

namespace rwd::analysis {

const char* to_string(Measurement::Kind kind) {
  switch (kind) {
    case Measurement::Kind::kValue: return "value";
    case Measurement::Kind::kFailed: return "failed";
    case Measurement::Kind::kInconclusive: return "inconclusive";
  }
  return "?";
}

PrometheusProvider::PrometheusProvider(std::unique_ptr<PrometheusClient> client)
    : client_(std::move(client)) {}

Measurement PrometheusProvider::measure(const model::MetricSpec& metric, const Subject& subject,
                                        model::Duration timeout) {
  const std::string query = render_query(metric.query, subject.label);
  auto sample = client_->query(query, timeout);
  if (!sample) {
    spdlog::warn("analysis: {} on revision {}: {}", metric.name, subject.revision.value(),
                 sample.error().message);
    return Measurement::inconclusive(sample.error().message);
  }
  if (!sample->value) return Measurement::inconclusive(sample->detail);
  return Measurement::of(*sample->value, sample->detail);
}

ProviderSet::ProviderSet(std::unique_ptr<MetricProvider> prometheus,
                         std::unique_ptr<MetricProvider> http,
                         std::unique_ptr<MetricProvider> command)
    : prometheus_(std::move(prometheus)), http_(std::move(http)), command_(std::move(command)) {}

Measurement ProviderSet::measure(const model::MetricSpec& metric, const Subject& subject,
                                 model::Duration timeout) {
  MetricProvider* provider = nullptr;
  const char* kind = "";
  if (metric.http) {
    provider = http_.get();
    kind = "http";
  } else if (metric.command) {
    provider = command_.get();
    kind = "command";
  } else if (!metric.query.empty()) {
    provider = prometheus_.get();
    kind = "prometheus (spec.analysis.prometheus)";
  } else {
    return Measurement::inconclusive("metric " + metric.name + " has no query, http or command");
  }
  if (provider == nullptr) {
    return Measurement::inconclusive(std::string("no ") + kind + " provider is configured");
  }
  return provider->measure(metric, subject, timeout);
}

model::Result<std::unique_ptr<ProviderSet>> make_providers(const model::AnalysisSpec& spec) {
  std::unique_ptr<MetricProvider> prometheus;
  if (spec.prometheus) {
    auto client = make_prometheus_client(spec.prometheus->address);
    if (!client) return client.error();
    prometheus = std::make_unique<PrometheusProvider>(std::move(client).value());
  }
  return std::make_unique<ProviderSet>(std::move(prometheus), std::make_unique<HttpProvider>(),
                                       std::make_unique<CommandProvider>());
}

}  // namespace rwd::analysis
