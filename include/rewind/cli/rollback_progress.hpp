#pragma once
// What `rewind rollback` prints while a watcher runs the Rollback: each
// successive read of the Rollback's and the Release's stored status (the
// state directory) becomes the lines that say what changed since the last
// read -- a step that started or finished, a new message, the end.
//
// Steps come from the Rollback's status.plan when the engine records them
// there; otherwise from the Release's status.progress (the index of the
// next step), named after the plan this command computed beforehand when
// the plan hashes match.

#include <optional>
#include <string>
#include <vector>

#include "rewind/model/release.hpp"
#include "rewind/model/rollback.hpp"

namespace rwd::cli {

struct PlannedStep {
  std::string name;         // "start-revision"
  std::string description;  // "start revision 1 (rewind-demo:v1)"
};

class RollbackProgress {
 public:
  // `steps` and `plan_hash`: the plan expected to run (may be empty).
  // `runner`: who runs it, for "taken up by the watcher".
  RollbackProgress(std::vector<PlannedStep> steps, std::string plan_hash,
                   std::string runner = "the watcher")
      : steps_(std::move(steps)), plan_hash_(std::move(plan_hash)), runner_(std::move(runner)) {}

  // Lines for what changed since the last call (none when nothing did).
  std::vector<std::string> update(const std::optional<model::Rollback>& rollback,
                                  const std::optional<model::Release>& release);

  [[nodiscard]] bool accepted() const { return accepted_; }  // the watcher took it
  [[nodiscard]] bool finished() const {
    return phase_ == model::RollbackPhase::kSucceeded || phase_ == model::RollbackPhase::kFailed;
  }
  [[nodiscard]] bool succeeded() const { return phase_ == model::RollbackPhase::kSucceeded; }

 private:
  void from_rollback_plan(const model::Rollback& rb, std::vector<std::string>& out);
  void from_release_progress(const model::Release& rel, const std::string& shown,
                             std::vector<std::string>& out);
  void done_up_to(std::size_t index, std::vector<std::string>& out);
  [[nodiscard]] std::string step_label(std::size_t index) const;

  std::vector<PlannedStep> steps_;
  std::string plan_hash_;
  std::string runner_;
  bool accepted_ = false;
  std::optional<model::RollbackPhase> phase_;
  std::vector<model::StepState> step_states_;  // as last seen in status.plan
  std::size_t done_ = 0;                       // steps known done (from progress)
  bool started_announced_ = false;             // "started" printed for step done_
  bool use_planned_ = false;                   // the Release's plan hash matches ours
  std::string release_message_;
};

// "3.2 s", "850 ms"
std::string format_seconds(double seconds);

}  // namespace rwd::cli
