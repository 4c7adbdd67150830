#include "rewind/cli/rollback_progress.hpp"

#include <cmath>
#include <cstdio>

namespace rwd::cli {
namespace {

std::string took(const model::StepStatus& s) {
  if (!s.started_at || !s.finished_at) return "";
  const std::chrono::duration<double> d = *s.finished_at - *s.started_at;
  return " (" + format_seconds(d.count()) + ")";
}

}  // namespace

std::string format_seconds(double seconds) {
  char buf[32];
  if (seconds < 1.0) {
    std::snprintf(buf, sizeof buf, "%d ms", static_cast<int>(std::lround(seconds * 1000)));
  } else {
    std::snprintf(buf, sizeof buf, "%.1f s", seconds);
  }
  return buf;
}

std::string RollbackProgress::step_label(std::size_t index) const {
  const std::string n = use_planned_ ? "/" + std::to_string(steps_.size()) : "";
  const bool named = use_planned_ && index < steps_.size();
  const std::string what = named ? steps_[index].description : "step " + std::to_string(index + 1);
  return "[" + std::to_string(index + 1) + n + "] " + what;
}

void RollbackProgress::done_up_to(std::size_t index, std::vector<std::string>& out) {
  if (index <= done_) return;
  for (std::size_t i = done_; i < index; ++i) out.push_back(step_label(i) + ": done");
  done_ = index;
  started_announced_ = false;
}

void RollbackProgress::from_rollback_plan(const model::Rollback& rb,
                                          std::vector<std::string>& out) {
  const auto& plan = rb.status.plan;
  step_states_.resize(plan.size(), model::StepState::kPending);
  for (std::size_t i = 0; i < plan.size(); ++i) {
    const model::StepStatus& s = plan[i];
    if (s.state == step_states_[i]) continue;
    step_states_[i] = s.state;
    const std::string label = "[" + std::to_string(i + 1) + "/" + std::to_string(plan.size()) +
                              "] " + (s.description.empty() ? s.name : s.description);
    switch (s.state) {
      case model::StepState::kPending: break;
      case model::StepState::kRunning: out.push_back(label + ": started"); break;
      case model::StepState::kSucceeded: out.push_back(label + ": done" + took(s)); break;
      case model::StepState::kSkipped: out.push_back(label + ": skipped"); break;
      case model::StepState::kFailed:
        out.push_back(label + ": FAILED" + (s.message.empty() ? "" : ": " + s.message));
        break;
    }
  }
}

void RollbackProgress::from_release_progress(const model::Release& rel, const std::string& shown,
                                             std::vector<std::string>& out) {
  if (rel.status.progress) {
    const model::PlanProgress& p = *rel.status.progress;
    use_planned_ = !steps_.empty() && p.plan_hash == plan_hash_;
    done_up_to(static_cast<std::size_t>(std::max(p.step_index, 0)), out);
    if (!started_announced_ && (!use_planned_ || done_ < steps_.size())) {
      out.push_back(step_label(done_) + ": started");
      started_announced_ = true;
    }
  }
  if (rel.status.message != release_message_) {
    release_message_ = rel.status.message;
    // What a waiting step says ("health gate: 0/1 healthy"), unless it is
    // what the Rollback said already.
    if (rel.status.progress && !release_message_.empty() && release_message_ != shown) {
      out.push_back("    " + release_message_);
    }
  }
}

std::vector<std::string> RollbackProgress::update(const std::optional<model::Rollback>& rollback,
                                                  const std::optional<model::Release>& release) {
  std::vector<std::string> out;
  if (!rollback) return out;
  const model::Rollback& rb = *rollback;
  const std::string name = "Rollback " + rb.metadata.key().str();
  if (!accepted_) {
    accepted_ = true;
    out.push_back(name + " taken up by " + runner_);
  }
  const bool phase_changed = phase_ != rb.status.phase;
  phase_ = rb.status.phase;
  if (phase_changed && rb.status.phase == model::RollbackPhase::kRunning) {
    out.push_back("running: " + rb.status.message);
  }
  const bool active = rb.status.phase != model::RollbackPhase::kPending;
  if (!rb.status.plan.empty()) {
    from_rollback_plan(rb, out);
  } else if (active && release) {
    from_release_progress(*release, rb.status.message, out);
  }
  if (phase_changed && succeeded()) {
    if (use_planned_) done_up_to(steps_.size(), out);
    out.push_back(name + " succeeded");  // its message is the plan's, from when it started
  } else if (phase_changed && finished()) {
    out.push_back(name + " FAILED" + (rb.status.message.empty() ? "" : ": " + rb.status.message));
  }
  return out;
}

}  // namespace rwd::cli
