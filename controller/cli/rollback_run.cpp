#include "rollback_run.hpp"

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <ostream>
#include <thread>

#include "rewind/cli/rollback_progress.hpp"
#include "rewind/postgres/database_url.hpp"
#include "rewind/reconcile/format.hpp"
#include "rewind/runtime/signals.hpp"

namespace rwd::cli {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kPollInterval{200};
constexpr std::chrono::seconds kNotTakenHint{10};
constexpr std::chrono::seconds kMaxPassWait{2};

std::vector<PlannedStep> planned_steps(const reconcile::Decision& d) {
  std::vector<PlannedStep> out;
  for (const auto& s : d.plan.steps) out.push_back({reconcile::step_name(s.kind()), s.description});
  return out;
}

bool alive(long pid) { return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM; }

std::string status_hint(const RunContext& ctx) {
  const auto& key = ctx.stored.release.metadata.key();
  const std::string cmd = "rewind status " + key.name + " -n " + key.ns;
  if (const auto& db = ctx.options.state) {
    // The URL as shown in logs: never the password.
    return cmd + " --state " + postgres::DatabaseUrl(db->url).display() +
           (db->host.empty() ? "" : " --state-host " + db->host);
  }
  return cmd + " --state-dir " + ctx.options.state_dir.string();
}

// The closing lines after a Rollback finished.
void print_result(const RunContext& ctx, bool succeeded) {
  const auto& key = ctx.stored.release.metadata.key();
  if (!succeeded) {
    ctx.err << "rewind rollback: the rollback of Release " << key.str()
            << " failed; see the messages above and `" << status_hint(ctx) << "`\n";
    return;
  }
  auto rb = ctx.engine.statuses->read_rollback(ctx.rollback.metadata.key());
  std::optional<model::RevisionNumber> to;
  if (rb && *rb) to = (**rb).status.to_revision;
  if (!to) to = ctx.plan.plan.to;
  const auto* rec = to ? ctx.stored.history.find(*to) : nullptr;
  ctx.out << "Release " << key.str() << " is back on revision "
          << (to ? std::to_string(to->value()) : "?")
          << (rec != nullptr ? " (" + rec->revision.image.value() + ")" : "")
          << "; it stays pinned there until its spec changes.\n";
  if (ctx.rollback.spec.emergency) {
    ctx.out << "This was an emergency rollback: analysis windows, smoke tests and graceful waits "
               "were skipped.\n";
  }
}

model::Result<std::optional<model::Rollback>> read_rollback(const RunContext& ctx) {
  return ctx.engine.statuses->read_rollback(ctx.rollback.metadata.key());
}

bool finished(const std::optional<model::Rollback>& rb) {
  return rb && (rb->status.phase == model::RollbackPhase::kSucceeded ||
                rb->status.phase == model::RollbackPhase::kFailed);
}

// Prints the steps the in-process engine runs, as it runs them.
class StepPrinter {
 public:
  explicit StepPrinter(const RunContext& ctx) : ctx_(ctx) {}

  void operator()(const reconcile::Step& step, const execute::StepResult& r, model::Duration took) {
    const std::string label = label_of(step);
    switch (r.state) {
      case execute::StepState::kWaiting:
        if (r.message != last_wait_) {
          ctx_.out << "    " << step.description << ": " << r.message << "\n";
        }
        last_wait_ = r.message;
        break;
      case execute::StepState::kDone:
        ctx_.out << label << ": done ("
                 << format_seconds(std::chrono::duration<double>(took).count()) << ")"
                 << (r.message.empty() ? "" : ": " + r.message) << "\n";
        last_wait_.clear();
        break;
      case execute::StepState::kFailed:
        ctx_.out << label << ": FAILED: " << r.message << "\n";
        break;
    }
    ctx_.out.flush();
  }

 private:
  [[nodiscard]] std::string label_of(const reconcile::Step& step) const {
    const auto& steps = ctx_.plan.plan.steps;
    for (std::size_t i = 0; i < steps.size(); ++i) {
      if (steps[i].id == step.id) {
        return "[" + std::to_string(i + 1) + "/" + std::to_string(steps.size()) + "] " +
               step.description;
      }
    }
    return step.description;
  }

