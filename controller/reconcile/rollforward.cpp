// Roll forward: backup? → migrate up → start new → health → smoke →
// analysis → mark stable → notify. Blue-green and canary replace the middle.

#include <string>

#include "internal.hpp"

namespace rwd::reconcile::detail {
namespace {

std::string stable_event(const Builder& b) {
  return "revision " + std::to_string(b.goal.number.value()) + " (" + b.goal.tuple.image.value() +
         ") is stable";
}

}  // namespace

bool needs_verify(const Inputs& in, const Goal& goal) {
  if (goal.is_new) return true;
  const auto* rec = in.history.find(goal.number);
  if (rec == nullptr) return true;
  if (rec->healthy_at) return false;
  switch (rec->outcome) {
    case model::RevisionOutcome::kHealthy:
    case model::RevisionOutcome::kSuperseded:
    case model::RevisionOutcome::kRolledBack: return false;
    default: return true;
  }
}

// What runs is already the target but never passed its gates (a container
// created outside rewind, or a plan lost before it finished).
void verify(Builder& b) {
  const auto color =
      b.policy().strategy.type == model::StrategyType::kBlueGreen ? b.basis.active : std::nullopt;
  b.health_gate(b.goal.number, color);
  b.smoke_gate(b.goal.number);
  b.analysis_gate(b.goal.number);
  b.finish(stable_event(b));
}

model::Status roll_forward(Builder& b) {
  bool schema_changed = false;
  if (auto s = b.schema_change(b.from_schema(), schema_changed); !s) return s;
  const auto type = b.policy().strategy.type;
  const bool nothing_runs = !b.basis.from_tuple;
  if (b.same_runtime()) {
    // Only the schema moved: the running containers stay; check them again.
    b.health_gate(b.goal.number, b.basis.active);
    b.smoke_gate(b.goal.number);
    b.unquiesce();
    b.analysis_gate(b.goal.number);
  } else if (type == model::StrategyType::kBlueGreen) {
    bluegreen_forward(b);
  } else if (type == model::StrategyType::kCanary && !nothing_runs) {
    canary_forward(b);
  } else {
    // Recreate, and the first deploy of a canary release (no stable track yet).
    b.add(step::StartRevision{b.goal.number, b.goal.tuple, std::nullopt, false});
    b.health_gate(b.goal.number, std::nullopt);
    b.smoke_gate(b.goal.number);
    b.unquiesce();
    b.analysis_gate(b.goal.number);
  }
  b.unquiesce();
  b.finish(stable_event(b));
  return {};
}

}  // namespace rwd::reconcile::detail
