// Counters, gauges, histograms, their labelled families and the registry.

#include "rewind/runtime/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>
#include <variant>

namespace rwd::runtime {

// ---- series ---------------------------------------------------------------

void Counter::inc(double by) noexcept {
  if (!(by >= 0.0)) return;  // negative or NaN
  value_.fetch_add(by, std::memory_order_relaxed);
}
double Counter::value() const noexcept { return value_.load(std::memory_order_relaxed); }

void Gauge::set(double v) noexcept { value_.store(v, std::memory_order_relaxed); }
void Gauge::inc(double by) noexcept { value_.fetch_add(by, std::memory_order_relaxed); }
void Gauge::dec(double by) noexcept { value_.fetch_sub(by, std::memory_order_relaxed); }
double Gauge::value() const noexcept { return value_.load(std::memory_order_relaxed); }

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)),
      counts_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {}

void Histogram::observe(double v) noexcept {
  if (std::isnan(v)) return;
  // First bound >= v; past the end means the +Inf bucket.
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), v);
  const auto index = static_cast<std::size_t>(it - bounds_.begin());
  counts_[index].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  s.cumulative.reserve(bounds_.size() + 1);
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    running += counts_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(running);
  }
  s.count = running;
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

// ---- rendering of one series ----------------------------------------------

namespace {

void append_labels(std::string& out, const std::vector<std::string>& names,
                   const std::vector<std::string>& values, std::string_view le = {}) {
  if (names.empty() && le.empty()) return;
  out += '{';
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    out += names[i];
    out += "=\"";
    out += escape_label_value(values[i]);
    out += '"';
  }
  if (!le.empty()) {
    if (!names.empty()) out += ',';
    out += "le=\"";
    out += le;
    out += '"';
  }
  out += '}';
}

void append_sample(std::string& out, std::string_view name, const std::vector<std::string>& names,
                   const std::vector<std::string>& values, double v, std::string_view le = {}) {
  out += name;
  append_labels(out, names, values, le);
  out += ' ';
  out += format_value(v);
  out += '\n';
}

void render_series(std::string& out, const Family<Counter>& f,
                   const std::vector<std::string>& values, const Counter& c) {
  append_sample(out, f.name(), f.label_names(), values, c.value());
}

void render_series(std::string& out, const Family<Gauge>& f, const std::vector<std::string>& values,
                   const Gauge& g) {
  append_sample(out, f.name(), f.label_names(), values, g.value());
}

void render_series(std::string& out, const Family<Histogram>& f,
                   const std::vector<std::string>& values, const Histogram& h) {
  const auto snap = h.snapshot();
  const std::string bucket = f.name() + "_bucket";
  const auto& bounds = h.upper_bounds();
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    append_sample(out, bucket, f.label_names(), values, static_cast<double>(snap.cumulative[i]),
                  format_value(bounds[i]));
  }
  append_sample(out, bucket, f.label_names(), values, static_cast<double>(snap.count), "+Inf");
  append_sample(out, f.name() + "_sum", f.label_names(), values, snap.sum);
  append_sample(out, f.name() + "_count", f.label_names(), values, static_cast<double>(snap.count));
}

template <class Series>
constexpr const char* type_name() {
  if constexpr (std::is_same_v<Series, Counter>) return "counter";
  if constexpr (std::is_same_v<Series, Gauge>) return "gauge";
  return "histogram";
}

void check_buckets(const std::string& name, const std::vector<double>& buckets) {
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    if (!std::isfinite(buckets[i]) || (i > 0 && !(buckets[i - 1] < buckets[i]))) {
      throw std::invalid_argument("metric " + name +
                                  ": bucket bounds must be finite and strictly increasing");
    }
  }
}

}  // namespace

// ---- families -------------------------------------------------------------

