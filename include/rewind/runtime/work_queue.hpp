#pragma once
// The work queue: keys, not objects (client-go's rate-limiting delaying
// queue, kube-rs's scheduler).
//
// - A key added while it waits is queued once; the earliest ready time wins.
// - A key added while a worker processes it waits until done(key), then
//   runs again: no key is ever handed to two workers at once.
// - requeue_rate_limited(key): the larger of a per-key exponential backoff
//   (5 ms doubling to 5 min) and a global token bucket (10 qps, burst 100);
//   forget(key) after a success resets the key's backoff.
// - get() blocks until a key is ready or shut_down(); try_get() and
//   next_ready_at() are its non-blocking core, which tests drive with a
//   ManualClock.
//
// Thread-safe.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <tuple>

#include "rewind/runtime/clock.hpp"
#include "rewind/runtime/object_ref.hpp"
#include "rewind/runtime/rate_limiter.hpp"

namespace rwd::runtime {

struct WorkQueueOptions {
  Duration base_delay = std::chrono::milliseconds(5);
  Duration max_delay = std::chrono::minutes(5);
  double qps = 10.0;        // global rate of rate-limited requeues
  std::size_t burst = 100;  // requeues allowed at once before qps applies
};

struct WorkQueueStats {
  std::size_t ready = 0;       // waiting and due now
  std::size_t delayed = 0;     // waiting for their time
  std::size_t processing = 0;  // handed out, not yet done()
  std::size_t deferred = 0;    // added again while processing
};

class WorkQueue {
 public:
  explicit WorkQueue(const Clock& clock, WorkQueueOptions options = {});
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  // Queue `key` now / after `delay`. Ignored after shut_down().
  void add(const ObjectRef& key);
  void add_after(const ObjectRef& key, Duration delay);

  // Queue after the rate limiters' delay; returns that delay.
  Duration requeue_rate_limited(const ObjectRef& key);
  // The key succeeded: its backoff starts again from base_delay.
  void forget(const ObjectRef& key);
  [[nodiscard]] std::uint32_t num_requeues(const ObjectRef& key) const;

  // A key whose time has come, now marked as processing; nullopt when none
  // is ready or the queue is shut down. The caller must call done(key).
  std::optional<ObjectRef> try_get();
  // When the next waiting key becomes ready (in the past when one is ready
  // now); nullopt when nothing waits.
  [[nodiscard]] std::optional<SteadyTime> next_ready_at() const;
  // Blocks until try_get() yields a key; nullopt once shut down.
  std::optional<ObjectRef> get();
  // Processing of `key` finished; a key added meanwhile is queued now.
  void done(const ObjectRef& key);

  // Stop handing out keys; wakes every get(). Keys in processing may still
  // call done().
  void shut_down();
  [[nodiscard]] bool is_shut_down() const;

  // Keys waiting to be processed (ready, delayed or deferred): the queue
  // depth metric.
  [[nodiscard]] std::size_t len() const;
  [[nodiscard]] WorkQueueStats stats() const;

 private:
  void add_at_locked(const ObjectRef& key, SteadyTime at);
  std::optional<ObjectRef> pop_ready_locked(SteadyTime now);

  struct Waiting {
    SteadyTime at;
    std::uint64_t seq;
  };

  const Clock& clock_;
  mutable std::mutex mu_;
  ClockCondition cond_;
  bool shut_down_ = false;
  std::uint64_t seq_ = 0;
  std::map<ObjectRef, Waiting> waiting_;
  std::set<std::tuple<SteadyTime, std::uint64_t, ObjectRef>> order_;  // (at, seq, key)
  std::set<ObjectRef> processing_;
  std::map<ObjectRef, SteadyTime> deferred_;  // processing and added again: earliest time
  ExponentialBackoff backoff_;
  TokenBucket bucket_;
};

}  // namespace rwd::runtime
