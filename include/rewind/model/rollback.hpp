#pragma once
// The Rollback resource (rewind.dev/v1alpha1), DESIGN.md section 2.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rewind/model/condition.hpp"
#include "rewind/model/metadata.hpp"
#include "rewind/model/release.hpp"
#include "rewind/model/strong_types.hpp"
#include "rewind/model/time.hpp"

namespace rwd::model {

enum class Component { kImage, kConfig, kMigration };

struct RollbackTarget {
  enum class Kind { kPrevious, kLastKnownGood, kRevision };
  Kind kind = Kind::kPrevious;
  RevisionNumber revision;  // for kRevision
  bool operator==(const RollbackTarget&) const = default;
};

struct RollbackSpec {
  std::string release_name;  // spec.releaseRef.name (same namespace)
  RollbackTarget to;
  std::vector<Component> components = {Component::kImage, Component::kConfig,
                                       Component::kMigration};
  bool restore_backup = false;  // restore the pre-upgrade dump instead of down-migrating
  bool dry_run = false;
  bool emergency = false;  // skip analysis windows, smoke gates and graceful waits
  std::string reason;
  bool operator==(const RollbackSpec&) const = default;

  [[nodiscard]] bool includes(Component c) const;
};

enum class RollbackPhase { kPending, kRunning, kSucceeded, kFailed };
enum class StepState { kPending, kRunning, kSucceeded, kFailed, kSkipped };

struct StepStatus {
  std::string name;         // step kind, e.g. "backup", "migrate"
  std::string description;  // human-readable, e.g. "down-migrate 0007 -> 0005"
  StepState state = StepState::kPending;
  std::optional<Timestamp> started_at;
  std::optional<Timestamp> finished_at;
  std::string message;
  bool operator==(const StepStatus&) const = default;
};

struct RollbackStatus {
  std::int64_t observed_generation = 0;
  RollbackPhase phase = RollbackPhase::kPending;
  std::optional<RevisionNumber> from_revision;
  std::optional<RevisionNumber> to_revision;
  std::vector<StepStatus> plan;
  std::optional<BackupRecord> backup;
  Conditions conditions;
  std::optional<Timestamp> started_at;
  std::optional<Timestamp> finished_at;
  std::string message;
  bool operator==(const RollbackStatus&) const = default;
};

struct Rollback {
  ObjectMeta metadata;
  RollbackSpec spec;
  RollbackStatus status;
  bool operator==(const Rollback&) const = default;
};

const char* to_string(Component c);
const char* to_string(RollbackPhase p);
const char* to_string(StepState s);
std::optional<Component> parse_component(std::string_view s);
std::optional<RollbackPhase> parse_rollback_phase(std::string_view s);
std::optional<StepState> parse_step_state(std::string_view s);
std::string to_string(const RollbackTarget& t);  // "previous", "lastKnownGood", "3"

}  // namespace rwd::model
