// The Release status a decision leads to: phase, conditions, action, message.

#include <chrono>
#include <string>

#include "rewind/reconcile/conditions.hpp"

#include "internal.hpp"

namespace rwd::reconcile::detail {
namespace {

using model::ConditionStatus;
namespace ct = model::condition_type;

constexpr model::Duration kStepPoll = std::chrono::seconds(5);
constexpr model::Duration kUnhealthyRecheck = std::chrono::seconds(30);
constexpr model::Duration kUnknownRecheck = std::chrono::seconds(10);

std::string number(model::RevisionNumber n) { return std::to_string(n.value()); }

// Steps that wait for a person.
bool waits_for_person(const Step& s) {
  if (const auto* p = s.as<step::Pause>()) return !p->duration;
  if (const auto* p = s.as<step::Promote>()) return p->manual;
  return false;
}

std::string failed_message(const Goal& g) {
  return "revision " + number(*g.leaving) + " failed (" + outcome_reason(*g.leaving_outcome) + ")";
}

void set(Decision& d, const Inputs& in, const char* type, ConditionStatus status,
         std::string reason, std::string message) {
  set_condition(
      d.conditions,
      make_condition(type, status, std::move(reason), std::move(message), in.generation()), in.now);
}

void set_pinned(const Inputs& in, Decision& d) {
  if (d.pin) {
    set(d, in, ct::kPinned, ConditionStatus::kTrue, reason::kRollbackResource,
        "Rollback " + d.pin->rollback + " holds revision " + number(d.pin->revision) +
            " until the spec changes (generation " + std::to_string(d.pin->generation) + ")");
  } else {
    set(d, in, ct::kPinned, ConditionStatus::kFalse, d.pin_changed ? "SpecChanged" : "NotPinned",
        d.pin_changed ? "the spec changed; the Rollback's pin is released" : "");
  }
}

void set_action(const Inputs& in, const Goal& goal, bool at_target, Decision& d) {
  if (!d.plan.empty()) {
    const Step& next = *d.plan.next();
    if (waits_for_person(next)) {
      d.action = Action::await_change();
    } else if (const auto* p = next.as<step::Pause>()) {
      d.action = Action::requeue_after(*p->duration);
    } else {
      d.action = Action::requeue_after(kStepPoll);
    }
    return;
  }
  if (goal.hold || !at_target) {
    d.action = Action::await_change();
  } else if (in.observed.health == Health::kUnhealthy) {
    d.action = Action::requeue_after(kUnhealthyRecheck);
  } else if (in.observed.health == Health::kUnknown) {
    d.action = Action::requeue_after(kUnknownRecheck);
  } else {
    d.action = Action::await_change();
    const auto* rec = in.history.find(goal.number);
    if (in.policy().analysis && rec != nullptr && rec->live_at) {
      const auto ends = *rec->live_at + in.policy().analysis->window;
      if (ends > in.now) d.action = Action::requeue_after(ends - in.now);
    }
  }
}

}  // namespace

model::Condition rollback_ready(const Inputs& in) {
  auto cond = [&](ConditionStatus s, const char* reason, std::string message) {
    return make_condition(ct::kRollbackReady, s, reason, std::move(message), in.generation());
  };
  const auto* current = current_record(in);
  const auto* prev = current != nullptr ? previous_of(in.history, current->number) : nullptr;
  if (prev == nullptr) {
    return cond(ConditionStatus::kFalse, "NoPreviousRevision",
                current != nullptr
                    ? "no revision older than " + number(current->number) + " went live"
                    : "history has no revisions");
  }
  const std::string what =
      "revision " + number(prev->number) + " (" + prev->revision.image.value() + ")";
  if (!in.observed.images_present.contains(prev->revision.image)) {
    return cond(ConditionStatus::kFalse, "ImageMissing",
                "image " + prev->revision.image.value() + " of revision " + number(prev->number) +
                    " is not present");
  }
  if (const auto& mig = in.policy().migration) {
    const auto& b = in.observed.latest_backup;
    if (!b || !b->verified) {
      return cond(ConditionStatus::kFalse, "NoVerifiedBackup", "no verified backup is known");
    }
    const auto age = in.now - b->taken_at;
    if (age > mig->backup.max_age) {
      return cond(ConditionStatus::kFalse, "BackupTooOld",
                  "the latest verified backup is " +
                      model::format_duration(std::chrono::duration_cast<model::Duration>(age)) +
                      " old (maxAge " + model::format_duration(mig->backup.max_age) + ")");
    }
    // A rollback path that was never exercised is not ready.
    const auto& st = in.release().status.migration;
    if (!st || !st->last_drill) {
      return cond(ConditionStatus::kFalse, "NoDrill",
                  "no rollback drill has run (rewind drill " + in.release().metadata.name +
                      ", or migration.drill.every)");
    }
    if (!st->last_drill->passed) {
      return cond(ConditionStatus::kFalse, "DrillFailed",
                  "the last rollback drill (" + model::format_timestamp(st->last_drill->at) +
                      ") failed: " + st->last_drill->message);
    }
  }
  return cond(ConditionStatus::kTrue, "PreviousRevisionReady", what + " can be rolled back to");
}

void set_status(const Inputs& in, const Goal& goal, Decision& d) {
  if (d.plan.dry_run) {
    // Concerns only the Rollback; the Release keeps its status.
    set_condition(d.rollback_conditions,
                  make_condition(ct::kComplete, ConditionStatus::kTrue, "DryRun",
                                 "dry run: " + std::to_string(d.plan.steps.size()) +
                                     " steps planned, nothing executed",
                                 in.desired.rollback->metadata.generation),
                  in.now);
    d.message = "dry run: " + std::to_string(d.plan.steps.size()) + " steps to revision " +
                number(goal.number) + " (" + goal.reason + ")";
    d.action = Action::await_change();
    return;
  }
  const bool planning = !d.plan.empty();
  const bool at_target = in.observed.running == goal.tuple;
  const Health health = in.observed.health;
  const std::string target = "revision " + number(goal.number);
  const bool running_failed = in.running != nullptr && model::is_failed(in.running->outcome);

  if (planning) {
    const Step& next = *d.plan.next();
    d.phase =
        waits_for_person(next) ? model::ReleasePhase::kPaused : model::ReleasePhase::kProgressing;
    d.progress =
        model::PlanProgress{goal.number, d.plan.hash, static_cast<std::int32_t>(d.plan.first_step),
                            false, std::nullopt};
    d.message = std::string(to_string(d.plan.direction)) + " to " + target + " (" + goal.reason +
                "): step " + std::to_string(d.plan.first_step + 1) + "/" +
                std::to_string(d.plan.steps.size()) + ", " + next.description;
    set(d, in, ct::kReady, ConditionStatus::kFalse, "Progressing", "moving to " + target);
    set(d, in, ct::kProgressing, ConditionStatus::kTrue, to_string(next.kind()), next.description);
  } else if (goal.hold) {
    d.phase = model::ReleasePhase::kDegraded;
    d.message = failed_message(goal) +
                "; rollbackPolicy.automatic is false: waiting for a spec change or a Rollback";
    set(d, in, ct::kReady, ConditionStatus::kFalse, outcome_reason(*goal.leaving_outcome),
        d.message);
    set(d, in, ct::kProgressing, ConditionStatus::kFalse, "RevisionFailed", d.message);
  } else {
    set(d, in, ct::kProgressing, ConditionStatus::kFalse, "Settled", target + " runs");
    if (health == Health::kUnknown) {
      d.message = target + " runs; its health is not known yet";
      set(d, in, ct::kReady, ConditionStatus::kUnknown, "HealthUnknown", d.message);
    } else if (health == Health::kUnhealthy) {
      d.phase = model::ReleasePhase::kDegraded;
      d.message = target + " runs but fails its health check";
      set(d, in, ct::kReady, ConditionStatus::kFalse, "Unhealthy", d.message);
    } else if (goal.reason == reason::kAutomatic) {
      d.phase = model::ReleasePhase::kRolledBack;
      d.message =
          failed_message(goal) + "; last known good " + target + " runs until the spec changes";
      set(d, in, ct::kReady, ConditionStatus::kFalse, "RevisionFailed", d.message);
    } else {
      d.phase =
          goal.rollback_intent ? model::ReleasePhase::kRolledBack : model::ReleasePhase::kHealthy;
      d.message = target + " (" + goal.tuple.image.value() + ") runs and is healthy";
      set(d, in, ct::kReady, ConditionStatus::kTrue, "RevisionReady", d.message);
    }
  }

  if (goal.hold || (running_failed && goal.leaving)) {
    set(d, in, ct::kDegraded, ConditionStatus::kTrue, outcome_reason(*goal.leaving_outcome),
        failed_message(goal));
  } else if (health == Health::kUnhealthy) {
    set(d, in, ct::kDegraded, ConditionStatus::kTrue, "Unhealthy",
        "the running revision fails its health check");
  } else if (const auto* warned = find_condition(in.release().status.conditions, ct::kDegraded);
             planning && warned != nullptr && warned->reason == reason::kAnalysisWarning &&
             warned->status == ConditionStatus::kTrue) {
    // warnIf crossed in the running analysis (the executor sets and clears it).
    set(d, in, ct::kDegraded, ConditionStatus::kTrue, reason::kAnalysisWarning, warned->message);
  } else {
    set(d, in, ct::kDegraded, ConditionStatus::kFalse, "NoFailure", "");
  }

  const char* rolled_reason =
      goal.reason == reason::kPinned ? reason::kRollbackResource : goal.reason.c_str();
  if (goal.rollback_intent && !planning && at_target) {
    set(d, in, ct::kRolledBack, ConditionStatus::kTrue, rolled_reason,
        target + " runs instead of the newest revision");
  } else if (goal.rollback_intent && planning) {
    set(d, in, ct::kRolledBack, ConditionStatus::kFalse, "InProgress", "rolling back to " + target);
  } else {
    set(d, in, ct::kRolledBack, ConditionStatus::kFalse, "NotRolledBack", "");
  }
  set_condition(d.conditions, rollback_ready(in), in.now);
  set_pinned(in, d);
  set_action(in, goal, at_target, d);
}

void set_error_status(const Inputs& in, const Choice& c, Decision& d) {
  d.error = c.error;
  d.message = c.error.message;
  d.action = Action::await_change();
  d.plan = Plan{};
  if (c.rollback_error) {
    const std::int64_t gen = in.desired.rollback ? in.desired.rollback->metadata.generation : 0;
    set_condition(
        d.rollback_conditions,
        make_condition(ct::kFailed, ConditionStatus::kTrue, c.error_reason, c.error.message, gen),
        in.now);
    set(d, in, ct::kProgressing, ConditionStatus::kFalse, c.error_reason, c.error.message);
  } else {
    d.phase = model::ReleasePhase::kFailed;
    set(d, in, ct::kReady, ConditionStatus::kFalse, c.error_reason, c.error.message);
    set(d, in, ct::kProgressing, ConditionStatus::kFalse, c.error_reason, c.error.message);
    set(d, in, ct::kDegraded, ConditionStatus::kTrue, c.error_reason, c.error.message);
  }
  set_condition(d.conditions, rollback_ready(in), in.now);
  set_pinned(in, d);
}

}  // namespace rwd::reconcile::detail
