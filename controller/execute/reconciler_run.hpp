#pragma once
// Internal to the Release reconciler: the state of one reconcile, shared by
// release_reconciler.cpp (observe, plan, run steps) and
// release_reconciler_database.cpp (the database side: schema, backups,
// drills).

#include <optional>

#include "rewind/execute/release_reconciler.hpp"

namespace rwd::execute {

struct ReleaseReconciler::Run {
  model::ObjectKey key;
  model::Release release;  // spec from the source, status as stored
  model::History history;
  model::EnvFileContents env_files;
  std::optional<model::Rollback> rollback;  // the pending one the plan serves
  reconcile::Decision decision;
};

namespace detail {

model::RevisionRecord* find_record(model::History& h, model::RevisionNumber n);
// The newest verified dump the database steps recorded, for RollbackReady.
void observe_backup(const model::ReleaseStatus& status, reconcile::Observed& observed);
// Merges what a database step reported into status.migration (set fields replace).
void merge_migration(model::ReleaseStatus& status, const model::MigrationStatus& m);

}  // namespace detail
}  // namespace rwd::execute
