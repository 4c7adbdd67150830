#pragma once
// Keeping a history small: at most revisionHistoryLimit records, dropping the
// oldest first, but never a revision that is still needed.

#include <cstdint>
#include <optional>
#include <vector>

#include "rewind/model/history.hpp"
#include "rewind/model/release.hpp"

namespace rwd::history {

// Revisions that must survive pruning, besides the ones the history itself
// names (its newest record, whose number the next revision continues from,
// and its last known good one).
struct Protected {
  std::optional<model::RevisionNumber> current;
  std::optional<model::RevisionNumber> stable;
  std::optional<model::RevisionNumber> pinned;
  std::optional<model::RevisionNumber> in_progress;  // a plan moving there
  // The newest revision older than `current` that went live, so a Rollback
  // `to: previous` still finds its target. Derived; leave it unset.
  std::optional<model::RevisionNumber> previous;
};

// From a Release's status: current, stable, pinned and in-progress revisions.
Protected protected_revisions(const model::ReleaseStatus& status);

struct PruneResult {
  model::History history;                      // what to keep, in order
  std::vector<model::RevisionRecord> dropped;  // oldest first (their backups may go too)
};

// Keeps at most `limit` records (limit < 1 counts as 1). The newest record,
// the last known good one, and the current, stable, pinned, in-progress and
// previous revisions are never dropped, so the result holds more than `limit`
// records when more than `limit` are protected.
PruneResult prune_history(const model::History& history, std::int32_t limit, const Protected& keep);

// The same with the limit and the protected revisions taken from a Release.
PruneResult prune_history(const model::History& history, const model::Release& release);

}  // namespace rwd::history
