// The schema steps of a plan: backup, quiesce and un-quiesce, migrate,
// restore a dump, check row counts. Each is re-entrant: run again after a
// crash it finds its work done (the schema at the target revision, the
// restored database in place, services already stopped) and finishes.

#include <chrono>
#include <set>
#include <string>

#include <spdlog/spdlog.h>

#include "rewind/execute/executor.hpp"
#include "rewind/execute/kill_point.hpp"

namespace rwd::execute {
namespace {

const model::MigrationSpec* migration_spec(const StepInput& in) {
  if (in.plan.to) {
    const model::RevisionRecord* rec = in.history.find(*in.plan.to);
    if (rec != nullptr && rec->spec.migration) return &*rec->spec.migration;
  }
  return in.release.spec.migration ? &*in.release.spec.migration : nullptr;
}

StepResult no_database(const StepInput& in, const char* what) {
  return StepResult::failed(std::string(what) + " needs spec.migration and a database target; " +
                                (in.release.spec.migration ? "rewind runs without one here"
                                                           : "the Release has no spec.migration"),
                            std::nullopt, model::ErrorKind::kTerminal);
}

// Dumps that history still points at: restoreBackup may need them.
std::set<std::string> referenced_backups(const model::History& h) {
  std::set<std::string> paths;
  for (const auto& r : h.revisions) {
    if (r.backup) paths.insert(r.backup->path);
  }
  return paths;
}

// Down scripts history kept, the newest revision's last so they win.
FileContents kept_down_scripts(const model::History& h) {
  FileContents kept;
  for (const auto& r : h.revisions) {
    for (const auto& [file, sql] : r.down_scripts) kept[file] = sql;
  }
  return kept;
}

std::vector<model::RowCount> before_counts(const std::map<std::string, std::int64_t>& counts) {
  std::vector<model::RowCount> rows;
  for (const auto& [table, n] : counts) rows.push_back({table, n, std::nullopt});
  return rows;
}

std::string signed_count(std::int64_t n) { return (n > 0 ? "+" : "") + std::to_string(n); }

// A done result carrying the verifyTables counts taken before the schema
// changes (compared by the VerifyRowCounts step), or the failure to count.
StepResult counted_before(DatabaseTarget& database, const DatabaseRef& db) {
  StepResult r = StepResult::done();
  r.migration = model::MigrationStatus{};
  if (db.spec.verify_tables.empty()) return r;
  auto counts = database.row_counts(db, db.spec.verify_tables);
  if (!counts) return StepResult::from_error(counts.error());
  r.migration->row_counts = before_counts(*counts);
  return r;
}

// The direction of the plan's schema change (VerifyRowCounts follows it).
reconcile::MigrateDirection schema_direction(const reconcile::Plan& plan) {
  for (const auto& step : plan.steps) {
    if (const auto* m = step.as<reconcile::step::Migrate>()) return m->direction;
    if (step.as<reconcile::step::RestoreBackup>() != nullptr)
      return reconcile::MigrateDirection::kDown;
  }
  return reconcile::MigrateDirection::kUp;
}

// The image whose migration command runs: the target revision's for an
// upgrade, the one being left (it knows the newer migrations) for a downgrade.
std::optional<model::ImageRef> command_image(const StepInput& in, reconcile::MigrateDirection d) {
  const auto number = d == reconcile::MigrateDirection::kDown ? in.plan.from : in.plan.to;
  if (number) {
    if (const model::RevisionRecord* rec = in.history.find(*number)) return rec->revision.image;
  }
  if (d == reconcile::MigrateDirection::kUp) return in.release.spec.image;
  return std::nullopt;
}

// The stamp that names what a restore keeps: the incident's start, the same
// after a restart.
model::Timestamp restore_stamp(const StepInput& in) {
  const auto& lr = in.release.status.last_rollback;
  return lr ? lr->started_at : in.now;
}

}  // namespace

StepResult Executor::backup(const StepInput& in) {
  const model::MigrationSpec* spec = migration_spec(in);
  if (spec == nullptr || database_ == nullptr) return no_database(in, "a backup");
  const DatabaseRef db{in.release, *spec, std::nullopt};
  const auto& progress = in.release.status.progress;
  auto taken = database_->backup(db, in.now, referenced_backups(in.history),
                                 progress ? progress->started_at : std::nullopt);
  if (!taken) {
    StepResult r = StepResult::from_error(taken.error());
    if (r.reason.empty()) r.reason = "BackupFailed";
    return r;
  }
  if (!taken->verified) {
    StepResult r = StepResult::failed("the dump " + taken->path + " did not verify", std::nullopt,
                                      model::ErrorKind::kTransient);
    r.reason = "BackupFailed";
    return r;
  }
  kill_point("backup:after-dump");
  StepResult r = StepResult::done(taken->path + " (" + std::to_string(taken->bytes) +
                                  " bytes, sha256 " + taken->sha256.substr(0, 12) + ", verified)");
  r.migration = model::MigrationStatus{};
  r.migration->last_backup = *taken;
  return r;
}

StepResult Executor::migrate(const StepInput& in, const reconcile::step::Migrate& s) {
  const model::MigrationSpec* spec = migration_spec(in);
  if (spec == nullptr || database_ == nullptr) return no_database(in, "a schema migration");
  const DatabaseRef db{in.release, *spec, command_image(in, s.direction),
                       s.direction == reconcile::MigrateDirection::kDown};
  StepResult r = counted_before(*database_, db);
  if (r.state == StepState::kFailed) return r;
  auto done = database_->migrate(db, s.to, kept_down_scripts(in.history));
  if (!done) return StepResult::from_error(done.error());
  kill_point("migrate:after-migrate");
  r.migration->revision = done->to;
  r.message = done->applied.empty() ? "schema already at " + done->to
                                    : "schema " + done->from + " -> " + done->to + " (" +
                                          std::to_string(done->applied.size()) + " script" +
                                          (done->applied.size() == 1 ? "" : "s") + ")";
  return r;
}

StepResult Executor::restore_backup(const StepInput& in, const reconcile::step::RestoreBackup& s) {
  const model::MigrationSpec* spec = migration_spec(in);
  if (spec == nullptr || database_ == nullptr) return no_database(in, "a restore");
  const model::RevisionRecord* rec = in.history.find(s.taken_before);
  if (rec == nullptr || !rec->backup || rec->backup->path != s.path) {
    return StepResult::failed("the dump " + s.path + " is no longer recorded in history");
  }
  const DatabaseRef db{in.release, *spec, std::nullopt};
  StepResult r = counted_before(*database_, db);
  if (r.state == StepState::kFailed) return r;
  auto done = database_->restore(db, *rec->backup, restore_stamp(in));
  if (!done) {
    StepResult f = StepResult::from_error(done.error());
    if (f.reason.empty()) f.reason = "RestoreFailed";
    return f;
  }
  kill_point("restore:after-swap");
  r.migration->revision = s.schema;
  r.migration->restored_from = s.path;
  r.migration->kept_as = done->kept_as;
  r.migration->exported_rows = done->exported;
  r.message = "restored " + s.path + " into " + done->database +
              "; the data it replaced is kept "
              "in database " +
              done->kept_as +
              (done->exported.empty() ? "" : ", its rows of verifyTables in " + done->exported);
  return r;
}

StepResult Executor::verify_row_counts(const StepInput& in,
                                       const reconcile::step::VerifyRowCounts& s) {
  const model::MigrationSpec* spec = migration_spec(in);
  if (spec == nullptr || database_ == nullptr) return no_database(in, "a row-count check");
  auto after = database_->row_counts(DatabaseRef{in.release, *spec, std::nullopt}, s.tables);
  if (!after) return StepResult::from_error(after.error());
  std::vector<model::RowCount> rows;
  if (in.release.status.migration) rows = in.release.status.migration->row_counts;
  std::int64_t lost = 0;
  std::string summary;
  for (const auto& [table, n] : *after) {
    model::RowCount* row = nullptr;
    for (auto& x : rows) {
      if (x.table == table) row = &x;
    }
    if (row == nullptr) {  // counted before the restart lost it: nothing to compare
      summary +=
          (summary.empty() ? "" : ", ") + table + " " + std::to_string(n) + " (no count before)";
      continue;
    }
    row->after = n;
    if (n < row->before) lost += row->before - n;
    summary += (summary.empty() ? "" : ", ") + table + " " + std::to_string(row->before) + " -> " +
               std::to_string(n) + " (" + signed_count(n - row->before) + ")";
  }
  StepResult r = StepResult::done("rows: " + summary);
  r.migration = model::MigrationStatus{};
  r.migration->row_counts = rows;
  const bool down = schema_direction(in.plan) == reconcile::MigrateDirection::kDown;
  const std::optional<std::int64_t> limit =
      spec->max_row_loss ? spec->max_row_loss
                         : (down ? std::nullopt : std::optional<std::int64_t>(0));
  if (limit && lost > *limit) {
    StepResult f = StepResult::failed(std::to_string(lost) + " rows lost, more than maxRowLoss " +
                                          std::to_string(*limit) + ": " + summary,
                                      std::nullopt, model::ErrorKind::kTerminal);
    f.reason = "RowLoss";
    f.migration = r.migration;
    return f;
  }
  if (lost > 0)
    spdlog::warn("{}: the schema change lost {} rows: {}", in.release.metadata.key().str(), lost,
                 summary);
  return r;
}

// Stops (or starts again) the containers of the listed compose services of
// the Release's project.
StepResult Executor::quiesce(const StepInput& in, const std::vector<std::string>& services,
                             bool stop) {
  const auto& d = in.release.spec.target.docker;
  if (!d) return StepResult::failed("quiesce lists compose services; it needs target.docker");
  const std::chrono::seconds grace =
      in.plan.emergency ? std::chrono::seconds(1) : std::chrono::seconds(10);
  std::string summary;
  for (const auto& service : services) {
    model::Target t;
    t.docker = model::DockerTarget{d->project, service};
    auto listed = platform_.list(t);
    if (!listed) return StepResult::from_error(listed.error());
    int changed = 0;
    const Instance* newest = nullptr;
    for (const auto& i : *listed) {
      if (stop && i.running) {
        if (auto st = platform_.stop(i.id, grace); !st) return StepResult::from_error(st.error());
        ++changed;
      }
      if (!stop &&
          (newest == nullptr || (i.created && newest->created && *i.created > *newest->created))) {
        newest = &i;
      }
    }
    if (!stop && newest != nullptr && !newest->running) {
      if (auto st = platform_.start(newest->id); !st) return StepResult::from_error(st.error());
      ++changed;
    }
    summary += (summary.empty() ? "" : ", ") + service + ": " + std::to_string(changed) +
               (stop ? " stopped" : " started");
  }
  if (stop) kill_point("quiesce:after-stop");
  return StepResult::done(summary);
}

}  // namespace rwd::execute
