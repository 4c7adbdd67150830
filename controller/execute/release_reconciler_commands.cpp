// `rewind promote`, `abort` and `retry`, applied at the start of a reconcile
// (before the planner looks at status and history).

#include <spdlog/spdlog.h>

#include "rewind/execute/release_reconciler.hpp"

#include "reconciler_run.hpp"

namespace rwd::execute {
namespace {

model::RevisionRecord* newest_with_hash(model::History& h, const model::RevisionHash& hash) {
  model::RevisionRecord* out = nullptr;
  for (auto& r : h.revisions) {
    if (r.hash == hash) out = &r;
  }
  return out;
}

}  // namespace

void ReleaseReconciler::apply_commands(Run& run, const model::Revision& desired) {
  if (deps_.commands == nullptr) return;
  const std::vector<Command> commands = deps_.commands->take(run.key);
  bool history_changed = false;
  auto& progress = run.release.status.progress;
  for (const auto& c : commands) {
    const std::string who = run.key.str() + ": " + to_string(c.kind) + " (" + c.from + ")";
    switch (c.kind) {
      case CommandKind::kPromote:
        if (!progress) {
          spdlog::warn("{}: nothing to promote, no plan is running", who);
          break;
        }
        progress->promoted_step = progress->step_index;
        spdlog::info("{}: step {} of the plan to revision {} goes on", who,
                     progress->step_index + 1, progress->revision.value());
        break;
      case CommandKind::kAbort:
        if (!progress) {
          spdlog::warn("{}: nothing to abort, no plan is running", who);
          break;
        }
        progress->aborted = true;
        spdlog::warn("{}: revision {} is aborted", who, progress->revision.value());
        break;
      case CommandKind::kRetry: {
        model::RevisionRecord* rec = newest_with_hash(run.history, model::revision_hash(desired));
        if (rec == nullptr || !model::is_failed(rec->outcome)) {
          spdlog::warn("{}: nothing to retry, the desired revision has not failed", who);
          break;
        }
        spdlog::info("{}: revision {} ({}, {}) is tried again", who, rec->number.value(),
                     model::to_string(rec->outcome), rec->outcome_reason);
        rec->outcome = model::RevisionOutcome::kPending;
        rec->outcome_reason.clear();
        rec->ended_at.reset();
        if (progress && progress->revision == rec->number) progress.reset();
        history_changed = true;
        break;
      }
    }
  }
  if (history_changed) {
    if (auto st = save_history(run); !st) {
      spdlog::error("{}: retry: cannot save history: {}", run.key.str(), st.error().message);
    }
  }
}

}  // namespace rwd::execute