template <class Series>
Family<Series>::Family(std::string name, std::string help, std::vector<std::string> label_names,
                       std::vector<double> buckets)
    : name_(std::move(name)),
      help_(std::move(help)),
      label_names_(std::move(label_names)),
      buckets_(std::move(buckets)) {
  if (!is_valid_metric_name(name_)) throw std::invalid_argument("invalid metric name: " + name_);
  for (std::size_t i = 0; i < label_names_.size(); ++i) {
    const auto& l = label_names_[i];
    const bool le = std::is_same_v<Series, Histogram> && l == "le";
    if (!is_valid_label_name(l) || le) {
      throw std::invalid_argument("metric " + name_ + ": invalid label name: " + l);
    }
    if (std::find(label_names_.begin(), label_names_.begin() + static_cast<std::ptrdiff_t>(i), l) !=
        label_names_.begin() + static_cast<std::ptrdiff_t>(i)) {
      throw std::invalid_argument("metric " + name_ + ": duplicate label name: " + l);
    }
  }
  if constexpr (std::is_same_v<Series, Histogram>) check_buckets(name_, buckets_);
  if (label_names_.empty()) (void)find_or_create({});  // rendered from the start
}

template <class Series>
Series& Family<Series>::with(std::initializer_list<std::string_view> label_values) {
  return find_or_create(std::vector<std::string>(label_values.begin(), label_values.end()));
}

template <class Series>
Series& Family<Series>::with(const std::vector<std::string>& label_values) {
  return find_or_create(label_values);
}

template <class Series>
Series& Family<Series>::find_or_create(std::vector<std::string> label_values) {
  if (label_values.size() != label_names_.size()) {
    throw std::invalid_argument("metric " + name_ + ": expected " +
                                std::to_string(label_names_.size()) + " label values, got " +
                                std::to_string(label_values.size()));
  }
  const std::lock_guard lock(mu_);
  auto it = series_.find(label_values);
  if (it != series_.end()) return *it->second;
  std::unique_ptr<Series> s;
  if constexpr (std::is_same_v<Series, Histogram>) {
    s = std::make_unique<Histogram>(buckets_);
  } else {
    s = std::make_unique<Series>();
  }
  return *series_.emplace(std::move(label_values), std::move(s)).first->second;
}

template <class Series>
void Family<Series>::render(std::string& out) const {
  out += "# HELP ";
  out += name_;
  out += ' ';
  out += escape_help(help_);
  out += "\n# TYPE ";
  out += name_;
  out += ' ';
  out += type_name<Series>();
  out += '\n';
  const std::lock_guard lock(mu_);
  for (const auto& [values, series] : series_) render_series(out, *this, values, *series);
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

// ---- registry -------------------------------------------------------------

struct Metrics::Entry {
  std::variant<std::unique_ptr<CounterFamily>, std::unique_ptr<GaugeFamily>,
               std::unique_ptr<HistogramFamily>>
      family;
};

Metrics::Metrics() = default;
Metrics::~Metrics() = default;

template <class Series>
Family<Series>& Metrics::add(const std::string& name, const std::string& help,
                             const std::vector<std::string>& label_names,
                             const std::vector<double>& buckets) {
  const std::lock_guard lock(mu_);
  if (auto it = families_.find(name); it != families_.end()) {
    auto* existing = std::get_if<std::unique_ptr<Family<Series>>>(&it->second->family);
    if (existing == nullptr || (*existing)->label_names() != label_names ||
        (*existing)->buckets() != buckets) {
      throw std::invalid_argument("metric " + name +
                                  " is already registered with another type, labels or buckets");
    }
    return **existing;
  }
  auto family = std::make_unique<Family<Series>>(name, help, label_names, buckets);
  auto& ref = *family;
  families_.emplace(name, std::make_unique<Entry>(Entry{std::move(family)}));
  return ref;
}

CounterFamily& Metrics::counter(const std::string& name, const std::string& help,
                                const std::vector<std::string>& label_names) {
  return add<Counter>(name, help, label_names, {});
}

GaugeFamily& Metrics::gauge(const std::string& name, const std::string& help,
                            const std::vector<std::string>& label_names) {
  return add<Gauge>(name, help, label_names, {});
}

HistogramFamily& Metrics::histogram(const std::string& name, const std::string& help,
                                    const std::vector<double>& buckets,
                                    const std::vector<std::string>& label_names) {
  return add<Histogram>(name, help, label_names, buckets);
}

std::string Metrics::render() const {
  std::string out;
  const std::lock_guard lock(mu_);
  for (const auto& [name, entry] : families_) {
    std::visit([&out](const auto& family) { family->render(out); }, entry->family);
  }
  return out;
}

}  // namespace rwd::runtime