  const RunContext& ctx_;
  std::string last_wait_;
};

// SIGINT/SIGTERM end the in-process run between two reconciles.
class Interrupt {
 public:
  Interrupt() {
    auto w = runtime::SignalWatcher::install([this](int) {
      const std::lock_guard lock(mu_);
      stop_ = true;
      cv_.notify_all();
    });
    if (w) watcher_ = std::move(*w);
  }
  // Waits up to `d`; true when interrupted.
  bool wait_for(std::chrono::milliseconds d) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, d, [this] { return stop_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::unique_ptr<runtime::SignalWatcher> watcher_;
};

}  // namespace

int follow_watcher(const RunContext& ctx, const LockHolder& watcher) {
  const auto& o = ctx.options;
  ctx.out << "handed to " << watcher.describe() << ": " << ctx.request.string() << "\n";
  RollbackProgress progress(planned_steps(ctx.plan), ctx.plan.plan.hash);
  const auto start = Clock::now();
  bool hinted = false;
  for (;;) {
    auto rb = read_rollback(ctx);
    auto rel = ctx.engine.statuses->read_release(ctx.stored.release.metadata.key());
    const auto rb_now = rb && *rb ? **rb : std::optional<model::Rollback>();
    const auto rel_now = rel && *rel ? **rel : std::optional<model::Release>();
    for (const auto& line : progress.update(rb_now, rel_now)) ctx.out << line << "\n";
    ctx.out.flush();
    if (progress.finished()) {
      print_result(ctx, progress.succeeded());
      return progress.succeeded() ? 0 : 1;
    }
    if (o.no_wait && progress.accepted()) {
      ctx.out << "not waiting (--no-wait); follow it with: " << status_hint(ctx) << "\n";
      return 0;
    }
    if (watcher.pid > 0 && !alive(watcher.pid)) {
      ctx.err << "rewind rollback: " << watcher.describe() << " has stopped; the request stays in "
              << ctx.request.string() << " and runs when `rewind watch` starts again\n";
      return 1;
    }
    if (!hinted && !progress.accepted() && Clock::now() - start > kNotTakenHint) {
      ctx.err << "note: the watcher has not taken the request up yet (if it refused the file, "
                 "its log says why)\n";
      hinted = true;
    }
    if (Clock::now() - start >= o.timeout) {
      ctx.err << "rewind rollback: not finished within " << model::format_duration(o.timeout)
              << "; it keeps running in the watcher. Follow it with: " << status_hint(ctx) << "\n";
      return 1;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

int run_in_process(const RunContext& ctx) {
  const auto& o = ctx.options;
  ctx.out << "no `rewind watch` uses " << o.state_dir.string()
          << ": running the rollback here (request " << ctx.request.string() << ")\n";
  ctx.out << reconcile::format_plan(ctx.plan) << std::flush;
  StepPrinter printer(ctx);
  Engine& engine = ctx.engine;
  engine.make_reconciler(
      [&engine](const model::Release& r) -> model::Result<model::EnvFileContents> {
        auto h = engine.histories->load(r.metadata.key());
        if (!h) return h.error();
        return env_files_from_history(r, *h);
      },
      false,
      [&printer](const model::ObjectKey&, const reconcile::Step& step, const execute::StepResult& r,
                 model::Duration took) { printer(step, r, took); });
  Interrupt interrupt;
  const auto start = Clock::now();
  const std::string keeps = "; the request stays in " + ctx.request.string() +
                            ": the next `rewind watch` on this state directory continues it "
                            "(delete the file to cancel it)\n";
  for (;;) {
    const execute::ReconcileOutcome outcome =
        engine.reconciler->reconcile(ctx.stored.release, {ctx.rollback});
    auto rb = read_rollback(ctx);
    if (rb && finished(*rb)) {
      const bool ok = (**rb).status.phase == model::RollbackPhase::kSucceeded;
      // One more pass settles the Release status (conditions, pin) as a watcher would.
      if (ok) (void)engine.reconciler->reconcile(ctx.stored.release, {ctx.rollback});
      if (!ok) ctx.err << "rewind rollback: " << (**rb).status.message << "\n";
      print_result(ctx, ok);
      return ok ? 0 : 1;
    }
    if (outcome.error && outcome.error->kind != model::ErrorKind::kTransient) {
      ctx.err << "rewind rollback: " << outcome.error->message << "\n";
      return 1;
    }
    if (!outcome.error && outcome.action.is_await_change()) {
      ctx.err << "rewind rollback: the rollback does not move on: " << outcome.summary << keeps;
      return 1;
    }
    if (outcome.error) ctx.err << "retrying: " << outcome.error->message << "\n";
    auto wait = outcome.action.requeue().value_or(std::chrono::seconds(1));
    if (outcome.error) wait = std::chrono::seconds(1);
    wait = std::clamp<model::Duration>(wait, model::Duration(1), kMaxPassWait);
    if (Clock::now() + wait - start >= o.timeout) {
      ctx.err << "rewind rollback: not finished within " << model::format_duration(o.timeout)
              << keeps;
      return 1;
    }
    if (interrupt.wait_for(wait)) {
      ctx.err << "rewind rollback: interrupted after the step in progress" << keeps;
      return 1;
    }
  }
}

}  // namespace rwd::cli
