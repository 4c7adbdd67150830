#pragma once
// Runs one step of a plan against the targets. Steps are re-entrant: running
// a step again after a crash finds the work already done (a container
// labelled with the revision) and finishes it instead of repeating it. Gates
// never block: they probe once and ask to be called again after `interval`.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "rewind/analysis/judge.hpp"
#include "rewind/execute/colors.hpp"
#include "rewind/execute/database.hpp"
#include "rewind/execute/health_probe.hpp"
#include "rewind/execute/platform.hpp"
#include "rewind/model/history.hpp"
#include "rewind/model/release.hpp"
#include "rewind/reconcile/plan.hpp"
#include "rewind/router/router.hpp"

namespace rwd::execute {

enum class StepState { kDone, kWaiting, kFailed };

struct StepResult {
  StepState state = StepState::kDone;
  model::Duration retry_after{};  // kWaiting: call again after this
  bool for_person = false;        // kWaiting: until a person acts (retry_after unused)
  std::string message;
  // kFailed: what the failure says about the target revision (FailedHealth,
  // FailedAnalysis); nullopt when the step could not run (a peer away, a
  // step this target cannot do), which says nothing about the revision.
  std::optional<model::RevisionOutcome> outcome;
  model::ErrorKind error_kind = model::ErrorKind::kTransient;
  // kFailed: CamelCase cause for the Progressing condition (MigrationBlocked,
  // BackupFailed, ...); empty for most failures.
  std::string reason;
  // Analysis gates: warnIf thresholds the last round crossed, one line each
  // ("analysis/error-rate: 0.02 > 0.01"). They set the Degraded condition
  // (reason AnalysisWarning) without failing the revision.
  std::vector<std::string> warnings;
  // Database steps: what they learnt or made, merged into status.migration
  // (set fields replace; a backup also goes into history and the Rollback).
  std::optional<model::MigrationStatus> migration;

  static StepResult done(std::string m = {}) {
    StepResult r;
    r.message = std::move(m);
    return r;
  }
  // kWaiting for a person (`rewind promote`): no time to call again after;
  // the command, or a change, queues the Release.
  static StepResult waiting_for_person(std::string m) {
    StepResult r = waiting(model::Duration{0}, std::move(m));
    r.for_person = true;
    return r;
  }
  static StepResult waiting(model::Duration after, std::string m) {
    StepResult r;
    r.state = StepState::kWaiting;
    r.retry_after = after;
    r.message = std::move(m);
    return r;
  }
  static StepResult failed(std::string m, std::optional<model::RevisionOutcome> o = std::nullopt,
                           model::ErrorKind k = model::ErrorKind::kTerminal) {
    StepResult r;
    r.state = StepState::kFailed;
    r.message = std::move(m);
    r.outcome = o;
    r.error_kind = k;
    return r;
  }
  static StepResult from_error(const model::Error& e) {
    StepResult r = failed(e.message, std::nullopt, e.kind);
    r.reason = e.reason;
    return r;
  }
};

// The analysis providers for a Release's spec.analysis (a Prometheus client
// for its address, HTTP, commands).
using MetricsFactory = std::function<model::Result<std::unique_ptr<analysis::MetricProvider>>(
    const model::AnalysisSpec&)>;

// analysis::make_providers: the real ones.
MetricsFactory real_metrics();

// Where blue-green and canary traffic is switched.
struct Traffic {
  router::TrafficRouter* router = nullptr;  // nullptr: none configured; the steps say so
  // True when the router reaches containers on their network (nginx in a
  // container): color containers then publish no host port. False: each
  // publishes the traffic port on 127.0.0.1 and the router uses that.
  bool on_network = false;
};

struct StepInput {
  const model::Release& release;  // spec and status as last written
  const model::History& history;  // includes the plan's target revision
  const reconcile::Plan& plan;
  std::size_t index = 0;  // the step to run: plan.steps[index]
  model::Timestamp now{};
};

class Executor {
 public:
  // `database`: nullptr when no database is configured; a plan with a
  // schema step then fails at that step, saying so.
  // `metrics`: empty means real_metrics().
  Executor(ContainerPlatform& platform, HealthProbe& probe, DatabaseTarget* database = nullptr,
           MetricsFactory metrics = {}, Traffic traffic = {})
      : platform_(platform),
        probe_(probe),
        database_(database),
        metrics_(metrics ? std::move(metrics) : real_metrics()),
        traffic_(traffic) {}

  StepResult run(const StepInput& in);

  // Drops the gate counters of a Release (its plan changed or it is gone).
  void forget(const model::ObjectKey& key);

 private:
  struct Gate {
    std::int32_t successes = 0;
    std::int32_t failures = 0;
    model::Timestamp started{};
    analysis::AnalysisRun analysis;  // the metrics' tallies (analysis gates)
  };

