// A whole analysis: rounds of measurements until the window is over or a
// metric fails.

#include "rewind/analysis/judge.hpp"

namespace rwd::analysis {

const char* to_string(RunDecision::Kind kind) {
  switch (kind) {
    case RunDecision::Kind::kContinue: return "continue";
    case RunDecision::Kind::kFailed: return "failed";
    case RunDecision::Kind::kPassed: return "passed";
  }
  return "?";
}

RunDecision next_round(const std::vector<model::MetricSpec>& metrics, AnalysisRun& run,
                       const Round& round, bool window_over) {
  RunDecision out;
  for (const auto& metric : metrics) {
    const auto c = round.candidate.find(metric.name);
    const Measurement candidate = c != round.candidate.end()
                                      ? c->second
                                      : Measurement::inconclusive("not measured in this round");
    std::optional<Measurement> baseline;
    if (const auto b = round.baseline.find(metric.name); b != round.baseline.end()) {
      baseline = b->second;
    }
    Verdict verdict = judge(metric, candidate, baseline);
    const MetricOutcome outcome = record(run.tallies[metric.name], metric, verdict);
    out.verdicts.push_back(std::move(verdict));
    if (outcome.state == MetricState::kFailed && out.kind != RunDecision::Kind::kFailed) {
      out.kind = RunDecision::Kind::kFailed;
      out.metric = metric.name;
      out.reason = "analysis/" + metric.name + ": " + outcome.reason;
    } else if (outcome.state == MetricState::kWarning) {
      out.warnings.push_back(outcome.reason);
    }
  }
  if (out.kind == RunDecision::Kind::kFailed) return out;
  int measurements = 0;
  for (const auto& [name, tally] : run.tallies) measurements += tally.measurements;
  if (window_over) {
    // Per metric: how many measurements were judged (not inconclusive) and
    // the last verdict, so a pass on no data at all is visible.
    std::string each;
    for (const auto& metric : metrics) {
      const MetricTally& t = run.tallies[metric.name];
      each += (each.empty() ? "" : "; ") + metric.name + " (" +
              std::to_string(t.measurements - t.inconclusive) + " judged, " +
              std::to_string(t.inconclusive) + " inconclusive; last: " + t.last + ")";
    }
    out.kind = RunDecision::Kind::kPassed;
    out.reason = "analysis passed: " + each;
  } else {
    out.reason = "analysis running: " + std::to_string(measurements) + " measurements so far";
  }
  return out;
}

Round measure_round(MetricProvider& provider, const std::vector<model::MetricSpec>& metrics,
                    const Subject& candidate, const std::optional<Subject>& baseline,
                    model::Duration timeout) {
  Round round;
  for (const auto& metric : metrics) {
    round.candidate.insert_or_assign(metric.name, provider.measure(metric, candidate, timeout));
    if (baseline && needs_baseline(metric)) {
      round.baseline.insert_or_assign(metric.name, provider.measure(metric, *baseline, timeout));
    }
  }
  return round;
}

}  // namespace rwd::analysis
