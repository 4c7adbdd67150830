// The database side of the Release reconciler: the schema revision as part
// of what runs, down scripts kept with each revision, what the database steps
// report, quiesced services after a failure, and periodic rollback drills.

#include <chrono>

#include <spdlog/spdlog.h>

#include "rewind/execute/drill.hpp"
#include "rewind/reconcile/conditions.hpp"

#include "reconciler_run.hpp"

namespace rwd::execute {
namespace detail {

model::RevisionRecord* find_record(model::History& h, model::RevisionNumber n) {
  for (auto& r : h.revisions) {
    if (r.number == n) return &r;
  }
  return nullptr;
}

void observe_backup(const model::ReleaseStatus& status, reconcile::Observed& observed) {
  if (!status.migration || !status.migration->last_backup) return;
  const model::BackupRecord& b = *status.migration->last_backup;
  if (b.taken_at) observed.latest_backup = reconcile::ObservedBackup{*b.taken_at, b.verified};
}

void merge_migration(model::ReleaseStatus& status, const model::MigrationStatus& m) {
  model::MigrationStatus& out = status.migration ? *status.migration : status.migration.emplace();
  if (!m.revision.empty()) out.revision = m.revision;
  if (m.last_backup) out.last_backup = m.last_backup;
  if (m.last_drill) out.last_drill = m.last_drill;
  if (!m.row_counts.empty()) out.row_counts = m.row_counts;
  if (!m.restored_from.empty()) out.restored_from = m.restored_from;
  if (!m.kept_as.empty()) out.kept_as = m.kept_as;
  if (!m.exported_rows.empty()) out.exported_rows = m.exported_rows;
}

}  // namespace detail

using detail::find_record;
using detail::merge_migration;

// What runs includes the schema: the database's own revision replaces what
// the container's labels claim (a container docker compose made has none).
// An unreachable database leaves the labels' word; the schema step itself
// will then say what is wrong.
void ReleaseReconciler::observe_schema(Run& run, reconcile::Observed& observed) {
  const auto& mig = run.release.spec.migration;
  if (!mig || deps_.database == nullptr) return;
  auto rev = deps_.database->revision(DatabaseRef{run.release, *mig, std::nullopt});
  if (!rev) {
    spdlog::warn("{}: cannot read the schema revision: {}", run.key.str(), rev.error().message);
    return;
  }
  const std::string schema = *rev == "none" ? std::string() : *rev;
  if (observed.running) observed.running->migration_revision = schema;
  model::MigrationStatus m;
  m.revision = *rev;
  merge_migration(run.release.status, m);
}

// Nothing to change: the time for a rollback drill (migration.drill.every)?
// It runs on a copy, so the service is not touched; the next pass sets
// RollbackReady from its outcome.
ReconcileOutcome ReleaseReconciler::idle(Run& run) {
  const reconcile::Decision& d = run.decision;
  const auto& mig = run.release.spec.migration;
  if (deps_.database == nullptr || !mig || !mig->drill.every || d.error) {
    return {d.action, std::nullopt, d.message};
  }
  const model::Timestamp now = deps_.now();
  if (!drill_due(run.release, now)) {
    const auto& last = run.release.status.migration->last_drill;
    const auto until =
        std::chrono::duration_cast<model::Duration>(last->at + *mig->drill.every - now);
    const bool sooner = d.action.is_await_change() || until < *d.action.requeue();
    return {sooner ? reconcile::Action::requeue_after(until) : d.action, std::nullopt, d.message};
  }
  record_drill(run, run_rollback_drill(*deps_.database, run.release, run.history, deps_.now));
  return {reconcile::Action::requeue_after(std::chrono::milliseconds(1)), std::nullopt,
          "rollback drill: " + run.release.status.migration->last_drill->message};
}

void ReleaseReconciler::record_drill(Run& run, const model::Result<DrillOutcome>& outcome) {
  model::MigrationStatus m;
  if (!outcome) {
    m.last_drill =
        model::DrillRecord{deps_.now(), false, 0, "", "cannot drill: " + outcome.error().message};
  } else {
    m.last_drill = outcome->record;
    if (outcome->backup) m.last_backup = outcome->backup;
  }
  merge_migration(run.release.status, m);
  if (m.last_drill->passed) {
    spdlog::info("{}: rollback drill passed in {:.1f}s: {}", run.key.str(), m.last_drill->seconds,
                 m.last_drill->message);
  } else {
    spdlog::error("{}: rollback drill failed: {}", run.key.str(), m.last_drill->message);
  }
  (void)write_status(run);
}

// sql-dir: the down scripts of migration.directory go into the new
// revision's record, so a later downgrade away from it can run them.
model::Status ReleaseReconciler::keep_down_scripts(const Run& run, model::RevisionRecord& rec) {
  const auto& mig = rec.spec.migration;
  if (!mig || mig->driver != model::MigrationDriver::kSqlDir || deps_.database == nullptr)
    return {};
  auto scripts = deps_.database->down_scripts(DatabaseRef{run.release, *mig, std::nullopt});
  if (!scripts) return scripts.error();
  rec.down_scripts = std::move(*scripts);
  return {};
}

// A backup belongs to the revision the plan moves to ("taken before it went
// live"), to status, and to the Rollback the plan serves.
void ReleaseReconciler::record_database_step(Run& run, const model::MigrationStatus& m) {
  merge_migration(run.release.status, m);
  if (!m.last_backup) return;
  if (run.decision.plan.to) {
    if (auto* rec = find_record(run.history, *run.decision.plan.to)) {
      rec->backup = m.last_backup;
      (void)save_history(run);
    }
  }
  if (serves_rollback(run)) run.rollback->status.backup = m.last_backup;
}

// Services a plan stopped for its schema change start again when a later
// step fails, as they would after it.
void ReleaseReconciler::unquiesce_after_failure(Run& run, const reconcile::Step& failed) {
  const reconcile::Plan& plan = run.decision.plan;
  std::optional<std::size_t> quiesced;
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    const reconcile::Step& step = plan.steps[i];
    if (step.id == failed.id) {
      if (!quiesced) return;
      // A retry stops them again before it repeats the failed step.
      if (auto& p = run.release.status.progress)
        p->step_index = static_cast<std::int32_t>(*quiesced);
      for (std::size_t j = i + 1; j < plan.steps.size(); ++j) {
        if (plan.steps[j].as<reconcile::step::Unquiesce>() == nullptr) continue;
        const StepResult r =
            executor_.run(StepInput{run.release, run.history, plan, j, deps_.now()});
        if (r.state == StepState::kFailed) {
          spdlog::error("{}: could not start the quiesced services again: {}", run.key.str(),
                        r.message);
        } else {
          spdlog::warn("{}: after the failure, {}", run.key.str(), r.message);
        }
        return;
      }
      return;
    }
    if (step.as<reconcile::step::Quiesce>() != nullptr) quiesced = i;
  }
}

}  // namespace rwd::execute
