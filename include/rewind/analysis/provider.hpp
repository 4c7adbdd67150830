#pragma once
// Analysis providers: how one metric of spec.analysis is measured on one
// revision. The interface is the I/O edge; judge.hpp decides what a
// measurement means.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "rewind/analysis/prometheus.hpp"
#include "rewind/http/client.hpp"
#include "rewind/model/release.hpp"
#include "rewind/model/result.hpp"
#include "rewind/model/strong_types.hpp"
#include "rewind/model/time.hpp"

namespace rwd::analysis {

// The revision being measured.
struct Subject {
  model::RevisionNumber revision;
  std::string address;  // host:port where its container serves; "{{address}}" in commands
  std::string label;    // the value of "{{revision}}" in queries and commands
  // Container port -> host:port, for http metrics that name a port the
  // platform publishes elsewhere. A port not listed is asked for on the
  // host of `address`.
  std::map<std::int32_t, std::string> ports;
};

struct Measurement {
  enum class Kind {
    kValue,         // value holds the measured number
    kFailed,        // the measurement itself failed (wrong status, timeout of a command)
    kInconclusive,  // nothing to judge: empty result, provider unreachable
  };
  Kind kind = Kind::kInconclusive;
  double value = 0;    // for kFailed too when there is one (the latency of a 503)
  std::string detail;  // one line; for commands the last 4 KiB of their output

  static Measurement of(double value, std::string detail = {}) {
    return {Kind::kValue, value, std::move(detail)};
  }
  static Measurement failed(std::string detail, double value = 0) {
    return {Kind::kFailed, value, std::move(detail)};
  }
  static Measurement inconclusive(std::string detail) {
    return {Kind::kInconclusive, 0, std::move(detail)};
  }
};

const char* to_string(Measurement::Kind kind);  // "value", "failed", "inconclusive"

class MetricProvider {
 public:
  virtual ~MetricProvider() = default;
  // Measures `metric` on `subject`, taking at most `timeout` (a provider's
  // own timeout, http.timeout or command.timeout, applies when shorter).
  // Never throws: every problem is a kFailed or kInconclusive measurement.
  virtual Measurement measure(const model::MetricSpec& metric, const Subject& subject,
                              model::Duration timeout) = 0;
};

// query: through the Prometheus API, "{{revision}}" filled in with
// subject.label. An error of Prometheus or of the connection is inconclusive.
class PrometheusProvider : public MetricProvider {
 public:
  explicit PrometheusProvider(std::unique_ptr<PrometheusClient> client);
  Measurement measure(const model::MetricSpec& metric, const Subject& subject,
                      model::Duration timeout) override;

 private:
  std::unique_ptr<PrometheusClient> client_;
};

using ClientFactory =
    std::function<model::Result<std::unique_ptr<http::Client>>(const http::Endpoint&)>;

// http: one GET to the subject's container; the value is the latency in
// seconds (steady clock). Another status than expectStatus, or a body
// without bodyMatch, is a failed measurement; no answer is one too.
class HttpProvider : public MetricProvider {
 public:
  explicit HttpProvider(ClientFactory factory = {});  // empty: http::make_client
  Measurement measure(const model::MetricSpec& metric, const Subject& subject,
                      model::Duration timeout) override;

 private:
  ClientFactory factory_;
};

// command: argv run on this host ("{{revision}}", "{{address}}" filled in;
// also REWIND_REVISION and REWIND_ADDRESS in its environment), stdin from
// /dev/null, in its own process group. The value is the exit status
// (128 + signal when killed); a timeout kills the group and fails the
// measurement; a command that cannot start is inconclusive.
class CommandProvider : public MetricProvider {
 public:
  Measurement measure(const model::MetricSpec& metric, const Subject& subject,
                      model::Duration timeout) override;
};

// Dispatches on the metric's provider. A provider that is not there (no
// spec.analysis.prometheus) gives inconclusive measurements.
class ProviderSet : public MetricProvider {
 public:
  ProviderSet(std::unique_ptr<MetricProvider> prometheus, std::unique_ptr<MetricProvider> http,
              std::unique_ptr<MetricProvider> command);
  Measurement measure(const model::MetricSpec& metric, const Subject& subject,
                      model::Duration timeout) override;

 private:
  std::unique_ptr<MetricProvider> prometheus_;
  std::unique_ptr<MetricProvider> http_;
  std::unique_ptr<MetricProvider> command_;
};

// The real providers for a Release's spec.analysis (kInvalidSpec when the
// Prometheus address is not usable).
model::Result<std::unique_ptr<ProviderSet>> make_providers(const model::AnalysisSpec& spec);

}  // namespace rwd::analysis
