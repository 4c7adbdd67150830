#pragma once
// Metrics registry: counters, gauges and histograms with labels, rendered in
// the Prometheus text exposition format 0.0.4 (served at /metrics).
//
//   Metrics m;
//   auto& reconciles = m.counter("rewind_reconciles_total", "Reconciles by result.", {"result"});
//   Counter& ok = reconciles.with({"success"});   // look up once ...
//   ok.inc();                                     // ... then lock-free on the hot path
//
// Families are registered at start-up; registering a name twice returns the
// same family when type, labels (and buckets) agree and throws
// std::invalid_argument when they do not, as do invalid metric or label
// names and a wrong number of label values. A series, once created by
// with(), lives as long as the registry: references to it stay valid.
//
// LABEL VALUES ARE PUBLIC. Never put secrets in them (database URLs,
// tokens, passwords, env values) and nothing unbounded (request ids,
// timestamps, error messages): every distinct label set is a series kept
// forever and shown to anyone who can scrape /metrics. Use fixed vocabularies
// (result="success", step="backup", source="directory").
//
// Thread safety: every member function may be called from any thread.
// Counter/Gauge/Histogram updates are atomic and take no lock; with() and
// render() take a per-family mutex.

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace rwd::runtime {

// Only goes up. inc() with a negative or NaN amount is ignored.
class Counter {
 public:
  void inc(double by = 1.0) noexcept;
  [[nodiscard]] double value() const noexcept;

 private:
  std::atomic<double> value_{0.0};
};

class Gauge {
 public:
  void set(double v) noexcept;
  void inc(double by = 1.0) noexcept;
  void dec(double by = 1.0) noexcept;
  [[nodiscard]] double value() const noexcept;

 private:
  std::atomic<double> value_{0.0};
};

// Fixed buckets, given as finite, strictly increasing upper bounds; the +Inf
// bucket is implicit. An observation v counts in every bucket with v <= le.
// NaN observations are ignored.
class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void observe(double v) noexcept;

  struct Snapshot {
    std::vector<std::uint64_t> cumulative;  // one per upper bound, then +Inf
    std::uint64_t count = 0;                // == cumulative.back()
    double sum = 0.0;
  };
  [[nodiscard]] Snapshot snapshot() const;
  [[nodiscard]] const std::vector<double>& upper_bounds() const noexcept { return bounds_; }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // bounds_.size() + 1
  std::atomic<double> sum_{0.0};
};

enum class MetricType { kCounter, kGauge, kHistogram };

// One metric name with its label names; one series per distinct label
// values. Series is Counter, Gauge or Histogram.
template <class Series>
class Family {
 public:
  Family(std::string name, std::string help, std::vector<std::string> label_names,
         std::vector<double> buckets = {});
  Family(const Family&) = delete;
  Family& operator=(const Family&) = delete;

  // The series for these label values, in the order of the label names;
  // created on first use. A family without labels has one series: with().
  Series& with(std::initializer_list<std::string_view> label_values = {});
  Series& with(const std::vector<std::string>& label_values);

  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] const std::string& help() const noexcept { return help_; }
  [[nodiscard]] const std::vector<std::string>& label_names() const noexcept {
    return label_names_;
  }
  [[nodiscard]] const std::vector<double>& buckets() const noexcept { return buckets_; }

  // Appends HELP, TYPE and every series, ordered by label values.
  void render(std::string& out) const;

 private:
  Series& find_or_create(std::vector<std::string> label_values);

  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
  std::vector<double> buckets_;  // histograms only
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<Series>> series_;
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

class Metrics {
 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  CounterFamily& counter(const std::string& name, const std::string& help,
                         const std::vector<std::string>& label_names = {});
  GaugeFamily& gauge(const std::string& name, const std::string& help,
                     const std::vector<std::string>& label_names = {});
  HistogramFamily& histogram(const std::string& name, const std::string& help,
                             const std::vector<double>& buckets,
                             const std::vector<std::string>& label_names = {});

  // Text exposition format 0.0.4, families ordered by name. Serve it with
  // Content-Type kPrometheusContentType.
  [[nodiscard]] std::string render() const;

 private:
  struct Entry;
  template <class Series>
  Family<Series>& add(const std::string& name, const std::string& help,
                      const std::vector<std::string>& label_names,
                      const std::vector<double>& buckets);

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Entry>> families_;
};

inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

// Formatting helpers of the text format, exposed for tests and for other
// exporters: label value escaping (\\, \", \n; invalid UTF-8 becomes
// U+FFFD), HELP escaping (\\, \n) and sample values (integers without a
// fraction, otherwise the shortest form that reads back exactly; +Inf, -Inf,
// NaN).
std::string escape_label_value(std::string_view v);
std::string escape_help(std::string_view v);
std::string format_value(double v);
bool is_valid_metric_name(std::string_view name);
bool is_valid_label_name(std::string_view name);

// The controller's own metrics, registered in one place so names, help texts
// and buckets are not repeated at each call site.
struct ControllerMetrics {
  CounterFamily& reconciles;       // rewind_reconciles_total{result}
  Gauge& queue_depth;              // rewind_queue_depth
  CounterFamily& rollbacks;        // rewind_rollbacks_total{trigger}
  HistogramFamily& step_duration;  // rewind_step_duration_seconds{step}
  CounterFamily& source_errors;    // rewind_source_errors_total{source}
  GaugeFamily& releases;           // rewind_releases{phase}
};

// Step durations run from milliseconds (router flips) to tens of minutes
// (backups, analysis windows).
inline const std::vector<double> kStepDurationBuckets = {0.05, 0.1, 0.25, 0.5, 1,   2.5, 5,
                                                         10,   30,  60,   120, 300, 600, 1800};

ControllerMetrics register_controller_metrics(Metrics& metrics);

}  // namespace rwd::runtime
