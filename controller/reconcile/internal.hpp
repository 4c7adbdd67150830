#pragma once
// Private to controller/reconcile: the pieces plan() is assembled from.

#include <optional>
#include <string>
#include <vector>

#include "rewind/model/history.hpp"
#include "rewind/model/release.hpp"
#include "rewind/model/result.hpp"
#include "rewind/model/revision.hpp"
#include "rewind/reconcile/observed.hpp"
#include "rewind/reconcile/plan.hpp"
#include "rewind/reconcile/planner.hpp"
#include "rewind/reconcile/step.hpp"

namespace rwd::reconcile::detail {

// The arguments of plan(), plus what every part derives from them.
struct Inputs {
  const Desired& desired;
  const Observed& observed;
  const model::History& history;
  model::Timestamp now;
  const model::RevisionRecord* running = nullptr;  // history record of observed.running

  [[nodiscard]] const model::Release& release() const { return desired.release; }
  [[nodiscard]] const model::ReleaseSpec& policy() const { return desired.release.spec; }
  [[nodiscard]] std::int64_t generation() const { return desired.release.metadata.generation; }
};

// The revision a plan moves to, and why.
struct Goal {
  model::RevisionNumber number;
  model::Revision tuple;
  model::ReleaseSpec spec;       // the target's snapshot
  std::string reason;            // a reason:: constant
  bool is_new = false;           // not in history yet: Decision::new_record
  bool rollback_intent = false;  // Automatic, RevertedInSource, RollbackResource, Pinned
  // The failed or aborted desired revision the Release moves away from.
  std::optional<model::RevisionNumber> leaving;
  std::optional<model::RevisionOutcome> leaving_outcome;
  bool mark_aborted = false;  // aborted in status.progress only: Decision::mark_aborted
  bool emergency = false;
  bool restore_backup = false;
  bool dry_run = false;
  bool hold = false;  // failed desired revision, no automatic rollback
};

// Where a plan starts. A fresh plan takes it from Observed; resuming tries
// every start the plan could have had (see resume.cpp).
struct Basis {
  std::optional<model::RevisionNumber> from;  // history record of what runs
  std::optional<model::Revision> from_tuple;  // what runs (nullopt: nothing)
  std::optional<Color> active;
  bool canary_live = false;        // a canary container runs (with traffic or not)
  bool standby_is_target = false;  // blue-green: the target is still up in the idle color
};

// What goal selection found.
struct Choice {
  enum class Kind { kGoal, kError };
  Kind kind = Kind::kGoal;
  Goal goal;
  std::optional<model::RevisionRecord> new_record;
  // kError:
  std::string error_reason;  // CamelCase, for conditions
  model::Error error;
  bool rollback_error = false;  // the Rollback object is wrong, not the Release
};

// ---- history views (revisions.cpp) --------------------------------------
const model::RevisionRecord* newest_by_hash(const model::History& h,
                                            const model::RevisionHash& hash);
const model::RevisionRecord* running_record(const model::History& h, const Observed& o);
// Running record, else status.currentRevision, else the newest record.
const model::RevisionRecord* current_record(const Inputs& in);
// Newest revision older than `before` that went live and did not fail.
const model::RevisionRecord* previous_of(const model::History& h, model::RevisionNumber before);
const model::RevisionRecord* newest_applied(const model::History& h);
// <0, 0, >0. Numeric when both are digits ("0007" > "0005", "10" > "9").
int compare_schema(const std::string& a, const std::string& b);
const char* outcome_reason(model::RevisionOutcome o);  // "FailedHealth", ...

// ---- goal selection (goal.cpp) -----------------------------------------
Choice choose_goal(const Inputs& in, Decision& d);

// ---- plan building ------------------------------------------------------
struct Builder {
  const Inputs& in;
  const Goal& goal;
  const Basis& basis;
  std::vector<step::Detail> out;
  bool quiesced = false;
  std::vector<std::string> quiesce_services;

  template <class T>
  void add(T s) {
    out.emplace_back(std::move(s));
  }
  [[nodiscard]] const model::ReleaseSpec& policy() const { return in.policy(); }
  [[nodiscard]] const model::MigrationSpec* migration() const;
  [[nodiscard]] bool emergency() const { return goal.emergency; }

  // common_steps.cpp
  // Backup/quiesce/migrate/restore/row counts when the schema changes from
  // `from_schema` to the goal's; `changed` tells whether it does.
  model::Status schema_change(const std::string& from_schema, bool& changed);
  void unquiesce();
  void health_gate(model::RevisionNumber rev, std::optional<Color> color);
  void smoke_gate(model::RevisionNumber rev);
  void analysis_gate(model::RevisionNumber rev, const std::vector<std::string>& metrics = {});
  void notify(const std::string& event);
  void finish(const std::string& event);  // mark stable + notify
  [[nodiscard]] std::string from_schema() const;
  [[nodiscard]] bool same_runtime() const;  // image and config equal to what runs
  [[nodiscard]] std::string release_name() const { return in.release().metadata.name; }
};

// rollforward.cpp
bool needs_verify(const Inputs& in, const Goal& goal);
model::Status roll_forward(Builder& b);
void verify(Builder& b);  // what runs is the target, never verified
// rollback.cpp
model::Status roll_back(Builder& b);
std::string rollback_event(const Builder& b, std::optional<model::RevisionNumber> from);
// bluegreen.cpp
void bluegreen_forward(Builder& b);
// Start (unless still up), health, smoke, switch; then scale the old color down.
void bluegreen_rollback_start(Builder& b);
void bluegreen_rollback_finish(Builder& b);
bool is_switchback(const Builder& b);
// canary.cpp
void canary_forward(Builder& b);
std::optional<model::RevisionNumber> canary_revision(const Builder& b);
// Takes the canary track out of traffic: weight 0 at once.
void canary_stop_traffic(Builder& b);
void canary_scale_down(Builder& b);
model::Status canary_retreat(Builder& b);

// resume.cpp
model::Result<Plan> build_plan(const Inputs& in, const Goal& goal, const Basis& basis);
Basis observed_basis(const Inputs& in, const Goal& goal);
// The plan status.progress refers to, with first_step set; nullopt when
// progress is for another plan or the plan is finished.
std::optional<Plan> resume(const Inputs& in, const Goal& goal, const Basis& observed);

// status.cpp
void set_status(const Inputs& in, const Goal& goal, Decision& d);
void set_error_status(const Inputs& in, const Choice& c, Decision& d);
model::Condition rollback_ready(const Inputs& in);

}  // namespace rwd::reconcile::detail
