// Canary: weights follow spec.strategy.canary.steps, then promotion. An
// aborted or failed canary loses its traffic at once (weight 0).

#include <type_traits>
#include <variant>

#include "internal.hpp"

namespace rwd::reconcile::detail {

void canary_forward(Builder& b) {
  const auto rev = b.goal.number;
  b.add(step::StartRevision{rev, b.goal.tuple, std::nullopt, true});
  b.health_gate(rev, std::nullopt);
  b.smoke_gate(rev);
  b.unquiesce();
  const auto& canary = b.policy().strategy.canary;
  if (canary) {
    for (const auto& s : canary->steps) {
      std::visit(
          [&](const auto& c) {
            using T = std::decay_t<decltype(c)>;
            if constexpr (std::is_same_v<T, model::SetWeightStep>) {
              b.add(step::SetTrafficWeight{rev, c.weight});
            } else if constexpr (std::is_same_v<T, model::PauseStep>) {
              if (!b.emergency()) b.add(step::Pause{c.duration});
            } else {
              b.analysis_gate(rev, c.metrics);
            }
          },
          s);
    }
  }
  b.add(step::Promote{rev, false});
  // The analysis window after the promotion, on all the traffic: a revision
  // that fails its metrics later still rolls back.
  b.analysis_gate(rev);
}

std::optional<model::RevisionNumber> canary_revision(const Builder& b) {
  if (b.goal.leaving) return b.goal.leaving;
  // Otherwise the newest revision above the stable track that is not the target.
  for (auto it = b.in.history.revisions.rbegin(); it != b.in.history.revisions.rend(); ++it) {
    if (it->number == b.goal.number) continue;
    if (b.basis.from && it->number <= *b.basis.from) break;
    return it->number;
  }
  return std::nullopt;
}

void canary_stop_traffic(Builder& b) {
  if (const auto c = canary_revision(b)) b.add(step::SetTrafficWeight{*c, 0});
}

void canary_scale_down(Builder& b) {
  if (const auto c = canary_revision(b))
    b.add(step::ScaleDown{*c, std::nullopt, model::Duration{0}});
}

// The stable track already runs the target; only the canary has to go.
model::Status canary_retreat(Builder& b) {
  const auto canary = canary_revision(b);
  canary_stop_traffic(b);
  if (b.goal.rollback_intent) b.add(step::RecordIncident{canary, b.goal.number, b.goal.reason});
  canary_scale_down(b);
  std::string from_schema;
  if (canary) {
    if (const auto* rec = b.in.history.find(*canary))
      from_schema = rec->revision.migration_revision;
  }
  bool schema_changed = false;
  if (!from_schema.empty()) {
    if (auto s = b.schema_change(from_schema, schema_changed); !s) return s;
  }
  if (schema_changed) b.health_gate(b.goal.number, std::nullopt);
  b.unquiesce();
  b.finish(rollback_event(b, canary));
  return {};
}

}  // namespace rwd::reconcile::detail
