// Names of the model's enums as they appear in YAML, JSON and messages.

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "rewind/model/condition.hpp"
#include "rewind/model/release.hpp"
#include "rewind/model/result.hpp"
#include "rewind/model/rollback.hpp"

namespace rwd::model {

namespace {

template <class E, std::size_t N>
using Names = std::array<std::pair<E, const char*>, N>;

template <class E, std::size_t N>
const char* name_of(const Names<E, N>& names, E value) {
  for (const auto& [v, name] : names) {
    if (v == value) return name;
  }
  return "Unknown";
}

template <class E, std::size_t N>
std::optional<E> value_of(const Names<E, N>& names, std::string_view s) {
  for (const auto& [v, name] : names) {
    if (s == name) return v;
  }
  return std::nullopt;
}

constexpr Names<ErrorKind, 3> kErrorKinds{{
    {ErrorKind::kTransient, "transient"},
    {ErrorKind::kTerminal, "terminal"},
    {ErrorKind::kInvalidSpec, "invalid-spec"},
}};

constexpr Names<ConditionStatus, 3> kConditionStatuses{{
    {ConditionStatus::kTrue, "True"},
    {ConditionStatus::kFalse, "False"},
    {ConditionStatus::kUnknown, "Unknown"},
}};

constexpr Names<MigrationDriver, 4> kMigrationDrivers{{
    {MigrationDriver::kSqlDir, "sql-dir"},
    {MigrationDriver::kAlembic, "alembic"},
    {MigrationDriver::kGolangMigrate, "golang-migrate"},
    {MigrationDriver::kFlyway, "flyway"},
}};

constexpr Names<CommandPlace, 2> kCommandPlaces{{
    {CommandPlace::kImage, "image"},
    {CommandPlace::kHost, "host"},
}};

constexpr Names<StrategyType, 3> kStrategyTypes{{
    {StrategyType::kRecreate, "Recreate"},
    {StrategyType::kBlueGreen, "BlueGreen"},
    {StrategyType::kCanary, "Canary"},
}};

constexpr Names<ReleasePhase, 7> kReleasePhases{{
    {ReleasePhase::kPending, "Pending"},
    {ReleasePhase::kProgressing, "Progressing"},
    {ReleasePhase::kPaused, "Paused"},
    {ReleasePhase::kHealthy, "Healthy"},
    {ReleasePhase::kDegraded, "Degraded"},
    {ReleasePhase::kRolledBack, "RolledBack"},
    {ReleasePhase::kFailed, "Failed"},
}};

constexpr Names<Component, 3> kComponents{{
    {Component::kImage, "image"},
    {Component::kConfig, "config"},
    {Component::kMigration, "migration"},
}};

constexpr Names<RollbackPhase, 4> kRollbackPhases{{
    {RollbackPhase::kPending, "Pending"},
    {RollbackPhase::kRunning, "Running"},
    {RollbackPhase::kSucceeded, "Succeeded"},
    {RollbackPhase::kFailed, "Failed"},
}};

constexpr Names<StepState, 5> kStepStates{{
    {StepState::kPending, "Pending"},
    {StepState::kRunning, "Running"},
    {StepState::kSucceeded, "Succeeded"},
    {StepState::kFailed, "Failed"},
    {StepState::kSkipped, "Skipped"},
}};

}  // namespace

const char* to_string(ErrorKind kind) { return name_of(kErrorKinds, kind); }

const char* to_string(ConditionStatus s) { return name_of(kConditionStatuses, s); }
std::optional<ConditionStatus> parse_condition_status(std::string_view s) {
  return value_of(kConditionStatuses, s);
}

const char* to_string(MigrationDriver d) { return name_of(kMigrationDrivers, d); }
const char* to_string(CommandPlace p) { return name_of(kCommandPlaces, p); }
std::optional<CommandPlace> parse_command_place(std::string_view s) {
  return value_of(kCommandPlaces, s);
}
const char* to_string(StrategyType t) { return name_of(kStrategyTypes, t); }
const char* to_string(ReleasePhase p) { return name_of(kReleasePhases, p); }
std::optional<MigrationDriver> parse_migration_driver(std::string_view s) {
  return value_of(kMigrationDrivers, s);
}
std::optional<StrategyType> parse_strategy_type(std::string_view s) {
  return value_of(kStrategyTypes, s);
}
std::optional<ReleasePhase> parse_release_phase(std::string_view s) {
  return value_of(kReleasePhases, s);
}

const char* to_string(Component c) { return name_of(kComponents, c); }
const char* to_string(RollbackPhase p) { return name_of(kRollbackPhases, p); }
const char* to_string(StepState s) { return name_of(kStepStates, s); }
std::optional<Component> parse_component(std::string_view s) { return value_of(kComponents, s); }
std::optional<RollbackPhase> parse_rollback_phase(std::string_view s) {
  return value_of(kRollbackPhases, s);
}
std::optional<StepState> parse_step_state(std::string_view s) { return value_of(kStepStates, s); }

std::string to_string(const RollbackTarget& t) {
  switch (t.kind) {
    case RollbackTarget::Kind::kPrevious: return "previous";
    case RollbackTarget::Kind::kLastKnownGood: return "lastKnownGood";
    case RollbackTarget::Kind::kRevision: return std::to_string(t.revision.value());
  }
  return "previous";
}

bool RollbackSpec::includes(Component c) const {
  return std::find(components.begin(), components.end(), c) != components.end();
}

}  // namespace rwd::model