  StepResult start_revision(const StepInput& in, const reconcile::step::StartRevision& s);
  // Creates the revision's container beside `instances` (the service's), or
  // from the service's last seen configuration when there are none.
  model::Result<std::string> create_revision(const StepInput& in,
                                             const reconcile::step::StartRevision& s,
                                             const std::vector<Instance>& instances);
  // Blue-green (executor_traffic.cpp): a color container beside the active
  // one, the router switched to it, the old color stopped after its delay.
  StepResult start_color(const StepInput& in, const reconcile::step::StartRevision& s);
  StepResult switch_color(const StepInput& in, const reconcile::step::SwitchActiveColor& s);
  // A color's or canary's container, next to what serves: `existing` (started
  // when stopped), else one made from `base` (or, with none, from the
  // service's last seen configuration) with `shape` applied to its change.
  // Kill points "<points>:after-create" and "<points>:after-start".
  model::Result<std::string> start_beside(const StepInput& in,
                                          const reconcile::step::StartRevision& s,
                                          const Instance* existing, const Instance* base,
                                          const std::string& points,
                                          const std::function<void(ContainerChange&)>& shape);
  StepResult scale_down_color(const StepInput& in, const reconcile::step::ScaleDown& s);
  // Canary (executor_canary.cpp): the canary container beside the stable
  // track, its share of the traffic, pauses, and the promotion that makes it
  // the stable track.
  StepResult start_canary(const StepInput& in, const reconcile::step::StartRevision& s);
  StepResult set_canary_weight(const StepInput& in, const reconcile::step::SetTrafficWeight& s);
  StepResult pause(const StepInput& in, const reconcile::step::Pause& s);
  StepResult promote_canary(const StepInput& in, const reconcile::step::Promote& s);
  StepResult scale_down_revision(const StepInput& in, const reconcile::step::ScaleDown& s);
  // The containers of the canary's two tracks, the canary running `revision`.
  struct TrafficScene;
  // Before a label-selecting router (a Kubernetes Service) has weights: all
  // traffic to `serving` as `backend`, so an instance started beside it gets
  // none until a switch. Nothing for other routers or once weights exist.
  model::Status pin_traffic(const StepInput& in, TrafficScene& scene, const Instance& serving,
                            const std::string& backend);
  // "container 0123456789ab", "Deployment web-green": for step messages.
  [[nodiscard]] std::string describe_id(const std::string& id) const;
  model::Result<CanaryTracks> tracks_of(const StepInput& in, const TrafficScene& scene,
                                        model::RevisionNumber revision);
  // A recreate of a canary Release moves the stable backend to the new container.
  model::Status route_stable(const StepInput& in, const Instance& serving);
  // What a traffic step works on: the router's weights, the service's
  // containers, the traffic port and the step's revision record. An error
  // (terminal, saying what to set) without a router or a port.
  model::Result<TrafficScene> traffic_scene(const StepInput& in,
                                            std::optional<model::RevisionNumber> revision);
  StepResult health_gate(const StepInput& in, const reconcile::step::HealthGate& s);
  StepResult analysis_gate(const StepInput& in, const reconcile::step::AnalysisGate& s);
  StepResult mark_stable(const StepInput& in, const reconcile::step::MarkStable& s);

  // Analysis (executor_analysis.cpp): spec.analysis.metrics measured on the
  // revision every interval of its window; the smoke command once.
  StepResult smoke_gate(const StepInput& in, const reconcile::step::SmokeGate& s);
  // The revision's running container as the providers see it.
  model::Result<analysis::Subject> subject_of(const StepInput& in, const Instance& running,
                                              model::RevisionNumber revision);
  // Canary: the stable track as the baseline of the metrics that compare
  // with one ("> 3x baseline"); nullopt otherwise.
  model::Result<std::optional<analysis::Subject>> baseline_of(
      const StepInput& in, const std::vector<model::MetricSpec>& metrics,
      model::RevisionNumber revision);
  // One round of the gate's metrics on `running`; a failed or passed
  // decision ends the gate.
  std::optional<StepResult> measure_metrics(const StepInput& in,
                                            const reconcile::step::AnalysisGate& s, Gate& g,
                                            bool window_over, const Instance& running,
                                            std::vector<std::string>& warnings);

  // Database steps (executor_database.cpp).
  StepResult backup(const StepInput& in);
  StepResult migrate(const StepInput& in, const reconcile::step::Migrate& s);
  StepResult restore_backup(const StepInput& in, const reconcile::step::RestoreBackup& s);
  StepResult verify_row_counts(const StepInput& in, const reconcile::step::VerifyRowCounts& s);
  StepResult quiesce(const StepInput& in, const std::vector<std::string>& services, bool stop);

  // The running container of the revision; nullopt when none runs.
  model::Result<std::optional<Instance>> running_instance(const StepInput& in,
                                                          model::RevisionNumber revision);
  // One health observation of the revision's container: true healthy,
  // false unhealthy, nullopt not decided yet (Docker says "starting").
  model::Result<std::optional<bool>> observe_health(const StepInput& in,
                                                    model::RevisionNumber revision,
                                                    std::string& detail);
  // The same for a container already looked up (nullopt: none runs).
  model::Result<std::optional<bool>> health_of(const StepInput& in,
                                               const std::optional<Instance>& running,
                                               model::RevisionNumber revision, std::string& detail);
  Gate& gate(const StepInput& in);
  static std::string gate_id(const StepInput& in);
  StepResult gate_decided(const StepInput& in, StepResult r);

  ContainerPlatform& platform_;
  HealthProbe& probe_;
  DatabaseTarget* database_;
  MetricsFactory metrics_;
  Traffic traffic_;
  std::mutex mu_;
  std::map<std::string, Gate> gates_;  // "<ns>/<name>/<plan hash>/<step id>"
};

// True when the instance runs `revision` of the Release: labelled with it, or
// (a container rewind did not create) with the revision's image.
bool runs_revision(const Instance& i, model::RevisionNumber revision, const model::Revision& tuple);

}  // namespace rwd::execute
