#include "rewind/execute/release_reconciler.hpp"

#include <chrono>

#include <spdlog/spdlog.h>

#include "rewind/execute/env.hpp"
#include "rewind/execute/kill_point.hpp"
#include "rewind/execute/observe.hpp"
#include "rewind/history/prune.hpp"
#include "rewind/reconcile/conditions.hpp"
#include "rewind/reconcile/format.hpp"

#include "reconciler_run.hpp"

namespace rwd::execute {

using detail::find_record;
using detail::merge_migration;
using detail::observe_backup;

namespace {

bool finished(const model::Rollback& rb) {
  return rb.status.phase == model::RollbackPhase::kSucceeded ||
         rb.status.phase == model::RollbackPhase::kFailed;
}

bool follows_containers(const model::Release& r) {
  const auto it = r.metadata.annotations.find(kSourceAnnotation);
  return it != r.metadata.annotations.end() && it->second == kDockerLabelsSource;
}

}  // namespace

std::int64_t derive_generation(const model::Release& from_source,
                               const std::optional<model::Release>& stored) {
  if (from_source.metadata.generation > 0) return from_source.metadata.generation;
  if (!stored) return 1;
  const std::int64_t g = std::max<std::int64_t>(stored->metadata.generation, 1);
  return stored->spec == from_source.spec ? g : g + 1;
}

ReleaseReconciler::ReleaseReconciler(ReconcilerDeps deps)
    : deps_(std::move(deps)),
      executor_(deps_.platform, deps_.probe, deps_.database, deps_.metrics, deps_.traffic) {}

void ReleaseReconciler::forget(const model::ObjectKey& key) { executor_.forget(key); }

model::Status ReleaseReconciler::save_history(Run& run) {
  run.history = history::prune_history(run.history, run.release).history;
  return deps_.history.save(run.key, run.history);
}

model::Status ReleaseReconciler::write_status(Run& run) { return deps_.status.write(run.release); }

void ReleaseReconciler::write_rollback(Run& run, model::RollbackPhase phase,
                                       const std::string& message) {
  if (!run.rollback) return;
  model::Rollback& rb = *run.rollback;
  const model::Timestamp now = deps_.now();
  rb.status.phase = phase;
  rb.status.observed_generation = rb.metadata.generation;
  rb.status.from_revision = run.decision.plan.from;
  rb.status.to_revision = run.decision.plan.to;
  if (!rb.status.started_at) rb.status.started_at = now;
  if (phase == model::RollbackPhase::kSucceeded || phase == model::RollbackPhase::kFailed) {
    rb.status.finished_at = now;
  }
  rb.status.message = message;
  for (const auto& c : run.decision.rollback_conditions) {
    reconcile::set_condition(rb.status.conditions, c, now);
  }
  if (auto st = deps_.status.write(rb); !st) {
    spdlog::error("{}: cannot write the status of Rollback {}: {}", run.key.str(), rb.metadata.name,
                  st.error().message);
  }
}

ReconcileOutcome ReleaseReconciler::reconcile(const model::Release& from_source,
                                              const std::vector<model::Rollback>& rollbacks) {
  Run run;
  run.key = from_source.metadata.key();
  auto stored = deps_.status.read_release(run.key);
  if (!stored) return {reconcile::Action::await_change(), stored.error(), stored.error().message};
  run.release = from_source;
  run.release.metadata.generation = derive_generation(from_source, *stored);
  if (*stored) run.release.status = (*stored)->status;

  auto files = deps_.env_files(run.release);
  if (!files) {
    run.release.status.message = files.error().message;
    run.release.status.phase = model::ReleasePhase::kFailed;
    (void)write_status(run);
    return {reconcile::Action::await_change(), files.error(), files.error().message};
  }
  run.env_files = std::move(*files);
  const model::Revision desired = model::revision_of(run.release.spec, run.env_files);

  auto hist = deps_.history.load(run.key);
  if (!hist) return {reconcile::Action::await_change(), hist.error(), hist.error().message};
  run.history = std::move(*hist);
  apply_commands(run, desired);

  auto seen = observe_release(deps_.platform, deps_.probe, run.release, desired, run.history,
                              deps_.traffic.router);
  if (!seen) return {reconcile::Action::await_change(), seen.error(), seen.error().message};
  if (seen->instances.empty() && follows_containers(run.release)) {
    return {reconcile::Action::await_change(), std::nullopt,
            "the compose service has no containers (docker compose down): the Release goes with "
            "them"};
  }
  reconcile::Observed& observed = seen->observed;
  observe_backup(run.release.status, observed);
  observe_schema(run, observed);

  for (const auto& rb : rollbacks) {
    auto st = deps_.status.read_rollback(rb.metadata.key());
    model::Rollback current = rb;
    if (st && *st) current.status = (**st).status;
    if (!finished(current)) {
      run.rollback = current;
      break;
    }
  }

  reconcile::Desired want{run.release, desired, run.rollback};
  const model::Timestamp now = deps_.now();
  run.decision = reconcile::plan(want, observed, run.history, now);
  const reconcile::Decision& d = run.decision;
  if (deps_.dry_run) {
    if (!d.plan.empty())
      spdlog::info("{}: dry run: would run\n{}", run.key.str(), reconcile::format_plan(d));
    return {reconcile::Action::await_change(), std::nullopt, "dry run: " + d.message};
  }

  if (d.plan.dry_run && run.rollback) {
    model::Rollback& rb = *run.rollback;
    rb.status.plan.clear();
    for (const auto& s : d.plan.steps) {
      rb.status.plan.push_back({reconcile::step_name(s.kind()), s.description,
                                model::StepState::kPending, std::nullopt, std::nullopt, ""});
    }
    write_rollback(run, model::RollbackPhase::kSucceeded, "dry run: " + d.message);
    return {reconcile::Action::await_change(), std::nullopt, "dry run of " + rb.metadata.name};
  }

  if (d.new_record) {
    model::RevisionRecord rec = *d.new_record;
    if (rec.revision.config_hash == desired.config_hash) rec.env_files = run.env_files;
    for (const auto& r : run.history.revisions) {  // a mixed (partial rollback) record
      if (rec.env_files.empty() && r.revision.config_hash == rec.revision.config_hash) {
        rec.env_files = r.env_files;
      }
    }
    if (auto st = keep_down_scripts(run, rec); !st) {
      return {reconcile::Action::await_change(), st.error(), st.error().message};
    }
    run.history.revisions.push_back(std::move(rec));
  }
  if (d.mark_aborted) {
    if (auto* r = find_record(run.history, *d.mark_aborted)) {
      r->outcome = model::RevisionOutcome::kAborted;
      if (r->outcome_reason.empty()) r->outcome_reason = "aborted by hand (rewind abort)";
      r->ended_at = now;
    }
    notify(run, notify::kAborted,
           "revision " + std::to_string(d.mark_aborted->value()) + " aborted by hand");
  }
  if (d.new_record || d.mark_aborted) {
    if (auto st = save_history(run); !st) {
      return {reconcile::Action::await_change(), st.error(), st.error().message};
    }
  }
  model::ReleaseStatus& s = run.release.status;
  s.observed_generation = run.release.metadata.generation;
  s.phase = d.phase;
  s.conditions = d.conditions;
  s.pin = d.pin;
  const std::optional<model::PlanProgress> before = s.progress;
  s.progress = d.progress;
  bool fresh_plan = false;
  if (s.progress) {
    const bool same_plan = before && before->plan_hash == s.progress->plan_hash &&
                           before->revision == s.progress->revision && before->started_at;
    s.progress->started_at = same_plan ? before->started_at : std::optional<model::Timestamp>(now);
    if (same_plan) s.progress->promoted_step = before->promoted_step;
    fresh_plan = !same_plan;
  }
  s.message = d.message;
  if (observed.running) {
    s.observed = model::ObservedRevision{observed.running->image, observed.running->config_hash,
                                         observed.running->migration_revision};
  }
  if (auto st = write_status(run); !st) {
    return {reconcile::Action::await_change(), st.error(), st.error().message};
  }
  if (d.error) {
    if (run.rollback) write_rollback(run, model::RollbackPhase::kFailed, d.error->message);
    return {d.action, *d.error, d.message};
  }
  if (d.plan.empty()) return idle(run);
  if (fresh_plan) {
    const bool back = d.plan.direction == reconcile::Direction::kRollback;
    notify(run, back ? notify::kRollbackStarted : notify::kRolloutStarted, d.plan.reason);
  }
  if (serves_rollback(run)) {
    list_rollback_steps(run);
    write_rollback(run, model::RollbackPhase::kRunning, d.message);
  }
  kill_point("before-plan");
  return execute(run);
}

ReconcileOutcome ReleaseReconciler::execute(Run& run) {
  const reconcile::Plan& plan = run.decision.plan;
  for (std::size_t i = plan.first_step; i < plan.steps.size(); ++i) {
    const reconcile::Step& step = plan.steps[i];
    if (deps_.may_act) {
      if (auto st = deps_.may_act(); !st) {
        return {reconcile::Action::await_change(), st.error(),
                "not running step " + std::to_string(i + 1) + " (" + step.description +
                    "): " + st.error().message};
      }
    }
    const model::Timestamp started = deps_.now();
    if (const auto* inc = step.as<reconcile::step::RecordIncident>()) {
      run.release.status.last_rollback =
          model::LastRollback{inc->from.value_or(model::RevisionNumber{0}),
                              inc->to,
                              inc->reason,
                              started,
                              std::nullopt,
                              0,
                              plan.emergency};
      spdlog::warn(
          "{}: {}rollback {} -> {} ({})", run.key.str(), plan.emergency ? "EMERGENCY " : "",
          inc->from ? std::to_string(inc->from->value()) : "?", inc->to.value(), inc->reason);
    }
    note_step(run, i, model::StepState::kRunning, "");
    const StepResult r = executor_.run(StepInput{run.release, run.history, plan, i, started});
    const model::Duration took = std::chrono::duration_cast<model::Duration>(deps_.now() - started);
    // A finished step is reported (a Kubernetes Event) only once its progress
    // is written, below: killed in between, the next controller runs it again
    // and must not report it a second time.
    const bool done = r.state == StepState::kDone;
    if (deps_.on_step && !done) deps_.on_step(run.key, step, r, took);
    if (step.as<reconcile::step::AnalysisGate>() != nullptr) note_warnings(run, r);
    if (r.state == StepState::kWaiting) {
      note_step(run, i, model::StepState::kRunning, r.message);
      run.release.status.message = step.description + ": " + r.message;
      if (r.for_person) run.release.status.phase = model::ReleasePhase::kPaused;
      (void)write_status(run);
      if (r.for_person) return {reconcile::Action::await_change(), std::nullopt, r.message};
      return {reconcile::Action::requeue_after(r.retry_after), std::nullopt, r.message};
    }
    if (r.state == StepState::kFailed) {
      note_step(run, i, model::StepState::kFailed, r.message);
      return after_step_failed(run, step, r);
    }
    spdlog::info("{}: step {}/{} done: {}{}", run.key.str(), i + 1, plan.steps.size(),
                 step.description, r.message.empty() ? "" : " (" + r.message + ")");
    after_step_done(run, step, r);
    note_step(run, i, model::StepState::kSucceeded, r.message);
    if (run.release.status.progress)
      run.release.status.progress->step_index = static_cast<std::int32_t>(i + 1);
    if (auto st = write_status(run); !st) {
      return {reconcile::Action::await_change(), st.error(), st.error().message};
    }
    if (deps_.on_step) deps_.on_step(run.key, step, r, took);
    kill_point(std::string("after-step:") + reconcile::step_name(step.kind()));
  }
  // Done: the next pass computes the final conditions from what runs now.
  run.release.status.progress.reset();
  (void)write_status(run);
  const std::string revision =
      "revision " + (plan.to ? std::to_string(plan.to->value()) : std::string("?"));
  if (plan.direction == reconcile::Direction::kRollback) {
    notify(run, notify::kRolledBack, revision + " runs and is healthy");
  } else if (plan.direction == reconcile::Direction::kRollForward) {
    notify(run, notify::kPromoted, revision + " is stable");
  }
  if (serves_rollback(run)) {
    const std::string to = plan.to ? std::to_string(plan.to->value()) : "?";
    write_rollback(run, model::RollbackPhase::kSucceeded,
                   "done: revision " + to + " runs and is healthy" +
                       (plan.emergency ? " (emergency rollback)" : ""));
  }
  return {reconcile::Action::requeue_after(std::chrono::milliseconds(1)), std::nullopt,
          "plan done: " + plan.reason};
}

// warnIf: Degraded (AnalysisWarning) while the last round of an analysis
// gate crossed a warning threshold; cleared by a round without one. The
// planner keeps it while the plan runs.
void ReleaseReconciler::note_warnings(Run& run, const StepResult& r) {
  auto& conditions = run.release.status.conditions;
  const auto* current = reconcile::find_condition(conditions, model::condition_type::kDegraded);
  const bool warned = current != nullptr && current->reason == reconcile::reason::kAnalysisWarning;
  if (r.warnings.empty()) {
    if (!warned) return;
    reconcile::set_condition(
        conditions,
        reconcile::make_condition(model::condition_type::kDegraded, model::ConditionStatus::kFalse,
                                  "NoFailure", "", run.release.metadata.generation),
        deps_.now());
    return;
  }
  std::string message;
  for (const auto& w : r.warnings) message += (message.empty() ? "" : "; ") + w;
  reconcile::set_condition(
      conditions,
      reconcile::make_condition(model::condition_type::kDegraded, model::ConditionStatus::kTrue,
                                reconcile::reason::kAnalysisWarning, message,
                                run.release.metadata.generation),
      deps_.now());
}

bool ReleaseReconciler::serves_rollback(const Run& run) {
  return run.rollback &&
         run.decision.plan.reason == std::string(reconcile::reason::kRollbackResource);
}

// The Rollback's status lists the plan's steps; a plan resumed after a
// restart keeps the states and timings already recorded, and steps it
// finished before it stopped count as done.
void ReleaseReconciler::list_rollback_steps(Run& run) {
  const reconcile::Plan& plan = run.decision.plan;
  std::vector<model::StepStatus>& steps = run.rollback->status.plan;
  bool same = steps.size() == plan.steps.size();
  for (std::size_t i = 0; same && i < steps.size(); ++i) {
    same = steps[i].description == plan.steps[i].description;
  }
  if (!same) {
    steps.clear();
    for (const auto& s : plan.steps) {
      steps.push_back({reconcile::step_name(s.kind()), s.description, model::StepState::kPending,
                       std::nullopt, std::nullopt, ""});
    }
  }
  for (std::size_t i = 0; i < plan.first_step && i < steps.size(); ++i) {
    if (steps[i].state != model::StepState::kSucceeded)
      steps[i].state = model::StepState::kSucceeded;
  }
}

// One step of the Rollback's plan changed state: recorded with its timing.
void ReleaseReconciler::note_step(Run& run, std::size_t index, model::StepState state,
                                  const std::string& message) {
  if (!serves_rollback(run) || index >= run.rollback->status.plan.size()) return;
  model::StepStatus& st = run.rollback->status.plan[index];
  if (st.state == state && st.message == message) return;
  const model::Timestamp now = deps_.now();
  if (!st.started_at) st.started_at = now;
  if (state == model::StepState::kSucceeded || state == model::StepState::kFailed) {
    st.finished_at = now;
  }
  st.state = state;
  st.message = message;
  if (auto w = deps_.status.write(*run.rollback); !w) {
    spdlog::error("{}: cannot write the status of Rollback {}: {}", run.key.str(),
                  run.rollback->metadata.name, w.error().message);
  }
}

void ReleaseReconciler::after_step_done(Run& run, const reconcile::Step& step,
                                        const StepResult& r) {
  const model::Timestamp now = deps_.now();
  const reconcile::Plan& plan = run.decision.plan;
  model::ReleaseStatus& s = run.release.status;
  if (r.migration) record_database_step(run, *r.migration);
  if (const auto* start = step.as<reconcile::step::StartRevision>()) {
    if (auto* rec = find_record(run.history, start->revision)) {
      rec->live_at = now;
      rec->outcome = model::RevisionOutcome::kLive;
      (void)save_history(run);
      kill_point("start-revision:after-history");
    }
    s.current_revision = start->revision;
  } else if (const auto* gate = step.as<reconcile::step::HealthGate>()) {
    // A revision rewind did not start (a container docker compose created,
    // adopted as it runs) goes live when it first passes its health gate:
    // its analysis window counts from then.
    if (auto* rec = find_record(run.history, gate->revision); rec != nullptr && !rec->live_at) {
      rec->live_at = now;
      if (rec->outcome == model::RevisionOutcome::kPending) {
        rec->outcome = model::RevisionOutcome::kLive;
      }
      (void)save_history(run);
    }
  } else if (const auto* stable = step.as<reconcile::step::MarkStable>()) {
    for (auto& rec : run.history.revisions) {
      if (rec.number == stable->revision) {
        rec.healthy_at = now;
        rec.outcome = model::RevisionOutcome::kHealthy;
        if (!rec.live_at) rec.live_at = now;
      } else if (rec.outcome == model::RevisionOutcome::kHealthy ||
                 rec.outcome == model::RevisionOutcome::kLive) {
        rec.outcome = plan.direction == reconcile::Direction::kRollback
                          ? model::RevisionOutcome::kRolledBack
                          : model::RevisionOutcome::kSuperseded;
        rec.ended_at = now;
      }
    }
    (void)save_history(run);
    s.current_revision = stable->revision;
    s.stable_revision = stable->revision;
    if (plan.direction == reconcile::Direction::kRollback && s.last_rollback &&
        !s.last_rollback->finished_at) {
      s.last_rollback->finished_at = now;
      s.last_rollback->seconds =
          std::chrono::duration<double>(now - s.last_rollback->started_at).count();
    }
  }
}

ReconcileOutcome ReleaseReconciler::after_step_failed(Run& run, const reconcile::Step& step,
                                                      const StepResult& r) {
  const reconcile::Plan& plan = run.decision.plan;
  spdlog::error("{}: step \"{}\" failed: {}", run.key.str(), step.description, r.message);
  run.release.status.message = step.description + " failed: " + r.message;
  if (r.migration) merge_migration(run.release.status, *r.migration);
  if (!r.reason.empty()) {
    reconcile::set_condition(
        run.release.status.conditions,
        reconcile::make_condition(model::condition_type::kProgressing,
                                  model::ConditionStatus::kFalse, r.reason,
                                  run.release.status.message, run.release.metadata.generation),
        deps_.now());
  }
  unquiesce_after_failure(run, step);
  if (r.reason == "MigrationBlocked") notify(run, notify::kMigrationBlocked, r.message);
  if (plan.direction == reconcile::Direction::kRollback &&
      (r.outcome || r.error_kind != model::ErrorKind::kTransient)) {
    notify(run, notify::kRollbackFailed, step.description + ": " + r.message);
  }
  if (r.outcome && plan.to) {
    // The revision itself failed: record it, so the next plan rolls back
    // (or waits, with automatic rollback off) and never retries it.
    if (auto* rec = find_record(run.history, *plan.to)) {
      rec->outcome = *r.outcome;
      rec->outcome_reason = r.message;
      rec->ended_at = deps_.now();
    }
    (void)save_history(run);
    run.release.status.progress.reset();
    run.release.status.phase = model::ReleasePhase::kDegraded;
    (void)write_status(run);
    if (run.rollback) write_rollback(run, model::RollbackPhase::kFailed, r.message);
    executor_.forget(run.key);
    return {reconcile::Action::requeue_after(std::chrono::milliseconds(1)), std::nullopt,
            run.release.status.message};
  }
  (void)write_status(run);
  model::Error e{r.error_kind, run.release.status.message};
  if (r.error_kind != model::ErrorKind::kTransient && run.rollback) {
    write_rollback(run, model::RollbackPhase::kFailed, r.message);
  }
  return {reconcile::Action::await_change(), e, e.message};
}

void ReleaseReconciler::notify(const Run& run, const char* type, const std::string& message) {
  const auto& targets = run.release.spec.notify;
  if (deps_.notifier == nullptr || deps_.dry_run || targets.empty()) return;
  const reconcile::Plan& plan = run.decision.plan;
  const model::ReleaseStatus& s = run.release.status;
  notify::Event e;
  e.type = type;
  e.release = run.key;
  e.at = deps_.now();
  e.message = message;
  if (plan.from) e.from_revision = plan.from->value();
  if (plan.to) e.to_revision = plan.to->value();
  e.trigger = plan.reason;
  if (plan.direction == reconcile::Direction::kRollback && s.last_rollback) {
    e.trigger = s.last_rollback->trigger;
    if (s.last_rollback->finished_at) e.seconds = s.last_rollback->seconds;
  }
  deps_.notifier->notify(e, targets);
}

}  // namespace rwd::execute
