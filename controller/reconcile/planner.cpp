// plan(): goal, then the plan (resumed or fresh), then the status around it.

#include "rewind/reconcile/planner.hpp"

#include <utility>

#include "internal.hpp"

namespace rwd::reconcile {

Decision plan(const Desired& desired, const Observed& observed, const model::History& history,
              model::Timestamp now) {
  const detail::Inputs in{desired, observed, history, now,
                          detail::running_record(history, observed)};
  const auto& status = desired.release.status;
  Decision d;
  d.phase = status.phase;
  d.conditions = status.conditions;
  d.pin = status.pin;
  if (desired.rollback) d.rollback_conditions = desired.rollback->status.conditions;

  detail::Choice choice = detail::choose_goal(in, d);
  if (choice.kind == detail::Choice::Kind::kError) {
    detail::set_error_status(in, choice, d);
    return d;
  }
  const detail::Goal& goal = choice.goal;
  const detail::Basis basis = detail::observed_basis(in, goal);
  if (auto resumed = detail::resume(in, goal, basis)) {
    d.plan = std::move(*resumed);
  } else {
    auto built = detail::build_plan(in, goal, basis);
    if (!built) {
      choice.kind = detail::Choice::Kind::kError;
      choice.error_reason = "NoPreUpgradeBackup";
      choice.error = built.error();
      choice.rollback_error = goal.reason == reason::kRollbackResource;
      if (choice.rollback_error) {  // no plan: the Rollback does not pin either
        d.pin = status.pin;
        d.pin_changed = false;
      }
      detail::set_error_status(in, choice, d);
      return d;
    }
    d.plan = std::move(built).value();
  }
  d.plan.dry_run = goal.dry_run;
  d.plan.emergency = goal.emergency;
  if (goal.dry_run) {
    d.pin = status.pin;  // a dry run writes nothing to the Release
    d.pin_changed = false;
  } else {
    d.new_record = std::move(choice.new_record);
    if (goal.mark_aborted) d.mark_aborted = goal.leaving;
  }
  detail::set_status(in, goal, d);
  return d;
}

}  // namespace rwd::reconcile
