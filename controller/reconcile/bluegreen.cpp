// Blue-green: the new color starts beside the active one; traffic switches
// after health (and `rewind promote` when autoPromote is false); the analysis
// window then runs on real traffic while the old color stays up, and for
// scaleDownDelay after it, so that a rollback within it is a single switch.

#include "internal.hpp"

namespace rwd::reconcile::detail {
namespace {

model::BlueGreenSpec settings(const Builder& b) {
  return b.policy().strategy.blue_green.value_or(model::BlueGreenSpec{});
}

Color active_color(const Builder& b) { return b.basis.active.value_or(Color::kBlue); }

model::Duration scale_down_delay(const Builder& b) {
  return b.emergency() ? model::Duration{0} : settings(b).scale_down_delay;
}

}  // namespace

void bluegreen_forward(Builder& b) {
  const auto rev = b.goal.number;
  if (!b.basis.from_tuple) {
    // First deploy: nothing to keep beside, the new color simply becomes active.
    const Color color = b.basis.active ? other(*b.basis.active) : Color::kBlue;
    b.add(step::StartRevision{rev, b.goal.tuple, color, false});
    b.health_gate(rev, color);
    b.smoke_gate(rev);
    b.unquiesce();
    b.add(step::SwitchActiveColor{std::nullopt, color, rev});
    b.analysis_gate(rev);
    return;
  }
  const Color active = active_color(b);
  const Color idle = other(active);
  b.add(step::StartRevision{rev, b.goal.tuple, idle, false});
  b.health_gate(rev, idle);
  b.smoke_gate(rev);
  b.unquiesce();
  if (!settings(b).auto_promote) b.add(step::Promote{rev, true});
  b.add(step::SwitchActiveColor{active, idle, rev});
  // The analysis window runs on real traffic, with the old color still up:
  // a failure now is a switchback, one router change.
  b.analysis_gate(rev);
  b.add(step::ScaleDown{b.basis.from, active, scale_down_delay(b)});
}

bool is_switchback(const Builder& b) {
  if (!b.basis.standby_is_target) return false;
  const std::string& to = b.goal.tuple.migration_revision;
  return to.empty() || compare_schema(to, b.from_schema()) == 0;
}

void bluegreen_rollback_start(Builder& b) {
  const auto rev = b.goal.number;
  const Color active = active_color(b);
  const Color idle = other(active);
  if (!b.basis.standby_is_target) b.add(step::StartRevision{rev, b.goal.tuple, idle, false});
  b.health_gate(rev, idle);
  b.smoke_gate(rev);
  b.add(step::SwitchActiveColor{active, idle, rev});
}

void bluegreen_rollback_finish(Builder& b) {
  b.add(step::ScaleDown{b.basis.from, active_color(b), scale_down_delay(b)});
}

}  // namespace rwd::reconcile::detail
