// Condition helpers: lastTransitionTime moves only with the status.

#include "rewind/reconcile/conditions.hpp"

#include <algorithm>
#include <utility>

namespace rwd::reconcile {

bool set_condition(model::Conditions& conditions, model::Condition c, model::Timestamp now) {
  auto it = std::find_if(conditions.begin(), conditions.end(),
                         [&](const model::Condition& x) { return x.type == c.type; });
  if (it == conditions.end()) {
    c.last_transition_time = now;
    conditions.push_back(std::move(c));
    return true;
  }
  c.last_transition_time = it->status == c.status ? it->last_transition_time : now;
  if (*it == c) return false;
  *it = std::move(c);
  return true;
}

bool remove_condition(model::Conditions& conditions, std::string_view type) {
  const auto before = conditions.size();
  std::erase_if(conditions, [&](const model::Condition& x) { return x.type == type; });
  return conditions.size() != before;
}

const model::Condition* find_condition(const model::Conditions& conditions, std::string_view type) {
  for (const auto& c : conditions) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

bool is_true(const model::Conditions& conditions, std::string_view type) {
  const auto* c = find_condition(conditions, type);
  return c != nullptr && c->status == model::ConditionStatus::kTrue;
}

model::Condition make_condition(std::string type, model::ConditionStatus status, std::string reason,
                                std::string message, std::int64_t observed_generation) {
  model::Condition c;
  c.type = std::move(type);
  c.status = status;
  c.reason = std::move(reason);
  c.message = std::move(message);
  c.observed_generation = observed_generation;
  return c;
}

}  // namespace rwd::reconcile
