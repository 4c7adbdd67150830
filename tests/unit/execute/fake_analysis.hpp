#pragma once
// In-memory analysis providers and a notifier that records what it is told.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "rewind/execute/executor.hpp"
#include "rewind/notify/notifier.hpp"

namespace rwd::execute::testing {

// Measures every metric as told by `values`: by "<metric> <label>" (one
// revision: "error-rate 2"), else by metric name; unlisted ones measure 0.
// Records "<metric> <label> <address>" per call.
class FakeMetrics {
 public:
  std::map<std::string, analysis::Measurement> values;
  std::vector<std::string> measured;

  MetricsFactory factory() {
    return [this](const model::AnalysisSpec&)
               -> model::Result<std::unique_ptr<analysis::MetricProvider>> {
      return std::unique_ptr<analysis::MetricProvider>(std::make_unique<Provider>(*this));
    };
  }

 private:
  class Provider : public analysis::MetricProvider {
   public:
    explicit Provider(FakeMetrics& f) : f_(f) {}
    analysis::Measurement measure(const model::MetricSpec& metric, const analysis::Subject& subject,
                                  model::Duration) override {
      f_.measured.push_back(metric.name + " " + subject.label + " " + subject.address);
      auto it = f_.values.find(metric.name + " " + subject.label);
      if (it == f_.values.end()) it = f_.values.find(metric.name);
      return it == f_.values.end() ? analysis::Measurement::of(0) : it->second;
    }

   private:
    FakeMetrics& f_;
  };
};

class RecordingNotifier : public notify::Notifier {
 public:
  std::vector<notify::Event> events;
  void notify(const notify::Event& e, const std::vector<model::NotifySpec>&) override {
    events.push_back(e);
  }
  [[nodiscard]] std::vector<std::string> types() const {
    std::vector<std::string> out;
    for (const auto& e : events) out.push_back(e.type);
    return out;
  }
};

}  // namespace rwd::execute::testing
