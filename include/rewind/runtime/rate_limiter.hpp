#pragma once
// The two limits a work queue applies to retries (as client-go's default
// controller rate limiter does): a per-key exponential backoff, and a global
// token bucket that protects the targets when many keys fail at once. Both
// are plain values driven by the time passed in; not thread-safe on their own
// (the work queue holds its lock around them).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>

#include "rewind/runtime/clock.hpp"
#include "rewind/runtime/object_ref.hpp"

namespace rwd::runtime {

// delay(key) = base * 2^(failures so far), capped at max; forget() resets.
class ExponentialBackoff {
 public:
  ExponentialBackoff(Duration base, Duration max) : base_(base), max_(max) {}

  // The delay for this failure, and count it.
  Duration next(const ObjectRef& key);
  void forget(const ObjectRef& key) { failures_.erase(key); }
  [[nodiscard]] std::uint32_t failures(const ObjectRef& key) const;

 private:
  Duration base_;
  Duration max_;
  std::map<ObjectRef, std::uint32_t> failures_;
};

// `qps` tokens per second, at most `burst` saved up. reserve() always takes a
// token and returns how long the caller must wait for it (zero when one was
// there); tokens may go negative, so waits queue up fairly.
class TokenBucket {
 public:
  TokenBucket(double qps, std::size_t burst, SteadyTime now);

  Duration reserve(SteadyTime now);
  [[nodiscard]] double tokens(SteadyTime now) const;

 private:
  void refill(SteadyTime now);

  double qps_;
  double burst_;
  double tokens_;
  SteadyTime last_;
};

}  // namespace rwd::runtime
