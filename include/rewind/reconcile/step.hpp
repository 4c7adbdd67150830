#pragma once
// The steps a plan is made of. Each step kind has its own parameter struct in
// rwd::reconcile::step; a Step holds one of them, a stable id and a human
// description ("down-migrate schema 0007 → 0005").

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "rewind/model/revision.hpp"
#include "rewind/model/strong_types.hpp"
#include "rewind/model/time.hpp"

namespace rwd::reconcile {

// Blue-green colors.
enum class Color { kBlue, kGreen };
const char* to_string(Color c);  // "blue", "green"
Color other(Color c);

enum class MigrateDirection { kUp, kDown };

namespace step {

// First step of every rollback: the incident is recorded before anything moves.
struct RecordIncident {
  std::optional<model::RevisionNumber> from;  // unknown when the running tuple is not in history
  model::RevisionNumber to;
  std::string reason;  // Automatic, RevertedInSource, RollbackResource, Pinned
  bool operator==(const RecordIncident&) const = default;
};

// A database dump; `verify` means it must be read back and checked before the
// next step runs.
struct Backup {
  std::string directory;
  bool verify = true;
  bool operator==(const Backup&) const = default;
};

struct Quiesce {
  std::vector<std::string> services;
  bool operator==(const Quiesce&) const = default;
};

struct Migrate {
  MigrateDirection direction = MigrateDirection::kUp;
  std::string from;  // empty: the schema revision is not known (first deploy)
  std::string to;
  bool operator==(const Migrate&) const = default;
};

// Restore the dump taken before the schema left `schema`.
struct RestoreBackup {
  std::string path;
  std::string schema;
  model::RevisionNumber taken_before;  // the revision whose upgrade took the dump
  bool operator==(const RestoreBackup&) const = default;
};

struct VerifyRowCounts {
  std::vector<std::string> tables;
  bool operator==(const VerifyRowCounts&) const = default;
};

struct StartRevision {
  model::RevisionNumber revision;
  model::Revision tuple;
  std::optional<Color> color;  // blue-green only
  bool canary = false;         // canary: starts beside the stable track at weight 0
  bool operator==(const StartRevision&) const = default;
};

struct HealthGate {
  model::RevisionNumber revision;
  std::optional<Color> color;
  model::Duration interval{};
  model::Duration timeout{};
  std::int32_t success_threshold = 1;
  std::int32_t failure_threshold = 3;
  bool operator==(const HealthGate&) const = default;
};

struct SmokeGate {
  model::RevisionNumber revision;
  std::vector<std::string> command;
  model::Duration timeout{};
  bool operator==(const SmokeGate&) const = default;
};

// Share of traffic sent to the canary revision.
struct SetTrafficWeight {
  model::RevisionNumber revision;
  std::int32_t weight = 0;
  bool operator==(const SetTrafficWeight&) const = default;
};

struct Pause {
  std::optional<model::Duration> duration;  // nullopt: until someone promotes
  bool operator==(const Pause&) const = default;
};

struct AnalysisGate {
  model::RevisionNumber revision;
  std::vector<std::string> metrics;  // names, resolved from spec.analysis
  model::Duration window{};
  model::Duration interval{};
  bool operator==(const AnalysisGate&) const = default;
};

// Canary: weight 100, the canary replaces the stable track. Blue-green with
// autoPromote false: a gate that waits for `rewind promote` (manual).
struct Promote {
  model::RevisionNumber revision;
  bool manual = false;
  bool operator==(const Promote&) const = default;
};

struct SwitchActiveColor {
  std::optional<Color> from;  // nullopt: no color was active (first deploy)
  Color to = Color::kBlue;
  model::RevisionNumber revision;  // the revision that serves after the switch
  bool operator==(const SwitchActiveColor&) const = default;
};

// Blue-green: the old color after `delay`. Canary: the canary track (no color).
struct ScaleDown {
  std::optional<model::RevisionNumber> revision;  // nullopt: a tuple history does not know
  std::optional<Color> color;
  model::Duration delay{};
  bool operator==(const ScaleDown&) const = default;
};

struct MarkStable {
  model::RevisionNumber revision;
  bool operator==(const MarkStable&) const = default;
};

struct Notify {
  std::string event;
  std::size_t targets = 0;
  bool operator==(const Notify&) const = default;
};

struct Unquiesce {
  std::vector<std::string> services;
  bool operator==(const Unquiesce&) const = default;
};

// Alternatives in the order of StepKind.
using Detail =
    std::variant<RecordIncident, Backup, Quiesce, Migrate, RestoreBackup, VerifyRowCounts,
                 StartRevision, HealthGate, SmokeGate, SetTrafficWeight, Pause, AnalysisGate,
                 Promote, SwitchActiveColor, ScaleDown, MarkStable, Notify, Unquiesce>;

}  // namespace step

enum class StepKind {
  kRecordIncident,
  kBackup,
  kQuiesce,
  kMigrate,
  kRestoreBackup,
  kVerifyRowCounts,
  kStartRevision,
  kHealthGate,
  kSmokeGate,
  kSetTrafficWeight,
  kPause,
  kAnalysisGate,
  kPromote,
  kSwitchActiveColor,
  kScaleDown,
  kMarkStable,
  kNotify,
  kUnquiesce,
};

// CamelCase ("StartRevision"): JSON "kind" and the Progressing reason.
const char* to_string(StepKind k);
// kebab-case ("start-revision"): the base of step ids, StepStatus.name.
const char* step_name(StepKind k);

StepKind kind_of(const step::Detail& d);

// "down-migrate schema 0007 → 0005", "start shop-api:v1 (revision 1)".
std::string describe(const step::Detail& d);

struct Step {
  // Unique within its plan and stable while the plan does not change: the
  // step name, with "-2", "-3", ... for later steps of the same kind.
  std::string id;
  std::string description;
  step::Detail detail;

  [[nodiscard]] StepKind kind() const { return kind_of(detail); }
  template <class T>
  [[nodiscard]] const T* as() const {
    return std::get_if<T>(&detail);
  }
  bool operator==(const Step&) const = default;
};

}  // namespace rwd::reconcile
