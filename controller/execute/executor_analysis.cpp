// The analysis steps: the window after a revision goes live (its health and
// spec.analysis.metrics measured every interval) and the smoke command.

#include <algorithm>
#include <cstdlib>
#include <set>

#include <spdlog/spdlog.h>

#include "rewind/execute/colors.hpp"
#include "rewind/execute/executor.hpp"

namespace rwd::execute {
namespace {

// How long one round's measurement of a metric may take: within the
// interval, and never long enough to hold a worker for minutes.
constexpr model::Duration kMaxMeasureTime = std::chrono::seconds(30);

std::string revision_text(model::RevisionNumber r) { return std::to_string(r.value()); }

// The metrics the gate names, in spec order.
std::vector<model::MetricSpec> gate_metrics(const model::AnalysisSpec& spec,
                                            const std::vector<std::string>& names) {
  std::vector<model::MetricSpec> out;
  for (const auto& m : spec.metrics) {
    if (names.empty() || std::find(names.begin(), names.end(), m.name) != names.end()) {
      out.push_back(m);
    }
  }
  return out;
}

}  // namespace

MetricsFactory real_metrics() {
  return [](const model::AnalysisSpec& spec)
             -> model::Result<std::unique_ptr<analysis::MetricProvider>> {
    auto set = analysis::make_providers(spec);
    if (!set) return set.error();
    return std::unique_ptr<analysis::MetricProvider>(std::move(*set));
  };
}

model::Result<analysis::Subject> Executor::subject_of(const StepInput& in, const Instance& running,
                                                      model::RevisionNumber revision) {
  analysis::Subject subject;
  subject.revision = revision;
  // "{{revision}}": the revision's number, as its container's
  // rewind.dev/revision label says (Prometheus relabels it from there); a
  // config-only change is a new revision with the same image tag.
  subject.label = revision_text(revision);
  // The ports the health check and the http metrics name, as the host reaches them.
  // Only http metrics need one; a platform without container addresses
  // (Kubernetes) still measures Prometheus and command metrics.
  std::vector<std::int32_t> ports;
  std::set<std::int32_t> required;
  const auto& hc = in.release.spec.health_check;
  if (hc && hc->http) ports.push_back(hc->http->port);
  if (const auto& a = in.release.spec.analysis) {
    for (const auto& m : a->metrics) {
      if (!m.http) continue;
      if (m.http->port > 0) {
        ports.push_back(m.http->port);
        required.insert(m.http->port);
      } else if (hc && hc->http) {
        required.insert(hc->http->port);  // port 0: the health check's
      }
    }
  }
  for (const std::int32_t port : ports) {
    if (subject.ports.contains(port)) continue;
    auto addr = platform_.address(running.id, port);
    if (!addr && !required.contains(port)) continue;
    if (!addr) return addr.error();
    subject.ports[port] = *addr;
    if (subject.address.empty()) subject.address = *addr;
  }
  return subject;
}

model::Result<std::optional<analysis::Subject>> Executor::baseline_of(
    const StepInput& in, const std::vector<model::MetricSpec>& metrics,
    model::RevisionNumber revision) {
  // Only a canary has a stable side serving at the same time: after a
  // recreate nothing else runs, and blue-green's idle color has no traffic.
  // Without one, a threshold relative to the baseline is inconclusive.
  const bool wanted = std::any_of(metrics.begin(), metrics.end(), analysis::needs_baseline);
  if (!wanted || in.release.spec.strategy.type != model::StrategyType::kCanary ||
      traffic_.router == nullptr) {
    return std::optional<analysis::Subject>();
  }
  const model::RevisionRecord* rec = in.history.find(revision);
  if (rec == nullptr) return std::optional<analysis::Subject>();
  auto listed = platform_.list(in.release.spec.target);
  if (!listed) return listed.error();
  auto tracks =
      canary_tracks(platform_, *traffic_.router, in.release, *listed, revision, &rec->revision);
  if (!tracks) return tracks.error();
  if (tracks->stable == nullptr || tracks->canary == nullptr) {
    return std::optional<analysis::Subject>();  // promoted: the candidate is all there is
  }
  // "{{revision}}" on the stable side: its container's revision label, else
  // (the container docker compose made) the stable revision in status.
  std::int64_t number = 0;
  if (const auto it = tracks->stable->labels.find(label::kRevision);
      it != tracks->stable->labels.end()) {
    number = std::atoll(it->second.c_str());
  } else if (in.release.status.stable_revision) {
    number = in.release.status.stable_revision->value();
  }
  auto subject = subject_of(in, *tracks->stable, model::RevisionNumber{number});
  if (!subject) return subject.error();
  return std::optional<analysis::Subject>(std::move(*subject));
}

std::optional<StepResult> Executor::measure_metrics(const StepInput& in,
                                                    const reconcile::step::AnalysisGate& s, Gate& g,
                                                    bool window_over, const Instance& running,
                                                    std::vector<std::string>& warnings) {
  const auto& spec = in.release.spec.analysis;
  if (!spec) return std::nullopt;
  std::vector<model::MetricSpec> metrics = gate_metrics(*spec, s.metrics);
  if (metrics.empty()) return std::nullopt;
  auto subject = subject_of(in, running, s.revision);
  if (!subject) return StepResult::from_error(subject.error());
  auto provider = metrics_(*spec);
  if (!provider) return StepResult::from_error(provider.error());
  const model::Duration timeout = std::min(s.interval, kMaxMeasureTime);
  auto baseline = baseline_of(in, metrics, s.revision);
  if (!baseline) return StepResult::from_error(baseline.error());
  if (!*baseline) {
    // Nothing serves beside the revision (a recreate, a promoted canary,
    // blue-green after its switch): a metric judged against the baseline
    // cannot be judged here, and is not counted as inconclusive either.
    std::erase_if(metrics, analysis::needs_baseline);
    if (metrics.empty()) return std::nullopt;
  }
  const analysis::Round round =
      analysis::measure_round(**provider, metrics, *subject, *baseline, timeout);
  const analysis::RunDecision d = analysis::next_round(metrics, g.analysis, round, window_over);
  for (const auto& w : d.warnings) {
    spdlog::warn("{}: revision {}: {}", in.release.metadata.key().str(), revision_text(s.revision),
                 w);
    warnings.push_back(w);
  }
  if (d.kind == analysis::RunDecision::Kind::kFailed) {
    StepResult r = StepResult::failed(
        "revision " + revision_text(s.revision) + " failed its analysis: " + d.reason,
        model::RevisionOutcome::kFailedAnalysis);
    r.reason = "AnalysisFailed";
    return r;
  }
  if (d.kind == analysis::RunDecision::Kind::kPassed) {
    return StepResult::done(d.reason);
  }
  return std::nullopt;
}

StepResult Executor::analysis_gate(const StepInput& in, const reconcile::step::AnalysisGate& s) {
  // The window runs from when this gate began, and never before the
  // revision went live: a canary's analysis step after long pauses, or the
  // window after a promotion or a blue-green switch, gets all of it. (A
  // restarted controller starts the window again: longer, never shorter.)
  Gate& g = gate(in);
  const model::RevisionRecord* rec = in.history.find(s.revision);
  const model::Timestamp live =
      std::max(rec != nullptr && rec->live_at ? *rec->live_at : in.now, g.started);
  const model::Timestamp end = live + s.window;
  // One look at the containers serves the health check and the metrics.
  auto running = running_instance(in, s.revision);
  if (!running) return StepResult::from_error(running.error());
  std::string detail;
  auto seen = health_of(in, *running, s.revision, detail);
  if (!seen) return StepResult::from_error(seen.error());
  if (seen->has_value() && !**seen) {
    ++g.failures;
  } else if (seen->has_value()) {
    g.failures = 0;
  }
  const std::int32_t threshold =
      in.release.spec.health_check ? in.release.spec.health_check->failure_threshold : 3;
  if (g.failures >= threshold) {
    return StepResult::failed("revision " + revision_text(s.revision) +
                                  " became unhealthy during its analysis window: " + detail,
                              model::RevisionOutcome::kFailedHealth);
  }
  const bool window_over = in.now >= end;
  std::vector<std::string> warnings;
  if (*running) {  // none running: the health count above deals with it
    if (auto decided = measure_metrics(in, s, g, window_over, **running, warnings)) {
      decided->warnings = std::move(warnings);
      return *decided;
    }
  }
  StepResult r = StepResult::done("analysis window passed");
  if (!window_over) {
    const model::Duration left = std::chrono::duration_cast<model::Duration>(end - in.now);
    r = StepResult::waiting(std::min(s.interval, left),
                            "analysis window: " + model::format_duration(left) + " left");
  }
  r.warnings = std::move(warnings);
  return r;
}

StepResult Executor::smoke_gate(const StepInput& in, const reconcile::step::SmokeGate& s) {
  auto running = running_instance(in, s.revision);
  if (!running) return StepResult::from_error(running.error());
  if (!*running) {
    return StepResult::failed(
        "smoke test: no running container of revision " + revision_text(s.revision),
        model::RevisionOutcome::kFailedHealth);
  }
  auto subject = subject_of(in, **running, s.revision);
  if (!subject) return StepResult::from_error(subject.error());
  model::MetricSpec smoke;
  smoke.name = "smoke";
  smoke.command = model::CommandMetric{s.command, s.timeout};
  model::AnalysisSpec spec;
  spec.metrics.push_back(smoke);
  auto provider = metrics_(spec);
  if (!provider) return StepResult::from_error(provider.error());
  const analysis::Measurement m = (*provider)->measure(smoke, *subject, s.timeout);
  const analysis::Verdict v = analysis::judge(smoke, m, std::nullopt);
  if (v.kind == analysis::Verdict::Kind::kPass) {
    return StepResult::done("smoke test passed (" + m.detail + ")");
  }
  StepResult r = StepResult::failed("revision " + revision_text(s.revision) +
                                        " failed its smoke test: " + v.reason +
                                        (m.detail.empty() ? "" : "; " + m.detail),
                                    model::RevisionOutcome::kFailedAnalysis);
  r.reason = "SmokeTestFailed";
  return r;
}

}  // namespace rwd::execute
