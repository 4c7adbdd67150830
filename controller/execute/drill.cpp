#include "rewind/execute/drill.hpp"

#include <chrono>
#include <set>

namespace rwd::execute {

model::Result<DrillOutcome> run_rollback_drill(DatabaseTarget& db, const model::Release& release,
                                               const model::History& history,
                                               const std::function<model::Timestamp()>& now) {
  if (!release.spec.migration) {
    return model::Error::invalid_spec("a rollback drill needs spec.migration");
  }
  const model::MigrationSpec& mig = *release.spec.migration;
  const auto& current = release.status.current_revision;
  if (!current)
    return model::Error::terminal("no revision runs yet: there is nothing to roll back");
  const model::RevisionRecord* target = history.last_known_good(*current);
  if (target == nullptr) {
    return model::Error::terminal("no known-good revision older than " +
                                  std::to_string(current->value()) + " to roll back to");
  }
  const std::string to = target->revision.migration_revision.empty()
                             ? std::string("none")
                             : target->revision.migration_revision;
  // A command driver's down command runs in the image that runs now: the
  // older image does not know the newer migrations.
  const model::RevisionRecord* running = history.find(*current);
  std::optional<model::ImageRef> image;
  if (running != nullptr) image = running->revision.image;
  const DatabaseRef ref{release, mig, image, true};
  const model::Timestamp started = now();
  std::set<std::string> protect;
  FileContents kept;
  for (const auto& r : history.revisions) {
    if (r.backup) protect.insert(r.backup->path);
    for (const auto& [file, sql] : r.down_scripts) kept[file] = sql;
  }
  DrillOutcome out;
  out.record.at = started;
  auto taken = db.backup(ref, started, protect);
  if (!taken) {
    out.record.message = "backup: " + taken.error().message;
  } else {
    out.backup = *taken;
    out.record.backup = taken->path;
    auto drilled = db.drill(ref, DrillRequest{*taken, to, kept, mig.verify_tables}, started);
    out.record.passed = drilled.ok();
    out.record.message = drilled ? *drilled : drilled.error().message;
  }
  out.record.seconds = std::chrono::duration<double>(now() - started).count();
  return out;
}

bool drill_due(const model::Release& release, model::Timestamp now) {
  const auto& mig = release.spec.migration;
  if (!mig || !mig->drill.every) return false;
  const auto& st = release.status.migration;
  if (!st || !st->last_drill) return true;
  return now - st->last_drill->at >= *mig->drill.every;
}

}  // namespace rwd::execute
