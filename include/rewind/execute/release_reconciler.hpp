#pragma once
// One reconcile of one Release: read what rewind wrote last (status,
// history), observe the platform, ask the planner, record the decision, then
// run steps until one has to wait, fails, or the plan is done. Progress is
// written after every step, so a controller killed at any point resumes at
// the right step (the planner matches the stored plan hash).

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "rewind/execute/commands.hpp"
#include "rewind/execute/drill.hpp"
#include "rewind/execute/executor.hpp"
#include "rewind/history/store.hpp"
#include "rewind/model/revision.hpp"
#include "rewind/model/rollback.hpp"
#include "rewind/notify/notifier.hpp"
#include "rewind/reconcile/planner.hpp"

namespace rwd::execute {

// A Release annotated rewind.dev/source: docker-labels (the Docker label
// source makes them) exists only while its compose service has containers:
// with none left (`docker compose down`) the reconciler does nothing and the
// source deletes the Release, where a Release from a file would have its
// container created again.
inline constexpr const char* kSourceAnnotation = "rewind.dev/source";
inline constexpr const char* kDockerLabelsSource = "docker-labels";

struct ReconcilerDeps {
  ContainerPlatform& platform;
  HealthProbe& probe;
  history::HistoryStore& history;
  history::StatusStore& status;
  std::function<model::Timestamp()> now;
  // Contents of a Release's envFiles, read where its source lives.
  std::function<model::Result<model::EnvFileContents>(const model::Release&)> env_files;
  // Plan only: log what would happen, write nothing, change nothing.
  bool dry_run = false;
  // Optional hook: called for every finished, failed or waiting step.
  std::function<void(const model::ObjectKey&, const reconcile::Step&, const StepResult&,
                     model::Duration took)>
      on_step;
  // The database of spec.migration; nullptr: schema steps fail, saying so.
  DatabaseTarget* database = nullptr;
  // spec.analysis providers; empty: the real ones (real_metrics()).
  MetricsFactory metrics{};
  // Where spec.notify's events go (never blocks); nullptr: nowhere.
  notify::Notifier* notifier = nullptr;
  // Blue-green's router; without one, blue-green plans fail at their first step, saying so.
  Traffic traffic{};
  // `rewind promote`/`abort`/`retry` waiting to be applied; nullptr: none come.
  CommandBox* commands = nullptr;
  // Asked before every step: an error stops the plan there (it resumes at
  // that step later). Kubernetes mode: "this controller still holds the
  // leader Lease". Empty: always yes.
  std::function<model::Status()> may_act{};
};

struct ReconcileOutcome {
  reconcile::Action action = reconcile::Action::await_change();
  std::optional<model::Error> error;  // transient: retry with backoff; else report
  std::string summary;                // one line for the log
};

class ReleaseReconciler {
 public:
  explicit ReleaseReconciler(ReconcilerDeps deps);

  // `rollbacks`: the Rollback resources that name this Release (any state;
  // finished ones are recognised from their stored status).
  ReconcileOutcome reconcile(const model::Release& from_source,
                             const std::vector<model::Rollback>& rollbacks);

  // The Release left its source: its state is kept, the containers are left
  // running, nothing more is done for it.
  void forget(const model::ObjectKey& key);

 private:
  struct Run;  // the state of one reconcile

  ReconcileOutcome execute(Run& run);
  void after_step_done(Run& run, const reconcile::Step& step, const StepResult& r);
  void record_database_step(Run& run, const model::MigrationStatus& m);
  void unquiesce_after_failure(Run& run, const reconcile::Step& failed);
  model::Status keep_down_scripts(const Run& run, model::RevisionRecord& rec);
  void observe_schema(Run& run, reconcile::Observed& observed);
  ReconcileOutcome idle(Run& run);
  void record_drill(Run& run, const model::Result<DrillOutcome>& outcome);
  static bool serves_rollback(const Run& run);
  void note_warnings(Run& run, const StepResult& r);
  // promote/abort/retry from deps_.commands, into status and history.
  void apply_commands(Run& run, const model::Revision& desired);
  void list_rollback_steps(Run& run);
  void note_step(Run& run, std::size_t index, model::StepState state, const std::string& message);
  ReconcileOutcome after_step_failed(Run& run, const reconcile::Step& step, const StepResult& r);
  model::Status save_history(Run& run);
  model::Status write_status(Run& run);
  void write_rollback(Run& run, model::RollbackPhase phase, const std::string& message);
  // Sends an event of the running plan to spec.notify's targets.
  void notify(const Run& run, const char* type, const std::string& message);

  ReconcilerDeps deps_;
  Executor executor_;
};

// Where the generation comes from when a source has none (a file): the
// stored generation, plus one when the spec differs from the stored spec.
std::int64_t derive_generation(const model::Release& from_source,
                               const std::optional<model::Release>& stored);

}  // namespace rwd::execute
