// Trimming a history to revisionHistoryLimit without losing a needed revision.

#include "rewind/history/prune.hpp"

#include <algorithm>
#include <set>

namespace rwd::history {

namespace {

std::set<model::RevisionNumber> protected_set(const model::History& h, const Protected& keep) {
  std::set<model::RevisionNumber> out;
  for (const auto& n : {keep.current, keep.stable, keep.pinned, keep.in_progress, keep.previous}) {
    if (n) out.insert(*n);
  }
  if (const auto* latest = h.latest()) out.insert(latest->number);
  if (const auto* good = h.last_known_good()) out.insert(good->number);
  // The target of a Rollback `to: previous`: the newest revision older than
  // the current one that went live.
  const std::optional<model::RevisionNumber> current =
      keep.current ? keep.current : (h.latest() ? std::optional(h.latest()->number) : std::nullopt);
  if (current) {
    for (auto it = h.revisions.rbegin(); it != h.revisions.rend(); ++it) {
      if (it->number < *current && it->live_at.has_value()) {
        out.insert(it->number);
        break;
      }
    }
  }
  return out;
}

}  // namespace

Protected protected_revisions(const model::ReleaseStatus& status) {
  Protected p;
  p.current = status.current_revision;
  p.stable = status.stable_revision;
  if (status.pin) p.pinned = status.pin->revision;
  if (status.progress) p.in_progress = status.progress->revision;
  return p;
}

PruneResult prune_history(const model::History& history, std::int32_t limit,
                          const Protected& keep) {
  const std::size_t max = static_cast<std::size_t>(std::max<std::int32_t>(limit, 1));
  PruneResult out;
  if (history.revisions.size() <= max) {
    out.history = history;
    return out;
  }
  const std::set<model::RevisionNumber> keep_set = protected_set(history, keep);
  std::size_t excess = history.revisions.size() - max;
  for (const auto& rec : history.revisions) {  // oldest first
    if (excess > 0 && keep_set.count(rec.number) == 0) {
      out.dropped.push_back(rec);
      --excess;
    } else {
      out.history.revisions.push_back(rec);
    }
  }
  return out;
}

PruneResult prune_history(const model::History& history, const model::Release& release) {
  return prune_history(history, release.spec.rollback_policy.revision_history_limit,
                       protected_revisions(release.status));
}

}  // namespace rwd::history
