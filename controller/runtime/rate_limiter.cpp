#include "rewind/runtime/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace rwd::runtime {

Duration ExponentialBackoff::next(const ObjectRef& key) {
  std::uint32_t& n = failures_[key];
  const std::uint32_t exp = n;
  if (n < 64) ++n;
  // base * 2^exp without overflow: stop doubling once the cap is reached.
  Duration d = base_;
  for (std::uint32_t i = 0; i < exp && d < max_; ++i) d *= 2;
  return std::min(d, max_);
}

std::uint32_t ExponentialBackoff::failures(const ObjectRef& key) const {
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

TokenBucket::TokenBucket(double qps, std::size_t burst, SteadyTime now)
    : qps_(qps > 0 ? qps : 1.0),
      burst_(static_cast<double>(std::max<std::size_t>(burst, 1))),
      tokens_(burst_),
      last_(now) {}

void TokenBucket::refill(SteadyTime now) {
  if (now <= last_) return;
  const double seconds = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min(burst_, tokens_ + seconds * qps_);
  last_ = now;
}

Duration TokenBucket::reserve(SteadyTime now) {
  refill(now);
  tokens_ -= 1.0;
  if (tokens_ >= 0.0) return Duration::zero();
  const double wait_seconds = -tokens_ / qps_;
  return std::chrono::duration_cast<Duration>(
      std::chrono::duration<double>(std::ceil(wait_seconds * 1e9) / 1e9));
}

double TokenBucket::tokens(SteadyTime now) const {
  TokenBucket copy = *this;
  copy.refill(now);
  return copy.tokens_;
}

}  // namespace rwd::runtime
