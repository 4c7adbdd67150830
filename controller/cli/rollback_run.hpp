#pragma once
// Internal: the two ways `rewind rollback` gets a Rollback done once it is
// checked, confirmed and written to <state-dir>/requests/.

#include <filesystem>
#include <iosfwd>

#include "rewind/cli/rollback.hpp"
#include "rewind/cli/state_lock.hpp"
#include "rewind/reconcile/planner.hpp"

#include "engine.hpp"
#include "rollback_plan.hpp"

namespace rwd::cli {

struct RunContext {
  const RollbackOptions& options;
  Engine& engine;
  const StoredRelease& stored;
  const model::Rollback& rollback;
  const reconcile::Decision& plan;       // computed beforehand, for step names
  const std::filesystem::path& request;  // the request file
  std::ostream& out;
  std::ostream& err;
};

// A watcher holds the state directory: print the Rollback's progress from its
// stored status until it finishes (0 / 1), --timeout passes (1; the watcher
// carries on), or with --no-wait until the watcher has taken it (0).
int follow_watcher(const RunContext& ctx, const LockHolder& watcher);

// No watcher: run the engine here, reconcile after reconcile, until the
// Rollback has finished (0 / 1), --timeout passes or SIGINT/SIGTERM (1; the
// request stays for the next watcher).
int run_in_process(const RunContext& ctx);

}  // namespace rwd::cli
