#pragma once
// The controller loop: N workers take keys from a WorkQueue and call
// reconcile(key). A reconcile is level-triggered: it gets only the key, reads
// what it needs from the store, and returns what should happen next:
//
//   Action::requeue(d)      run again after d (e.g. to watch an analysis window)
//   Action::await_change()  run again only when the key is queued by an event
//
// or a model::Error, which goes through one error policy: by default a
// transient error is requeued with the queue's backoff and rate limit; a
// terminal or invalid-spec error is not retried (it waits for a change) but
// is still reported to the outcome handler (status writer, log, metrics).
//
// The queue guarantees that no two workers ever hold the same key. shutdown()
// stops handing out keys and waits, up to a deadline, for the reconciles in
// flight; the ones still running then are named in the report.

#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "rewind/model/result.hpp"
#include "rewind/runtime/clock.hpp"
#include "rewind/runtime/object_ref.hpp"
#include "rewind/runtime/work_queue.hpp"

namespace rwd::runtime {

struct Action {
  enum class Type { kAwaitChange, kRequeueAfter, kRequeueRateLimited };
  Type type = Type::kAwaitChange;
  Duration after{};  // for kRequeueAfter

  static Action await_change() { return {}; }
  static Action requeue(Duration d) { return {Type::kRequeueAfter, d}; }
  // Requeue with the queue's per-key backoff and global rate limit.
  static Action requeue_rate_limited() { return {Type::kRequeueRateLimited, {}}; }
  bool operator==(const Action&) const = default;
};

std::string to_string(const Action& action);  // "await-change", "requeue after 5s", "backoff"

using ReconcileFn = std::function<model::Result<Action>(const ObjectRef&)>;
using ErrorPolicy = std::function<Action(const ObjectRef&, const model::Error&)>;

// transient -> requeue_rate_limited(); terminal, invalid-spec -> await_change().
Action default_error_policy(const ObjectRef& ref, const model::Error& error);

// What one reconcile did, for the status writer, the log and the metrics.
struct ReconcileOutcome {
  ObjectRef ref;
  std::optional<model::Error> error;  // set when reconcile failed
  Action action;                      // what happens next (after the error policy)
  Duration took{};
  std::size_t worker = 0;
};
using OutcomeHandler = std::function<void(const ReconcileOutcome&)>;

struct ControllerOptions {
  std::string name = "controller";  // thread names and logs
  std::size_t workers = 2;
  ErrorPolicy error_policy = default_error_policy;
  OutcomeHandler on_outcome;  // called on the worker's thread after each reconcile
};

struct ShutdownReport {
  bool clean = true;                  // every reconcile in flight finished in time
  std::vector<ObjectRef> unfinished;  // still running at the deadline
};

class Controller {
 public:
  // `queue` and `clock` must outlive the controller.
  Controller(WorkQueue& queue, const Clock& clock, ReconcileFn reconcile,
             ControllerOptions options = {});
  // Shuts down (waiting without a deadline) and joins the workers.
  ~Controller();
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  // Starts options.workers threads. Call once.
  void start();

  // Takes one ready key, if any, and reconciles it on the calling thread;
  // returns false when no key was ready. The whole loop body without
  // threads, for tests.
  bool run_once();

  // Shuts the queue down, then waits until no reconcile is in flight or
  // `timeout` passes on the clock. Workers still running keep running;
  // join() waits for them.
  ShutdownReport shutdown(Duration timeout);
  void join();

  [[nodiscard]] std::vector<ObjectRef> in_flight() const;

 private:
  void worker_loop(std::size_t worker);
  void process(const ObjectRef& key, std::size_t worker);

  WorkQueue& queue_;
  const Clock& clock_;
  ReconcileFn reconcile_;
  ControllerOptions options_;

  mutable std::mutex mu_;
  ClockCondition idle_;                         // notified when a reconcile finishes
  std::map<ObjectRef, std::size_t> in_flight_;  // key -> worker
  std::vector<std::thread> threads_;
  bool started_ = false;
};

}  // namespace rwd::runtime
