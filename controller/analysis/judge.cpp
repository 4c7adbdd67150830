// Verdicts of single measurements and the limits over the rounds.

#include "rewind/analysis/judge.hpp"

#include <cstdio>

namespace rwd::analysis {
namespace {

using Kind = Verdict::Kind;

std::string number(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

const char* op_text(model::Comparator op) {
  switch (op) {
    case model::Comparator::kGreater: return ">";
    case model::Comparator::kGreaterEqual: return ">=";
    case model::Comparator::kLess: return "<";
    case model::Comparator::kLessEqual: return "<=";
    case model::Comparator::kEqual: return "==";
    case model::Comparator::kNotEqual: return "!=";
  }
  return "?";
}

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

// "> 0.05", "> 3x baseline 0.5 (=1.5)".
std::string bound(const model::Threshold& t, double baseline) {
  std::string out = std::string(op_text(t.op)) + " " + number(t.value);
  if (!t.relative_to_baseline) return out;
  return out + "x baseline " + number(baseline) + " (=" + number(t.value * baseline) + ")";
}

struct Check {
  bool judged = true;  // false: needs a baseline that is not there
  bool fires = false;
  std::string text;  // judged: the bound ("> 0.05"); else why not
};

Check check(const model::Threshold& t, double value, const std::optional<Measurement>& baseline) {
  Check c;
  double base = 0;
  if (t.relative_to_baseline) {
    if (!baseline) {
      c.judged = false;
      c.text = "no baseline measured for " + model::format_threshold(t);
      return c;
    }
    if (baseline->kind != Measurement::Kind::kValue) {
      c.judged = false;
      c.text = std::string("baseline ") + to_string(baseline->kind) + ": " +
               first_line(baseline->detail);
      return c;
    }
    base = baseline->value;
  }
  c.fires = model::threshold_matches(t, value, base);
  c.text = bound(t, base);
  return c;
}

}  // namespace

const char* to_string(Verdict::Kind kind) {
  switch (kind) {
    case Kind::kPass: return "pass";
    case Kind::kWarn: return "warn";
    case Kind::kFail: return "fail";
    case Kind::kInconclusive: return "inconclusive";
  }
  return "?";
}

const char* to_string(MetricState state) {
  switch (state) {
    case MetricState::kRunning: return "running";
    case MetricState::kWarning: return "warning";
    case MetricState::kFailed: return "failed";
  }
  return "?";
}

std::optional<model::Threshold> fail_threshold(const model::MetricSpec& metric) {
  if (metric.fail_if) return metric.fail_if;
  if (metric.command) return model::Threshold{model::Comparator::kNotEqual, 0, false};
  return std::nullopt;
}

bool needs_baseline(const model::MetricSpec& metric) {
  return (metric.fail_if && metric.fail_if->relative_to_baseline) ||
         (metric.warn_if && metric.warn_if->relative_to_baseline);
}

Verdict judge(const model::MetricSpec& metric, const Measurement& candidate,
              const std::optional<Measurement>& baseline) {
  const std::string& name = metric.name;
  if (candidate.kind == Measurement::Kind::kFailed) {
    return {Kind::kFail, name + ": failed: " + first_line(candidate.detail)};
  }
  if (candidate.kind == Measurement::Kind::kInconclusive) {
    return {Kind::kInconclusive, name + ": inconclusive: " + first_line(candidate.detail)};
  }
  const double v = candidate.value;
  const auto fail_if = fail_threshold(metric);
  std::optional<Check> fail;
  std::optional<Check> warn;
  if (fail_if) fail = check(*fail_if, v, baseline);
  if (metric.warn_if) warn = check(*metric.warn_if, v, baseline);
  const std::string measured = name + ": " + number(v);
  if (fail && fail->judged && fail->fires) return {Kind::kFail, measured + " " + fail->text};
  for (const auto* c : {&fail, &warn}) {
    if (c->has_value() && !(*c)->judged) return {Kind::kInconclusive, measured + ", " + (*c)->text};
  }
  if (warn && warn->fires) return {Kind::kWarn, measured + " " + warn->text + " (warnIf)"};
  return {Kind::kPass, fail ? measured + ", not " + fail->text : measured};
}

MetricOutcome record(MetricTally& tally, const model::MetricSpec& metric, const Verdict& verdict) {
  ++tally.measurements;
  switch (verdict.kind) {
    case Kind::kFail: ++tally.failures; break;
    case Kind::kInconclusive: ++tally.inconclusive; break;
    case Kind::kWarn: ++tally.warnings; break;
    case Kind::kPass: break;
  }
  tally.last = verdict.reason;
  auto plural = [](int n, const char* what) {
    return std::to_string(n) + " " + what + (n == 1 ? " measurement" : " measurements");
  };
  if (tally.failures > metric.failure_limit) {
    return {MetricState::kFailed, plural(tally.failures, "failed") + ", more than failureLimit " +
                                      std::to_string(metric.failure_limit) +
                                      "; last: " + verdict.reason};
  }
  if (tally.inconclusive > metric.inconclusive_limit) {
    return {MetricState::kFailed,
            plural(tally.inconclusive, "inconclusive") + ", more than inconclusiveLimit " +
                std::to_string(metric.inconclusive_limit) + "; last: " + verdict.reason};
  }
  if (verdict.kind == Kind::kWarn) return {MetricState::kWarning, verdict.reason};
  return {MetricState::kRunning, verdict.reason};
}

}  // namespace rwd::analysis
