#pragma once
// What measurements mean: failIf / warnIf, failureLimit / inconclusiveLimit,
// and the analysis window. Pure functions: no I/O, no clock.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rewind/analysis/provider.hpp"
#include "rewind/model/expression.hpp"
#include "rewind/model/release.hpp"

namespace rwd::analysis {

// ---- one measurement ------------------------------------------------------

struct Verdict {
  enum class Kind { kPass, kWarn, kFail, kInconclusive };
  Kind kind = Kind::kInconclusive;
  std::string reason;  // one line: "error-rate: 0.12 > 0.05"
};

const char* to_string(Verdict::Kind kind);  // "pass", "warn", "fail", "inconclusive"

// failIf, or "!= 0" for a command metric without one.
std::optional<model::Threshold> fail_threshold(const model::MetricSpec& metric);

// True when a threshold of the metric is relative to the baseline, so the
// stable revision must be measured in the same round.
bool needs_baseline(const model::MetricSpec& metric);

// Judges the candidate's measurement. A failed measurement fails; an
// inconclusive one is inconclusive; a threshold relative to the baseline
// with no baseline value is inconclusive. failIf is checked before warnIf.
Verdict judge(const model::MetricSpec& metric, const Measurement& candidate,
              const std::optional<Measurement>& baseline);

// ---- a metric over the rounds --------------------------------------------

struct MetricTally {
  int measurements = 0;
  int failures = 0;
  int inconclusive = 0;
  int warnings = 0;
  std::string last;  // reason of the last verdict
};

enum class MetricState {
  kRunning,  // nothing beyond the limits
  kWarning,  // the last verdict was warn (sets Degraded, no rollback)
  kFailed,   // failures > failureLimit or inconclusive > inconclusiveLimit
};

const char* to_string(MetricState state);

struct MetricOutcome {
  MetricState state = MetricState::kRunning;
  std::string reason;  // for kFailed: which limit and the last verdict
};

// Counts `verdict` into `tally` and says where the metric stands.
MetricOutcome record(MetricTally& tally, const model::MetricSpec& metric, const Verdict& verdict);

// ---- a whole analysis -----------------------------------------------------

// One round: the candidate's measurement of every metric (by name), and the
// baseline's for the metrics that need one. A metric missing from
// `candidate` counts as inconclusive.
struct Round {
  std::map<std::string, Measurement> candidate;
  std::map<std::string, Measurement> baseline;
};

// The tallies of one analysis, kept by the caller from round to round.
struct AnalysisRun {
  std::map<std::string, MetricTally> tallies;  // by metric name
};

struct RunDecision {
  enum class Kind {
    kContinue,  // measure again after the interval
    kFailed,    // roll back: `metric` failed, `reason` says why
    kPassed,    // the window is over and no metric failed
  };
  Kind kind = Kind::kContinue;
  std::string metric;                 // kFailed: the first metric (spec order) that failed
  std::string reason;                 // kFailed: "analysis/error-rate: ..."; else a summary
  std::vector<std::string> warnings;  // metrics in kWarning after this round, with reasons
  std::vector<Verdict> verdicts;      // this round's, in spec order
};

const char* to_string(RunDecision::Kind kind);

// Judges a round and records it. `window_over`: this is the last round of
// the window (the caller reads the clock), so no failure means passed.
RunDecision next_round(const std::vector<model::MetricSpec>& metrics, AnalysisRun& run,
                       const Round& round, bool window_over);

// Measures every metric on the candidate, and on the baseline those that
// need one (needs_baseline), through `provider`.
Round measure_round(MetricProvider& provider, const std::vector<model::MetricSpec>& metrics,
                    const Subject& candidate, const std::optional<Subject>& baseline,
                    model::Duration timeout);

}  // namespace rwd::analysis
