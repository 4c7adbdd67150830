#pragma once
// A plan: where the Release moves, why, and the ordered steps to get there.
// An Action: when the reconciler wants to run again (kube-rs style).

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "rewind/model/strong_types.hpp"
#include "rewind/model/time.hpp"
#include "rewind/reconcile/step.hpp"

namespace rwd::reconcile {

enum class Direction { kNone, kRollForward, kRollback };
const char* to_string(Direction d);  // "none", "rollForward", "rollback"

// Plan reasons (CamelCase). The RolledBack condition uses the rollback ones.
namespace reason {
inline constexpr const char* kNewRevision = "NewRevision";  // the spec names a new tuple
inline constexpr const char* kRevertedInSource =
    "RevertedInSource";  // the spec equals an older revision
inline constexpr const char* kRollbackResource = "RollbackResource";  // a Rollback object asked
inline constexpr const char* kAutomatic =
    "Automatic";  // the desired revision failed; back to last known good
inline constexpr const char* kPinned = "Pinned";          // a Rollback's pin holds the Release
inline constexpr const char* kDrift = "Drift";            // what runs is not what rewind put there
inline constexpr const char* kAborted = "Aborted";        // canary aborted, no automatic rollback
inline constexpr const char* kUnverified = "Unverified";  // running, never passed health/analysis
inline constexpr const char* kAnalysisPassed =
    "AnalysisPassed";  // live, window over: mark it stable
// The Degraded condition's reason while an analysis round crossed a warnIf.
inline constexpr const char* kAnalysisWarning = "AnalysisWarning";
}  // namespace reason

// Resume: `steps` is always the whole plan, and `first_step` is the index of
// the first step still to run. A fresh plan has first_step 0; when
// status.progress names the same target revision and the same plan hash, the
// planner sets first_step = progress.step_index, so steps before it are done
// and are kept only for display and for the hash.
struct Plan {
  Direction direction = Direction::kNone;
  std::optional<model::RevisionNumber> from;  // what runs now, when history knows it
  std::optional<model::RevisionNumber> to;
  std::string reason;
  std::vector<Step> steps;
  std::size_t first_step = 0;
  std::string hash;        // plan_hash(to, steps); empty for an empty plan
  bool dry_run = false;    // from a dryRun Rollback: print, never execute
  bool emergency = false;  // from an emergency Rollback

  [[nodiscard]] bool empty() const noexcept { return first_step >= steps.size(); }
  [[nodiscard]] std::span<const Step> remaining() const noexcept {
    return empty() ? std::span<const Step>{} : std::span<const Step>(steps).subspan(first_step);
  }
  [[nodiscard]] const Step* next() const noexcept { return empty() ? nullptr : &steps[first_step]; }
  bool operator==(const Plan&) const = default;
};

// 16 lowercase hex digits over the target revision and every step's id and
// parameters. Changes whenever any step changes; the same inputs always give
// the same hash.
std::string plan_hash(std::optional<model::RevisionNumber> to, const std::vector<Step>& steps);

// Gives each step its id and description and computes the hash.
Plan make_plan(Direction direction, std::optional<model::RevisionNumber> from,
               std::optional<model::RevisionNumber> to, std::string reason,
               std::vector<step::Detail> details);

// What the caller should do after applying a Decision.
class Action {
 public:
  static Action requeue_after(model::Duration d) { return Action(d); }
  static Action await_change() { return Action(std::nullopt); }

  // nullopt: wait for a change of the Release, its Rollback or observed state.
  [[nodiscard]] const std::optional<model::Duration>& requeue() const noexcept { return after_; }
  [[nodiscard]] bool is_await_change() const noexcept { return !after_.has_value(); }
  bool operator==(const Action&) const = default;

 private:
  explicit Action(std::optional<model::Duration> after) : after_(after) {}
  std::optional<model::Duration> after_;
};

std::string to_string(const Action& a);  // "requeue after 5s", "await change"

}  // namespace rwd::reconcile
