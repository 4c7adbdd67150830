#include "rewind/runtime/work_queue.hpp"

#include <algorithm>

namespace rwd::runtime {

WorkQueue::WorkQueue(const Clock& clock, WorkQueueOptions options)
    : clock_(clock),
      cond_(clock, mu_),
      backoff_(options.base_delay, options.max_delay),
      bucket_(options.qps, options.burst, clock.steady_now()) {}

void WorkQueue::add_at_locked(const ObjectRef& key, SteadyTime at) {
  if (shut_down_) return;
  if (processing_.count(key) != 0) {
    auto [it, inserted] = deferred_.emplace(key, at);
    if (!inserted) it->second = std::min(it->second, at);
    return;  // queued by done()
  }
  auto it = waiting_.find(key);
  if (it != waiting_.end()) {
    if (at >= it->second.at) return;  // the earlier time wins
    order_.erase({it->second.at, it->second.seq, key});
    it->second.at = at;
    order_.emplace(at, it->second.seq, key);
  } else {
    const std::uint64_t seq = seq_++;
    waiting_.emplace(key, Waiting{at, seq});
    order_.emplace(at, seq, key);
  }
  cond_.notify_all();
}

void WorkQueue::add(const ObjectRef& key) {
  std::lock_guard lock(mu_);
  add_at_locked(key, clock_.steady_now());
}

void WorkQueue::add_after(const ObjectRef& key, Duration delay) {
  std::lock_guard lock(mu_);
  add_at_locked(key, clock_.steady_now() + std::max(delay, Duration::zero()));
}

Duration WorkQueue::requeue_rate_limited(const ObjectRef& key) {
  std::lock_guard lock(mu_);
  const SteadyTime now = clock_.steady_now();
  const Duration delay = std::max(backoff_.next(key), bucket_.reserve(now));
  add_at_locked(key, now + delay);
  return delay;
}

void WorkQueue::forget(const ObjectRef& key) {
  std::lock_guard lock(mu_);
  backoff_.forget(key);
}

std::uint32_t WorkQueue::num_requeues(const ObjectRef& key) const {
  std::lock_guard lock(mu_);
  return backoff_.failures(key);
}

std::optional<ObjectRef> WorkQueue::pop_ready_locked(SteadyTime now) {
  if (shut_down_ || order_.empty()) return std::nullopt;
  auto first = order_.begin();
  if (std::get<0>(*first) > now) return std::nullopt;
  ObjectRef key = std::get<2>(*first);
  order_.erase(first);
  waiting_.erase(key);
  processing_.insert(key);
  return key;
}

std::optional<ObjectRef> WorkQueue::try_get() {
  std::lock_guard lock(mu_);
  return pop_ready_locked(clock_.steady_now());
}

std::optional<SteadyTime> WorkQueue::next_ready_at() const {
  std::lock_guard lock(mu_);
  if (order_.empty()) return std::nullopt;
  return std::get<0>(*order_.begin());
}

std::optional<ObjectRef> WorkQueue::get() {
  std::unique_lock lock(mu_);
  while (!shut_down_) {
    if (auto key = pop_ready_locked(clock_.steady_now())) return key;
    if (order_.empty()) {
      cond_.wait(lock);
    } else {
      cond_.wait_until(lock, std::get<0>(*order_.begin()));
    }
  }
  return std::nullopt;
}

void WorkQueue::done(const ObjectRef& key) {
  std::lock_guard lock(mu_);
  processing_.erase(key);
  auto it = deferred_.find(key);
  if (it == deferred_.end()) return;
  const SteadyTime at = it->second;
  deferred_.erase(it);
  add_at_locked(key, at);
}

void WorkQueue::shut_down() {
  std::lock_guard lock(mu_);
  shut_down_ = true;
  cond_.notify_all();
}

bool WorkQueue::is_shut_down() const {
  std::lock_guard lock(mu_);
  return shut_down_;
}

std::size_t WorkQueue::len() const {
  std::lock_guard lock(mu_);
  return waiting_.size() + deferred_.size();
}

WorkQueueStats WorkQueue::stats() const {
  std::lock_guard lock(mu_);
  const SteadyTime now = clock_.steady_now();
  WorkQueueStats s;
  for (const auto& [at, seq, key] : order_) {
    if (at <= now) {
      ++s.ready;
    } else {
      ++s.delayed;
    }
  }
  s.processing = processing_.size();
  s.deferred = deferred_.size();
  return s;
}

}  // namespace rwd::runtime
