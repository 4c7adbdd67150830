#pragma once
// Time as an injected dependency. Everything in the runtime that waits or
// stamps takes a Clock, so unit tests drive time with a ManualClock and never
// sleep.
//
// Two readings: wall time (model::Timestamp, for status and history) and a
// steady time point (for delays, backoff and deadlines). Blocking waits go
// through a ClockCondition, a condition variable whose timed waits follow the
// clock: with the SystemClock it waits in real time; with a ManualClock it
// wakes when advance() moves time past its deadline.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>

#include "rewind/model/time.hpp"

namespace rwd::runtime {

using SteadyTime = std::chrono::steady_clock::time_point;
using Duration = std::chrono::steady_clock::duration;

class Clock {
 public:
  Clock() = default;
  Clock(const Clock&) = delete;
  Clock& operator=(const Clock&) = delete;
  virtual ~Clock() = default;

  // Wall time, for timestamps that people read.
  [[nodiscard]] virtual model::Timestamp now() const = 0;
  // Monotonic time, for delays and deadlines.
  [[nodiscard]] virtual SteadyTime steady_now() const = 0;

  // Blocks on cv (lock held on entry and on return) until it is notified or
  // this clock reaches deadline. May return early (spuriously): callers loop.
  virtual void wait_until(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                          SteadyTime deadline) const = 0;

  // Registers f to run after the clock's time jumps (ManualClock::advance).
  // Returns an id for unsubscribe(). A clock that advances on its own never
  // calls f. After unsubscribe() returns, f is not running and never runs.
  virtual std::uint64_t subscribe(std::function<void()> f) const = 0;
  virtual void unsubscribe(std::uint64_t id) const = 0;
};

// The real clocks: std::chrono::system_clock and steady_clock.
class SystemClock final : public Clock {
 public:
  [[nodiscard]] model::Timestamp now() const override;
  [[nodiscard]] SteadyTime steady_now() const override;
  void wait_until(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                  SteadyTime deadline) const override;
  std::uint64_t subscribe(std::function<void()> f) const override;
  void unsubscribe(std::uint64_t id) const override;

  // A process-wide instance, for callers that do not inject one.
  static const SystemClock& instance();
};

// Time that moves only when a test says so. Thread-safe.
class ManualClock final : public Clock {
 public:
  // Starts at 2024-01-01T00:00:00Z and at a steady time far from zero.
  ManualClock();
  ManualClock(model::Timestamp wall, SteadyTime steady);

  [[nodiscard]] model::Timestamp now() const override;
  [[nodiscard]] SteadyTime steady_now() const override;
  void wait_until(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                  SteadyTime deadline) const override;
  std::uint64_t subscribe(std::function<void()> f) const override;
  void unsubscribe(std::uint64_t id) const override;

  // Moves both readings forward by d (d >= 0) and wakes every waiter.
  void advance(Duration d);

 private:
  mutable std::mutex mu_;
  model::Timestamp wall0_;
  SteadyTime steady0_;
  SteadyTime steady_;

  // Held while callbacks run, so that unsubscribe() waits for a running one.
  mutable std::mutex listeners_mu_;
  mutable std::map<std::uint64_t, std::function<void()>> listeners_;
  mutable std::uint64_t next_id_ = 1;
};

// A condition variable over `mu` whose timed waits follow `clock`. Callers
// hold `mu` while they check their predicate and wait.
class ClockCondition {
 public:
  ClockCondition(const Clock& clock, std::mutex& mu);
  ~ClockCondition();
  ClockCondition(const ClockCondition&) = delete;
  ClockCondition& operator=(const ClockCondition&) = delete;

  void notify_all() { cv_.notify_all(); }
  void notify_one() { cv_.notify_one(); }
  void wait(std::unique_lock<std::mutex>& lock) { cv_.wait(lock); }
  // Until notified or clock time reaches deadline; may wake spuriously.
  void wait_until(std::unique_lock<std::mutex>& lock, SteadyTime deadline) {
    clock_.wait_until(cv_, lock, deadline);
  }
  [[nodiscard]] const Clock& clock() const noexcept { return clock_; }

 private:
  const Clock& clock_;
  std::mutex& mu_;
  std::condition_variable cv_;
  std::uint64_t subscription_ = 0;
};

}  // namespace rwd::runtime
