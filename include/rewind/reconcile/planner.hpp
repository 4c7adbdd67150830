#pragma once
// The pure planner: (desired, observed, history, now) -> Decision.
// No I/O, no clock, no randomness.
//
// Contract with the executor (what the planner relies on between calls):
// - Decision::new_record is appended to history before anything else of the
//   decision is written (the plan and the pin may refer to its number).
// - status.progress = Decision::progress when a plan starts; the executor
//   bumps step_index after each finished step and sets `aborted` on an abort.
// - status.current_revision (and stable_revision) change when a plan's
//   MarkStable step finishes, not before; history outcomes are written as
//   revisions go live, fail or are aborted, and a failed outcome
//   (FailedHealth, FailedAnalysis, Aborted) is never overwritten: it is what
//   keeps the planner from retrying the revision.
// - A dry-run decision only concerns its Rollback: nothing of it is written
//   to the Release (no record, no pin, no progress, no conditions).

#include <optional>
#include <string>

#include "rewind/model/condition.hpp"
#include "rewind/model/history.hpp"
#include "rewind/model/release.hpp"
#include "rewind/model/result.hpp"
#include "rewind/model/revision.hpp"
#include "rewind/model/rollback.hpp"
#include "rewind/model/time.hpp"
#include "rewind/reconcile/observed.hpp"
#include "rewind/reconcile/plan.hpp"

namespace rwd::reconcile {

struct Desired {
  // As read from its source: metadata (generation), spec and the status
  // rewind wrote last (pin, progress, conditions, current/stable revision).
  model::Release release;
  // revision_of(release.spec, env file contents), computed by the caller.
  model::Revision revision;
  // A Rollback for this Release that has not finished (phase Pending or
  // Running). Finished ones are ignored.
  std::optional<model::Rollback> rollback;
};

struct Decision {
  Plan plan;
  Action action = Action::await_change();

  // To append to history first (number = history.next_number()): the desired
  // tuple seen for the first time, a failed tuple retried after a spec change,
  // or the mixed tuple of a partial rollback.
  std::optional<model::RevisionRecord> new_record;
  // Also written to history first: outcome kAborted for a revision that was
  // aborted in status.progress only (history did not record it yet).
  std::optional<model::RevisionNumber> mark_aborted;

  // The Release status after this decision.
  model::ReleasePhase phase = model::ReleasePhase::kPending;
  model::Conditions conditions;   // the full list, times per set_condition
  std::optional<model::Pin> pin;  // status.pin after this decision
  bool pin_changed = false;
  std::optional<model::PlanProgress> progress;  // set when the plan has steps to run
  std::string message;                          // one line for status.message and logs

  // For Desired::rollback: conditions of the Rollback (Failed, Complete).
  model::Conditions rollback_conditions;

  // Set when no plan could be made: terminal (missing history, unknown
  // revision) or invalid spec. Reported in conditions too; never retried
  // until something changes.
  std::optional<model::Error> error;
};

Decision plan(const Desired& desired, const Observed& observed, const model::History& history,
              model::Timestamp now);

}  // namespace rwd::reconcile
