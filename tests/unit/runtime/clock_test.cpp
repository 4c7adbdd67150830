#include "rewind/runtime/clock.hpp"

#include <future>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

namespace rwd::runtime {
namespace {

using namespace std::chrono_literals;

TEST(ManualClock, AdvanceMovesWallAndSteadyTimeTogether) {
  ManualClock clock;
  const auto wall = clock.now();
  const auto steady = clock.steady_now();
  clock.advance(1500ms);
  EXPECT_EQ(clock.now() - wall, 1500ms);
  EXPECT_EQ(clock.steady_now() - steady, 1500ms);
  EXPECT_EQ(model::format_timestamp(ManualClock().now()), "2024-01-01T00:00:00Z");
}

TEST(ManualClock, SubMillisecondStepsAddUpOnTheWallClock) {
  ManualClock clock;
  const auto wall = clock.now();
  for (int i = 0; i < 4; ++i) clock.advance(250us);
  EXPECT_EQ(clock.now() - wall, 1ms);
}

TEST(ManualClock, NegativeAdvanceIsIgnored) {
  ManualClock clock;
  const auto steady = clock.steady_now();
  clock.advance(-5s);
  EXPECT_EQ(clock.steady_now(), steady);
}

TEST(ManualClock, SubscribersRunOnAdvanceUntilUnsubscribed) {
  ManualClock clock;
  int calls = 0;
  const auto id = clock.subscribe([&] { ++calls; });
  clock.advance(1ms);
  clock.advance(1ms);
  clock.unsubscribe(id);
  clock.advance(1ms);
  EXPECT_EQ(calls, 2);
}

TEST(ClockCondition, WaitUntilReturnsAtOnceWhenTheDeadlinePassed) {
  ManualClock clock;
  std::mutex mu;
  ClockCondition cond(clock, mu);
  std::unique_lock lock(mu);
  cond.wait_until(lock, clock.steady_now());  // would block forever if it waited
  SUCCEED();
}

TEST(ClockCondition, AdvanceWakesAWaiterWhoseDeadlineCame) {
  ManualClock clock;
  std::mutex mu;
  ClockCondition cond(clock, mu);
  const SteadyTime deadline = clock.steady_now() + 10s;
  std::promise<void> waiting;
  auto woke = std::async(std::launch::async, [&] {
    std::unique_lock lock(mu);
    waiting.set_value();
    while (clock.steady_now() < deadline) cond.wait_until(lock, deadline);
  });
  waiting.get_future().wait();
  clock.advance(4s);
  EXPECT_EQ(woke.wait_for(0s), std::future_status::timeout);
  clock.advance(6s);
  woke.get();  // returns: the waiter saw the deadline pass
}

TEST(SystemClock, ReadsTheRealClocks) {
  const Clock& clock = SystemClock::instance();
  const auto a = clock.steady_now();
  const auto b = clock.steady_now();
  EXPECT_LE(a, b);
  const auto wall = std::chrono::system_clock::now();
  EXPECT_LT(std::chrono::abs(clock.now() - wall), 5s);
}

TEST(SystemClock, WaitUntilAPastDeadlineReturns) {
  std::mutex mu;
  ClockCondition cond(SystemClock::instance(), mu);
  std::unique_lock lock(mu);
  cond.wait_until(lock, SystemClock::instance().steady_now() - 1s);
  SUCCEED();
}

}  // namespace
}  // namespace rwd::runtime
