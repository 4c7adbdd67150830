// Choosing the plan's shape, and finding the plan status.progress refers to.
//
// A plan is built from a Goal (stable while the plan runs) and a Basis: what
// ran when the plan began. The executor changes what runs (new containers,
// active color, canary weight) step by step, so a restarted controller cannot
// read the original Basis back from Observed. Instead it rebuilds the plan
// from every Basis the plan could have begun with (the revision observed now,
// status.currentRevision, status.stableRevision, lastRollback.from, the
// revision being left, any revision in history, nothing; each color; canary
// traffic or not; standby or not) and takes the one whose hash equals
// progress.planHash. Equal hashes mean equal steps, so resuming at
// progress.stepIndex is safe. A few hundred small builds at most, and only
// while a plan runs.

#include <algorithm>
#include <utility>
#include <vector>

#include "internal.hpp"

namespace rwd::reconcile::detail {

Basis observed_basis(const Inputs& in, const Goal& goal) {
  Basis b;
  if (in.running != nullptr) b.from = in.running->number;
  b.from_tuple = in.observed.running;
  b.active = in.observed.active_color;
  // A canary container counts with or without traffic: it has to go too.
  b.canary_live = in.observed.canary_weight > 0 || in.observed.canary.has_value();
  b.standby_is_target = in.observed.standby && *in.observed.standby == goal.tuple;
  return b;
}

model::Result<Plan> build_plan(const Inputs& in, const Goal& goal, const Basis& basis) {
  Builder b{in, goal, basis, {}, false, {}};
  const bool canary = in.policy().strategy.type == model::StrategyType::kCanary;
  const bool at_target = basis.from_tuple && *basis.from_tuple == goal.tuple;
  Direction dir = Direction::kNone;
  std::optional<model::RevisionNumber> from = basis.from;
  model::Status s;
  if (canary && basis.canary_live && at_target) {
    from = canary_revision(b);
    s = canary_retreat(b);
    dir = Direction::kRollback;
  } else if (goal.hold) {
    // A failed revision and no automatic rollback: nothing moves.
  } else if (at_target) {
    if (needs_verify(in, goal)) {
      verify(b);
      dir = Direction::kRollForward;
    }
  } else if (goal.rollback_intent || (basis.from && !goal.is_new && goal.number < *basis.from)) {
    s = roll_back(b);
    dir = Direction::kRollback;
  } else {
    s = roll_forward(b);
    dir = Direction::kRollForward;
  }
  if (!s) return s.error();
  if (b.out.empty()) dir = Direction::kNone;
  return make_plan(dir, from, goal.number, goal.reason, std::move(b.out));
}

std::optional<Plan> resume(const Inputs& in, const Goal& goal, const Basis& observed) {
  const auto& status = in.release().status;
  const auto& p = status.progress;
  if (!p || p->aborted || p->revision != goal.number || p->plan_hash.empty() || p->step_index < 0) {
    return std::nullopt;
  }
  // Where the plan may have begun: the likely starts first, then every
  // revision in history (newest first), then nothing running.
  std::vector<Basis> starts{observed};
  std::vector<std::optional<model::RevisionNumber>> tried;
  if (observed.from || !observed.from_tuple) tried.push_back(observed.from);
  auto add_from = [&](std::optional<model::RevisionNumber> n) {
    if (std::find(tried.begin(), tried.end(), n) != tried.end()) return;
    tried.push_back(n);
    Basis b = observed;
    b.from = n;
    b.from_tuple.reset();
    if (n) {
      const auto* rec = in.history.find(*n);
      if (rec == nullptr) return;
      b.from_tuple = rec->revision;
    }
    starts.push_back(std::move(b));
  };
  add_from(status.current_revision);
  add_from(status.stable_revision);
  if (status.last_rollback && status.last_rollback->to == goal.number) {
    add_from(status.last_rollback->from);
  }
  add_from(goal.leaving);
  for (auto it = in.history.revisions.rbegin(); it != in.history.revisions.rend(); ++it) {
    add_from(it->number);
  }
  add_from(std::nullopt);

  const auto type = in.policy().strategy.type;
  std::vector<Basis> candidates;
  for (const auto& start : starts) {
    std::vector<Basis> variants{start};
    if (type == model::StrategyType::kBlueGreen) {
      std::vector<Basis> colored;
      for (const auto& v : variants) {
        for (const auto& c :
             {std::optional(Color::kBlue), std::optional(Color::kGreen), std::optional<Color>()}) {
          Basis x = v;
          x.active = c;
          colored.push_back(x);
          x.standby_is_target = !x.standby_is_target;
          colored.push_back(x);
        }
      }
      variants = std::move(colored);
    }
    if (type == model::StrategyType::kCanary) {
      Basis x = start;
      x.canary_live = !x.canary_live;
      variants.push_back(x);
    }
    candidates.insert(candidates.end(), variants.begin(), variants.end());
  }
  const auto index = static_cast<std::size_t>(p->step_index);
  for (const auto& basis : candidates) {
    auto built = build_plan(in, goal, basis);
    if (!built || built->hash != p->plan_hash) continue;
    if (index >= built->steps.size()) return std::nullopt;  // finished
    Plan plan = std::move(built).value();
    plan.first_step = index;
    return plan;
  }
  return std::nullopt;
}

}  // namespace rwd::reconcile::detail
