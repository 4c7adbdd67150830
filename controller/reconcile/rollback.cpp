// Roll back: record incident → backup → quiesce → down-migrate (or restore)
// → row counts → start old → health → smoke → un-quiesce → analysis →
// mark stable → notify. Without a schema change the middle four go away.

#include <string>

#include "internal.hpp"

namespace rwd::reconcile::detail {

std::string rollback_event(const Builder& b, std::optional<model::RevisionNumber> from) {
  std::string out = "rolled back ";
  out += from ? "revision " + std::to_string(from->value()) : std::string("an unrecorded tuple");
  return out + " → " + std::to_string(b.goal.number.value()) + " (" + b.goal.reason + ")";
}

model::Status roll_back(Builder& b) {
  const auto type = b.policy().strategy.type;
  if (type == model::StrategyType::kBlueGreen && is_switchback(b)) {
    // The old color is still up: one router change. The color left keeps
    // running, out of traffic, until the next revision replaces it.
    const Color active = b.basis.active.value_or(Color::kBlue);
    b.add(step::RecordIncident{b.basis.from, b.goal.number, b.goal.reason});
    b.add(step::SwitchActiveColor{active, other(active), b.goal.number});
    b.finish(rollback_event(b, b.basis.from));
    return {};
  }
  const bool canary_live = type == model::StrategyType::kCanary && b.basis.canary_live;
  std::string from_schema = b.from_schema();
  if (canary_live) {
    canary_stop_traffic(b);
    // The canary's migration ran before it started: the database is at its schema.
    if (const auto c = canary_revision(b)) {
      if (const auto* rec = b.in.history.find(*c)) from_schema = rec->revision.migration_revision;
    }
  }
  b.add(step::RecordIncident{b.basis.from, b.goal.number, b.goal.reason});
  if (canary_live) canary_scale_down(b);

  bool schema_changed = false;
  if (auto s = b.schema_change(from_schema, schema_changed); !s) return s;
  if (type == model::StrategyType::kBlueGreen) {
    bluegreen_rollback_start(b);
  } else {
    if (!b.same_runtime()) {
      b.add(step::StartRevision{b.goal.number, b.goal.tuple, std::nullopt, false});
    }
    b.health_gate(b.goal.number, std::nullopt);
    b.smoke_gate(b.goal.number);
  }
  b.unquiesce();
  b.analysis_gate(b.goal.number);
  if (type == model::StrategyType::kBlueGreen) bluegreen_rollback_finish(b);
  b.finish(rollback_event(b, b.basis.from));
  return {};
}

}  // namespace rwd::reconcile::detail
