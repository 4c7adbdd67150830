#include "rewind/runtime/clock.hpp"

#include <utility>
#include <vector>

namespace rwd::runtime {

// ---- SystemClock ----------------------------------------------------------

model::Timestamp SystemClock::now() const {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

SteadyTime SystemClock::steady_now() const { return std::chrono::steady_clock::now(); }

void SystemClock::wait_until(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                             SteadyTime deadline) const {
  cv.wait_until(lock, deadline);
}

std::uint64_t SystemClock::subscribe(std::function<void()> /*f*/) const { return 0; }

void SystemClock::unsubscribe(std::uint64_t /*id*/) const {}

const SystemClock& SystemClock::instance() {
  static const SystemClock clock;
  return clock;
}

// ---- ManualClock ------------------------------------------------------------

namespace {
constexpr model::Timestamp kDefaultWall{
    std::chrono::sys_days{std::chrono::year{2024} / std::chrono::January / 1}};
// Far from the epoch, so that "deadline - 1h" never goes below zero.
constexpr SteadyTime kDefaultSteady{std::chrono::hours(24 * 365)};
}  // namespace

ManualClock::ManualClock() : ManualClock(kDefaultWall, kDefaultSteady) {}

ManualClock::ManualClock(model::Timestamp wall, SteadyTime steady)
    : wall0_(wall), steady0_(steady), steady_(steady) {}

model::Timestamp ManualClock::now() const {
  std::lock_guard lock(mu_);
  return wall0_ + std::chrono::duration_cast<std::chrono::milliseconds>(steady_ - steady0_);
}

SteadyTime ManualClock::steady_now() const {
  std::lock_guard lock(mu_);
  return steady_;
}

void ManualClock::wait_until(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                             SteadyTime deadline) const {
  if (steady_now() >= deadline) return;
  // No real-time timeout: advance() notifies through the ClockCondition's
  // subscription, which takes the caller's mutex first, so the wake-up
  // cannot fall between the check above and the wait below.
  cv.wait(lock);
}

std::uint64_t ManualClock::subscribe(std::function<void()> f) const {
  std::lock_guard lock(listeners_mu_);
  const std::uint64_t id = next_id_++;
  listeners_.emplace(id, std::move(f));
  return id;
}

void ManualClock::unsubscribe(std::uint64_t id) const {
  std::lock_guard lock(listeners_mu_);
  listeners_.erase(id);
}

void ManualClock::advance(Duration d) {
  {
    std::lock_guard lock(mu_);
    if (d < Duration::zero()) d = Duration::zero();
    steady_ += d;
  }
  std::lock_guard lock(listeners_mu_);
  for (auto& [id, f] : listeners_) f();
}

// ---- ClockCondition -----------------------------------------------------------

ClockCondition::ClockCondition(const Clock& clock, std::mutex& mu) : clock_(clock), mu_(mu) {
  subscription_ = clock_.subscribe([this] {
    // Taking the waiter's mutex orders this notification after any waiter
    // that has checked the time but not yet started to wait.
    std::lock_guard lock(mu_);
    cv_.notify_all();
  });
}

ClockCondition::~ClockCondition() { clock_.unsubscribe(subscription_); }

}  // namespace rwd::runtime
