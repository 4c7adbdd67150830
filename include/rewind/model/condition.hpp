#pragma once
// Kubernetes-style status conditions.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rewind/model/time.hpp"

namespace rwd::model {

enum class ConditionStatus { kTrue, kFalse, kUnknown };

const char* to_string(ConditionStatus s);
std::optional<ConditionStatus> parse_condition_status(std::string_view s);

// Condition types a Release carries (DESIGN.md section 5).
namespace condition_type {
inline constexpr const char* kReady = "Ready";
inline constexpr const char* kProgressing = "Progressing";
inline constexpr const char* kDegraded = "Degraded";
inline constexpr const char* kRolledBack = "RolledBack";
inline constexpr const char* kRollbackReady = "RollbackReady";
inline constexpr const char* kPinned = "Pinned";
// Rollback resources.
inline constexpr const char* kComplete = "Complete";
inline constexpr const char* kFailed = "Failed";
// Either kind: the spec could not be read or did not validate.
inline constexpr const char* kInvalidSpec = "InvalidSpec";
}  // namespace condition_type

struct Condition {
  std::string type;
  ConditionStatus status = ConditionStatus::kUnknown;
  std::string reason;  // CamelCase
  std::string message;
  Timestamp last_transition_time{};
  std::int64_t observed_generation = 0;

  bool operator==(const Condition&) const = default;
};

using Conditions = std::vector<Condition>;

}  // namespace rwd::model
