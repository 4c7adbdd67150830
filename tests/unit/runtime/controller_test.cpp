#include "rewind/runtime/controller.hpp"

#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rwd::runtime {
namespace {

using namespace std::chrono_literals;

class ControllerTest : public ::testing::Test {
 protected:
  ManualClock clock_;
  WorkQueue queue_{clock_};
  std::vector<ReconcileOutcome> outcomes_;
  const ObjectRef a_ = release_ref("shop", "a");
  const ObjectRef b_ = release_ref("shop", "b");

  ControllerOptions options() {
    ControllerOptions o;
    o.workers = 1;
    o.on_outcome = [this](const ReconcileOutcome& out) { outcomes_.push_back(out); };
    return o;
  }
};

TEST_F(ControllerTest, RequeueAfterRunsTheKeyAgainLater) {
  int runs = 0;
  Controller c(
      queue_, clock_,
      [&](const ObjectRef&) -> model::Result<Action> {
        ++runs;
        return Action::requeue(30s);
      },
      options());
  queue_.add(a_);
  EXPECT_TRUE(c.run_once());
  EXPECT_FALSE(c.run_once());
  clock_.advance(30s);
  EXPECT_TRUE(c.run_once());
  EXPECT_EQ(runs, 2);
  ASSERT_EQ(outcomes_.size(), 2U);
  EXPECT_EQ(outcomes_[0].action, Action::requeue(30s));
  EXPECT_FALSE(outcomes_[0].error);
}

TEST_F(ControllerTest, AwaitChangeLeavesTheKeyAlone) {
  Controller c(
      queue_, clock_,
      [](const ObjectRef&) -> model::Result<Action> { return Action::await_change(); }, options());
  queue_.add(a_);
  EXPECT_TRUE(c.run_once());
  clock_.advance(24h);
  EXPECT_FALSE(c.run_once());
  EXPECT_EQ(queue_.len(), 0U);
}

TEST_F(ControllerTest, TransientErrorsBackOffAndASuccessResetsTheBackoff) {
  int runs = 0;
  Controller c(
      queue_, clock_,
      [&](const ObjectRef&) -> model::Result<Action> {
        if (++runs <= 3) return model::Error::transient("docker is away");
        return Action::await_change();
      },
      options());
  queue_.add(a_);
  ASSERT_TRUE(c.run_once());
  EXPECT_EQ(queue_.num_requeues(a_), 1U);
  clock_.advance(5ms);
  ASSERT_TRUE(c.run_once());
  EXPECT_FALSE(c.run_once());  // the second backoff is 10 ms
  clock_.advance(10ms);
  ASSERT_TRUE(c.run_once());
  EXPECT_EQ(queue_.num_requeues(a_), 3U);
  clock_.advance(20ms);
  ASSERT_TRUE(c.run_once());  // succeeds
  EXPECT_EQ(queue_.num_requeues(a_), 0U);
  ASSERT_EQ(outcomes_.size(), 4U);
  ASSERT_TRUE(outcomes_[0].error);
  EXPECT_EQ(outcomes_[0].error->message, "docker is away");
  EXPECT_EQ(outcomes_[0].action, Action::requeue_rate_limited());
}

TEST_F(ControllerTest, TerminalAndInvalidSpecErrorsAreReportedNotRetried) {
  Controller c(
      queue_, clock_,
      [&](const ObjectRef& key) -> model::Result<Action> {
        if (key == a_) return model::Error::terminal("image is gone");
        return model::Error::invalid_spec("spec.image: empty");
      },
      options());
  queue_.add(a_);
  queue_.add(b_);
  EXPECT_TRUE(c.run_once());
  EXPECT_TRUE(c.run_once());
  clock_.advance(1h);
  EXPECT_FALSE(c.run_once());
  ASSERT_EQ(outcomes_.size(), 2U);
  EXPECT_EQ(outcomes_[0].error->kind, model::ErrorKind::kTerminal);
  EXPECT_EQ(outcomes_[0].action, Action::await_change());
  EXPECT_EQ(outcomes_[1].error->kind, model::ErrorKind::kInvalidSpec);
  EXPECT_EQ(queue_.num_requeues(a_), 0U);
}

TEST_F(ControllerTest, OneErrorPolicyDecides) {
  ControllerOptions o = options();
  std::vector<std::string> seen;
  o.error_policy = [&](const ObjectRef& key, const model::Error& e) {
    seen.push_back(key.str() + ": " + e.message);
    return Action::requeue(1min);
  };
  Controller c(
      queue_, clock_,
      [](const ObjectRef&) -> model::Result<Action> { return model::Error::terminal("nope"); }, o);
  queue_.add(a_);
  ASSERT_TRUE(c.run_once());
  EXPECT_THAT(seen, ::testing::ElementsAre("Release/shop/a: nope"));
  clock_.advance(1min);
  EXPECT_TRUE(c.run_once());
}

TEST_F(ControllerTest, AThrowingReconcileIsATransientError) {
  Controller c(
      queue_, clock_,
      [](const ObjectRef&) -> model::Result<Action> { throw std::runtime_error("bug"); },
      options());
  queue_.add(a_);
  ASSERT_TRUE(c.run_once());
  ASSERT_EQ(outcomes_.size(), 1U);
  EXPECT_EQ(outcomes_[0].error->kind, model::ErrorKind::kTransient);
  EXPECT_EQ(outcomes_[0].error->message, "reconcile threw: bug");
  EXPECT_EQ(queue_.num_requeues(a_), 1U);
}

TEST(ActionTest, Describes) {
  EXPECT_EQ(to_string(Action::await_change()), "await-change");
  EXPECT_EQ(to_string(Action::requeue(90s)), "requeue after 1m30s");
  EXPECT_EQ(to_string(Action::requeue_rate_limited()), "backoff");
  EXPECT_EQ(default_error_policy({}, model::Error::transient("x")), Action::requeue_rate_limited());
  EXPECT_EQ(default_error_policy({}, model::Error::terminal("x")), Action::await_change());
}

// ---- with worker threads: no sleeps, only promises and condition variables.

// A reconcile that blocks on the keys it is told to hold, and counts.
class Gate {
 public:
  void hold(const ObjectRef& key) {
    std::lock_guard lock(mu_);
    held_[key] = true;
  }
  void release(const ObjectRef& key) {
    std::lock_guard lock(mu_);
    held_[key] = false;
    cv_.notify_all();
  }
  model::Result<Action> reconcile(const ObjectRef& key) {
    std::unique_lock lock(mu_);
    ++runs_[key];
    if (++active_[key] > 1) overlapped_ = true;
    entered_cv_.notify_all();
    cv_.wait(lock, [&] { return !held_[key]; });
    --active_[key];
    done_cv_.notify_all();
    return Action::await_change();
  }
  // Waits (without a timeout; ctest's limits the test) until key ran n times
  // (entered, for wait_entered; finished, for wait_finished).
  void wait_entered(const ObjectRef& key, int n) {
    std::unique_lock lock(mu_);
    entered_cv_.wait(lock, [&] { return runs_[key] >= n; });
  }
  void wait_finished(const ObjectRef& key, int n) {
    std::unique_lock lock(mu_);
    done_cv_.wait(lock, [&] { return runs_[key] >= n && active_[key] == 0; });
  }
  int runs(const ObjectRef& key) {
    std::lock_guard lock(mu_);
    return runs_[key];
  }
  bool overlapped() {
    std::lock_guard lock(mu_);
    return overlapped_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_, entered_cv_, done_cv_;
  std::map<ObjectRef, bool> held_;
  std::map<ObjectRef, int> runs_, active_;
  bool overlapped_ = false;
};

TEST(ControllerThreads, NeverTwoWorkersOnOneKey) {
  ManualClock clock;
  WorkQueue queue(clock);
  Gate gate;
  const ObjectRef a = release_ref("shop", "a");
  const ObjectRef b = release_ref("shop", "b");
  ControllerOptions o;
  o.workers = 3;
  Controller c(
      queue, clock, [&](const ObjectRef& k) { return gate.reconcile(k); }, o);
  c.start();

  gate.hold(a);
  queue.add(a);
  gate.wait_entered(a, 1);
  queue.add(a);  // while a runs: deferred, not handed to an idle worker
  queue.add(b);
  gate.wait_finished(b, 1);  // other keys still flow
  EXPECT_EQ(gate.runs(a), 1);
  EXPECT_THAT(c.in_flight(), ::testing::Contains(a));
  gate.release(a);
  gate.wait_finished(a, 2);  // the re-add ran after the first finished
  EXPECT_FALSE(gate.overlapped());
  const ShutdownReport report = c.shutdown(1min);
  EXPECT_TRUE(report.clean);
}

TEST(ControllerThreads, ShutdownWaitsForInFlightReconcilesAndTakesNoNewKeys) {
  ManualClock clock;
  WorkQueue queue(clock);
  Gate gate;
  const ObjectRef a = release_ref("shop", "a");
  const ObjectRef b = release_ref("shop", "b");
  ControllerOptions o;
  o.workers = 1;
  Controller c(
      queue, clock, [&](const ObjectRef& k) { return gate.reconcile(k); }, o);
  c.start();
  gate.hold(a);
  queue.add(a);
  gate.wait_entered(a, 1);
  queue.add(b);  // waiting behind a on the single worker

  auto report = std::async(std::launch::async, [&] { return c.shutdown(1h); });
  while (!queue.is_shut_down()) std::this_thread::yield();
  EXPECT_EQ(report.wait_for(0s), std::future_status::timeout);  // a still runs
  gate.release(a);
  const ShutdownReport r = report.get();
  EXPECT_TRUE(r.clean);
  EXPECT_TRUE(r.unfinished.empty());
  c.join();
  EXPECT_EQ(gate.runs(b), 0);  // queued, but shutdown came first
}

TEST(ControllerThreads, ShutdownNamesReconcilesStillRunningAtTheDeadline) {
  ManualClock clock;
  WorkQueue queue(clock);
  Gate gate;
  const ObjectRef a = release_ref("shop", "a");
  ControllerOptions o;
  o.workers = 2;
  Controller c(
      queue, clock, [&](const ObjectRef& k) { return gate.reconcile(k); }, o);
  c.start();
  gate.hold(a);
  queue.add(a);
  gate.wait_entered(a, 1);

  auto report = std::async(std::launch::async, [&] { return c.shutdown(30s); });
  // The deadline is taken from the clock inside shutdown(); keep moving the
  // clock until it has passed (no real time needs to pass).
  while (report.wait_for(0s) != std::future_status::ready) {
    clock.advance(1s);
    std::this_thread::yield();
  }
  const ShutdownReport r = report.get();
  EXPECT_FALSE(r.clean);
  EXPECT_THAT(r.unfinished, ::testing::ElementsAre(a));
  gate.release(a);
  c.join();
  EXPECT_TRUE(c.in_flight().empty());
}

}  // namespace
}  // namespace rwd::runtime
