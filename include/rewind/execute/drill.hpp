#pragma once
// The rollback drill of a Release (`migration.drill.every`, `rewind drill`):
// the schema revision a rollback would go back to (the last known good
// revision before the current one), a fresh verified backup, and the drill on
// a copy of it. RollbackReady is True only after a drill passed.

#include <functional>
#include <optional>

#include "rewind/execute/database.hpp"
#include "rewind/model/history.hpp"
#include "rewind/model/release.hpp"

namespace rwd::execute {

struct DrillOutcome {
  model::DrillRecord record;                  // passed or not, with what it saw
  std::optional<model::BackupRecord> backup;  // the dump it took (also when the drill failed)
};

// Errors are for a drill that cannot be run at all (no spec.migration, no
// revision to go back to); a drill that runs and fails is an outcome with
// passed = false.
model::Result<DrillOutcome> run_rollback_drill(DatabaseTarget& db, const model::Release& release,
                                               const model::History& history,
                                               const std::function<model::Timestamp()>& now);

// True when `migration.drill.every` asks for a drill now: none yet, or the
// last one is at least that old.
bool drill_due(const model::Release& release, model::Timestamp now);

}  // namespace rwd::execute
