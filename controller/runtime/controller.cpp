#include "rewind/runtime/controller.hpp"

#include <pthread.h>

#include <exception>
#include <utility>

#include <spdlog/spdlog.h>

namespace rwd::runtime {

std::string to_string(const Action& action) {
  switch (action.type) {
    case Action::Type::kAwaitChange: return "await-change";
    case Action::Type::kRequeueRateLimited: return "backoff";
    case Action::Type::kRequeueAfter: {
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(action.after);
      return "requeue after " + model::format_duration(ms);
    }
  }
  return "unknown";
}

Action default_error_policy(const ObjectRef& /*ref*/, const model::Error& error) {
  if (error.kind == model::ErrorKind::kTransient) return Action::requeue_rate_limited();
  return Action::await_change();  // retrying will not help until the object changes
}

Controller::Controller(WorkQueue& queue, const Clock& clock, ReconcileFn reconcile,
                       ControllerOptions options)
    : queue_(queue),
      clock_(clock),
      reconcile_(std::move(reconcile)),
      options_(std::move(options)),
      idle_(clock, mu_) {
  if (!options_.error_policy) options_.error_policy = default_error_policy;
}

Controller::~Controller() {
  queue_.shut_down();
  join();
}

void Controller::start() {
  std::lock_guard lock(mu_);
  if (started_) return;
  started_ = true;
  const std::size_t n = options_.workers == 0 ? 1 : options_.workers;
  threads_.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    threads_.emplace_back([this, i] { worker_loop(i); });
    // Visible in top/gdb: "<name>-<i>", cut to the kernel's 15 characters.
    const std::string name = (options_.name + "-" + std::to_string(i)).substr(0, 15);
    pthread_setname_np(threads_.back().native_handle(), name.c_str());
  }
}

void Controller::worker_loop(std::size_t worker) {
  while (auto key = queue_.get()) process(*key, worker);
}

bool Controller::run_once() {
  auto key = queue_.try_get();
  if (!key) return false;
  process(*key, 0);
  return true;
}

void Controller::process(const ObjectRef& key, std::size_t worker) {
  {
    std::lock_guard lock(mu_);
    in_flight_[key] = worker;
  }
  // The benchmarks' "event to reconcile" figure reads this line's time.
  spdlog::debug("{}: reconcile of {} started on worker {}", options_.name, key.str(), worker);
  const SteadyTime started = clock_.steady_now();
  ReconcileOutcome outcome{key, std::nullopt, Action::await_change(), {}, worker};
  try {
    model::Result<Action> result = reconcile_(key);
    if (result.ok()) {
      outcome.action = result.value();
    } else {
      outcome.error = result.error();
    }
  } catch (const std::exception& e) {
    // Reconcilers return errors; a throw is a bug, but not one that should
    // stop the worker. Retried with backoff.
    outcome.error = model::Error::transient(std::string("reconcile threw: ") + e.what());
  } catch (...) {
    outcome.error = model::Error::transient("reconcile threw a non-exception");
  }
  outcome.took = clock_.steady_now() - started;

  if (outcome.error) {
    outcome.action = options_.error_policy(key, *outcome.error);
    if (outcome.action.type != Action::Type::kRequeueRateLimited) queue_.forget(key);
  } else if (outcome.action.type != Action::Type::kRequeueRateLimited) {
    queue_.forget(key);  // a success resets the key's backoff
  }
  switch (outcome.action.type) {
    case Action::Type::kAwaitChange: break;
    case Action::Type::kRequeueAfter: queue_.add_after(key, outcome.action.after); break;
    case Action::Type::kRequeueRateLimited: queue_.requeue_rate_limited(key); break;
  }
  if (options_.on_outcome) {
    try {
      options_.on_outcome(outcome);
    } catch (const std::exception& e) {
      spdlog::error("{}: outcome handler failed for {}: {}", options_.name, key.str(), e.what());
    }
  }
  {
    std::lock_guard lock(mu_);
    in_flight_.erase(key);
    idle_.notify_all();
  }
  // done() last: the queue may hand the key to another worker right after.
  queue_.done(key);
}

ShutdownReport Controller::shutdown(Duration timeout) {
  queue_.shut_down();
  const SteadyTime deadline = clock_.steady_now() + timeout;
  std::unique_lock lock(mu_);
  while (!in_flight_.empty() && clock_.steady_now() < deadline) idle_.wait_until(lock, deadline);
  ShutdownReport report;
  for (const auto& [key, worker] : in_flight_) report.unfinished.push_back(key);
  report.clean = report.unfinished.empty();
  if (!report.clean) {
    spdlog::warn("{}: {} reconcile(s) still running at the shutdown deadline", options_.name,
                 report.unfinished.size());
  }
  return report;
}

void Controller::join() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mu_);
    threads.swap(threads_);
  }
  for (std::thread& t : threads) {
    if (t.joinable()) t.join();
  }
}

std::vector<ObjectRef> Controller::in_flight() const {
  std::lock_guard lock(mu_);
  std::vector<ObjectRef> out;
  out.reserve(in_flight_.size());
  for (const auto& [key, worker] : in_flight_) out.push_back(key);
  return out;
}

}  // namespace rwd::runtime
