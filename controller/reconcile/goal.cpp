// Which revision the Release should move to: a Rollback's target, a pinned
// revision, the last known good one after a failure, or the spec's own.

#include <string>
#include <utility>

#include "internal.hpp"

namespace rwd::reconcile::detail {
namespace {

using model::RevisionRecord;

bool is_pending(const model::Rollback& rb) {
  return rb.status.phase == model::RollbackPhase::kPending ||
         rb.status.phase == model::RollbackPhase::kRunning;
}

std::string label(const model::Rollback& rb) { return "Rollback " + rb.metadata.key().str(); }

std::string number(model::RevisionNumber n) { return std::to_string(n.value()); }

Goal goal_from(const RevisionRecord& r) {
  Goal g;
  g.number = r.number;
  g.tuple = r.revision;
  g.spec = r.spec;
  return g;
}

Choice error(std::string reason, model::Error e, bool rollback_error) {
  Choice c;
  c.kind = Choice::Kind::kError;
  c.error_reason = std::move(reason);
  c.error = std::move(e);
  c.rollback_error = rollback_error;
  return c;
}

model::RevisionRecord new_record(const Inputs& in, const model::Revision& tuple,
                                 model::ReleaseSpec spec) {
  model::RevisionRecord r;
  r.number = in.history.next_number();
  r.hash = model::revision_hash(tuple);
  r.revision = tuple;
  r.spec = std::move(spec);
  r.generation = in.generation();
  r.created_at = in.now;
  r.outcome = model::RevisionOutcome::kPending;
  return r;
}

// Goal for a tuple: the newest record with its hash, or a new record.
Choice goal_for_tuple(const Inputs& in, const model::Revision& tuple,
                      const model::ReleaseSpec& spec) {
  Choice c;
  if (const auto* r = newest_by_hash(in.history, model::revision_hash(tuple))) {
    c.goal = goal_from(*r);
    return c;
  }
  c.new_record = new_record(in, tuple, spec);
  c.goal = goal_from(*c.new_record);
  c.goal.is_new = true;
  return c;
}

// spec.to of a Rollback, relative to what runs now.
Choice resolve_to(const Inputs& in, const model::Rollback& rb, const RevisionRecord*& target) {
  const auto& to = rb.spec.to;
  const std::string prefix = label(rb) + ": spec.to: " + model::to_string(to) + ": ";
  const RevisionRecord* current = current_record(in);
  switch (to.kind) {
    case model::RollbackTarget::Kind::kPrevious:
      target = current != nullptr ? previous_of(in.history, current->number) : nullptr;
      if (target == nullptr) {
        const std::string what =
            current != nullptr ? "no revision older than " + number(current->number) + " went live"
                               : "history has no revisions";
        return error("NoPreviousRevision", model::Error::terminal(prefix + what), true);
      }
      break;
    case model::RollbackTarget::Kind::kLastKnownGood:
      target = in.history.last_known_good(current != nullptr ? std::optional(current->number)
                                                             : std::nullopt);
      if (target == nullptr) {
        const std::string what = current != nullptr
                                     ? "no revision older than " + number(current->number) +
                                           " passed health and analysis"
                                     : "no revision passed health and analysis";
        return error("NoKnownGoodRevision", model::Error::terminal(prefix + what), true);
      }
      break;
    case model::RollbackTarget::Kind::kRevision:
      target = in.history.find(to.revision);
      if (target == nullptr) {
        std::string what = "revision " + number(to.revision) + " is not in history";
        if (const auto* latest = in.history.latest()) {
          what += " (known: " + number(in.history.revisions.front().number) + ".." +
                  number(latest->number) + ")";
        }
        return error("RevisionNotFound", model::Error::terminal(prefix + what), true);
      }
      break;
  }
  return Choice{};
}

// The tuple of a partial rollback: the named components from the target,
// the rest from what runs now.
Choice partial(const Inputs& in, const model::Rollback& rb, const RevisionRecord& target) {
  const RevisionRecord* current = current_record(in);
  model::Revision tuple = in.observed.running  ? *in.observed.running
                          : current != nullptr ? current->revision
                                               : target.revision;
  model::ReleaseSpec spec = in.running != nullptr ? in.running->spec
                            : current != nullptr  ? current->spec
                                                  : in.policy();
  if (rb.spec.includes(model::Component::kImage)) {
    tuple.image = target.revision.image;
    spec.image = target.spec.image;
  }
  if (rb.spec.includes(model::Component::kConfig)) {
    tuple.config_hash = target.revision.config_hash;
    spec.config = target.spec.config;
  }
  if (rb.spec.includes(model::Component::kMigration)) {
    tuple.migration_revision = target.revision.migration_revision;
    if (spec.migration && target.spec.migration) {
      spec.migration->revision = target.spec.migration->revision;
    } else {
      spec.migration = target.spec.migration;
    }
  }
  return goal_for_tuple(in, tuple, spec);
}

Choice rollback_goal(const Inputs& in, const model::Rollback& rb, Decision& d) {
  Choice c;
  const bool own_pin = d.pin && d.pin->rollback == rb.metadata.name && !rb.spec.dry_run;
  if (own_pin) {
    // Resolved when the pin was set; `previous` would move as the plan runs.
    const auto* r = in.history.find(d.pin->revision);
    if (r == nullptr) {
      return error("RevisionNotFound",
                   model::Error::terminal(label(rb) + ": pinned revision " +
                                          number(d.pin->revision) + " is not in history"),
                   true);
    }
    c.goal = goal_from(*r);
  } else {
    const RevisionRecord* target = nullptr;
    if (Choice e = resolve_to(in, rb, target); e.kind == Choice::Kind::kError) return e;
    const bool all = rb.spec.includes(model::Component::kImage) &&
                     rb.spec.includes(model::Component::kConfig) &&
                     rb.spec.includes(model::Component::kMigration);
    c = all ? goal_for_tuple(in, target->revision, target->spec) : partial(in, rb, *target);
  }
  c.goal.reason = reason::kRollbackResource;
  c.goal.rollback_intent = true;
  c.goal.emergency = rb.spec.emergency;
  c.goal.restore_backup = rb.spec.restore_backup;
  c.goal.dry_run = rb.spec.dry_run;
  if (!rb.spec.dry_run && !own_pin) {
    d.pin = model::Pin{c.goal.number, in.generation(), rb.metadata.name};
    d.pin_changed = true;
  }
  return c;
}

Choice desired_goal(const Inputs& in) {
  const auto& status = in.release().status;
  const auto* rec = newest_by_hash(in.history, model::revision_hash(in.desired.revision));
  if (rec != nullptr) {
    const bool aborted_in_status =
        status.progress && status.progress->revision == rec->number && status.progress->aborted;
    const bool failed = model::is_failed(rec->outcome) || aborted_in_status;
    if (failed && rec->generation == in.generation()) {
      // Not retried until the spec changes.
      const auto outcome = aborted_in_status ? model::RevisionOutcome::kAborted : rec->outcome;
      Choice c;
      if (!in.policy().rollback_policy.automatic) {
        c.goal = goal_from(in.running != nullptr ? *in.running : *rec);
        c.goal.reason = reason::kAborted;
        c.goal.hold = true;
      } else {
        const auto* lkg = in.history.last_known_good(rec->number);
        if (lkg == nullptr) {
          return error("NoKnownGoodRevision",
                       model::Error::terminal(
                           "Release " + in.release().metadata.key().str() + ": revision " +
                           number(rec->number) + " failed (" + outcome_reason(outcome) +
                           ") and no earlier revision passed health and analysis"),
                       false);
        }
        c.goal = goal_from(*lkg);
        c.goal.reason = reason::kAutomatic;
        c.goal.rollback_intent = true;
      }
      c.goal.leaving = rec->number;
      c.goal.leaving_outcome = outcome;
      c.goal.mark_aborted = aborted_in_status && rec->outcome != model::RevisionOutcome::kAborted;
      return c;
    }
    if (!failed) {
      Choice c;
      c.goal = goal_from(*rec);
      const auto* applied = newest_applied(in.history);
      // Revert first: the reason must not change while the plan runs (it is
      // part of RecordIncident, hence of the plan hash).
      if (applied != nullptr && rec->number < applied->number) {
        c.goal.reason = reason::kRevertedInSource;
        c.goal.rollback_intent = true;
      } else if (in.observed.running != rec->revision && status.current_revision == rec->number) {
        c.goal.reason = reason::kDrift;
      } else {
        c.goal.reason = reason::kNewRevision;
      }
      return c;
    }
    // A failed tuple under a new generation: a new attempt, a new record.
  }
  Choice c;
  c.new_record = new_record(in, in.desired.revision, in.policy());
  c.goal = goal_from(*c.new_record);
  c.goal.is_new = true;
  c.goal.reason = reason::kNewRevision;
  return c;
}

}  // namespace

Choice choose_goal(const Inputs& in, Decision& d) {
  const auto& rel = in.release();
  const model::Rollback* rb =
      in.desired.rollback && is_pending(*in.desired.rollback) ? &*in.desired.rollback : nullptr;
  if (rb != nullptr && rb->spec.release_name != rel.metadata.name) {
    return error(
        "WrongRelease",
        model::Error::invalid_spec(label(*rb) + ": spec.releaseRef.name: " + rb->spec.release_name +
                                   " is not Release " + rel.metadata.name),
        true);
  }
  // A pin lasts until the generation changes (and its Rollback is done).
  if (d.pin && d.pin->generation != in.generation() &&
      !(rb != nullptr && d.pin->rollback == rb->metadata.name)) {
    d.pin.reset();
    d.pin_changed = true;
  }
  if (rb != nullptr) return rollback_goal(in, *rb, d);
  if (d.pin) {
    const auto* r = in.history.find(d.pin->revision);
    if (r == nullptr) {
      d.pin.reset();
      d.pin_changed = true;
      return error(
          "RevisionNotFound",
          model::Error::terminal("Release " + rel.metadata.key().str() + ": status.pin.revision: " +
                                 number(rel.status.pin->revision) + " is not in history"),
          false);
    }
    Choice c;
    c.goal = goal_from(*r);
    c.goal.reason = reason::kPinned;
    c.goal.rollback_intent = true;
    return c;
  }
  return desired_goal(in);
}

}  // namespace rwd::reconcile::detail
