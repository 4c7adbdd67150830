#pragma once
// Condition helpers (Argo's SetRolloutCondition rule): a condition's
// lastTransitionTime changes only when its status changes.

#include <cstdint>
#include <string>
#include <string_view>

#include "rewind/model/condition.hpp"
#include "rewind/model/time.hpp"

namespace rwd::reconcile {

// Adds `c` or replaces the condition of the same type in place. The
// lastTransitionTime becomes `now` when the condition is new or its status
// changes; otherwise the old time is kept while reason, message and
// observedGeneration are updated. c.last_transition_time is ignored. Returns
// true when anything changed.
bool set_condition(model::Conditions& conditions, model::Condition c, model::Timestamp now);

// Removes the condition of that type; true when there was one.
bool remove_condition(model::Conditions& conditions, std::string_view type);

[[nodiscard]] const model::Condition* find_condition(const model::Conditions& conditions,
                                                     std::string_view type);

// True when the condition exists and its status is True.
[[nodiscard]] bool is_true(const model::Conditions& conditions, std::string_view type);

// Shorthand for building a condition (time left for set_condition).
model::Condition make_condition(std::string type, model::ConditionStatus status, std::string reason,
                                std::string message, std::int64_t observed_generation);

}  // namespace rwd::reconcile
