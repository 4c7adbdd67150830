// Plan assembly (ids, descriptions, hash) and Action.

#include "rewind/reconcile/plan.hpp"

#include <cinttypes>
#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "rewind/model/revision.hpp"
#include "rewind/reconcile/format.hpp"

namespace rwd::reconcile {

const char* to_string(Direction d) {
  switch (d) {
    case Direction::kNone: return "none";
    case Direction::kRollForward: return "rollForward";
    case Direction::kRollback: return "rollback";
  }
  return "none";
}

std::string plan_hash(std::optional<model::RevisionNumber> to, const std::vector<Step>& steps) {
  // The JSON form of a step carries its id and every parameter; dump() of an
  // ordered_json is deterministic.
  model::Json j = model::Json::array();
  for (const auto& s : steps) j.push_back(to_json(s));
  std::string text = to ? std::to_string(to->value()) : std::string("-");
  text += '\n';
  text += j.dump();
  char out[17];
  std::snprintf(out, sizeof out, "%016" PRIx64, model::fnv1a64(text));
  return out;
}

Plan make_plan(Direction direction, std::optional<model::RevisionNumber> from,
               std::optional<model::RevisionNumber> to, std::string reason,
               std::vector<step::Detail> details) {
  Plan p;
  p.direction = direction;
  p.from = from;
  p.to = to;
  p.reason = std::move(reason);
  std::map<StepKind, int> seen;
  p.steps.reserve(details.size());
  for (auto& d : details) {
    const StepKind k = kind_of(d);
    const int n = ++seen[k];
    std::string id = step_name(k);
    if (n > 1) id += "-" + std::to_string(n);
    std::string description = describe(d);
    p.steps.push_back(Step{std::move(id), std::move(description), std::move(d)});
  }
  if (!p.steps.empty()) p.hash = plan_hash(p.to, p.steps);
  return p;
}

std::string to_string(const Action& a) {
  if (a.is_await_change()) return "await change";
  return "requeue after " + model::format_duration(*a.requeue());
}

}  // namespace rwd::reconcile
