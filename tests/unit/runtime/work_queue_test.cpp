#include "rewind/runtime/work_queue.hpp"

#include <future>

#include <gtest/gtest.h>

namespace rwd::runtime {
namespace {

using namespace std::chrono_literals;

class WorkQueueTest : public ::testing::Test {
 protected:
  ManualClock clock_;
  const ObjectRef a_ = release_ref("shop", "a");
  const ObjectRef b_ = release_ref("shop", "b");
  const ObjectRef c_ = rollback_ref("shop", "a");
};

TEST_F(WorkQueueTest, HandsOutKeysInOrderAndEachOnce) {
  WorkQueue q(clock_);
  q.add(a_);
  q.add(b_);
  q.add(a_);  // already queued: once
  q.add(c_);
  EXPECT_EQ(q.len(), 3U);
  EXPECT_EQ(q.try_get(), a_);
  EXPECT_EQ(q.try_get(), b_);
  EXPECT_EQ(q.try_get(), c_);
  EXPECT_EQ(q.try_get(), std::nullopt);
  EXPECT_EQ(q.stats().processing, 3U);
}

TEST_F(WorkQueueTest, AKeyAddedWhileProcessingRunsAgainOnlyAfterDone) {
  WorkQueue q(clock_);
  q.add(a_);
  ASSERT_EQ(q.try_get(), a_);
  q.add(a_);
  q.add(a_);
  EXPECT_EQ(q.try_get(), std::nullopt);  // never twice at once
  EXPECT_EQ(q.len(), 1U);
  EXPECT_EQ(q.stats().deferred, 1U);
  q.done(a_);
  EXPECT_EQ(q.try_get(), a_);
  q.done(a_);
  EXPECT_EQ(q.try_get(), std::nullopt);  // the two adds ran once
  EXPECT_EQ(q.len(), 0U);
}

TEST_F(WorkQueueTest, DoneWithoutAReAddLeavesNothing) {
  WorkQueue q(clock_);
  q.add(a_);
  ASSERT_EQ(q.try_get(), a_);
  q.done(a_);
  EXPECT_EQ(q.len(), 0U);
  EXPECT_EQ(q.next_ready_at(), std::nullopt);
}

TEST_F(WorkQueueTest, AddAfterWaitsForTheClockAndTheEarliestTimeWins) {
  WorkQueue q(clock_);
  const SteadyTime t0 = clock_.steady_now();
  q.add_after(a_, 10s);
  q.add_after(a_, 3s);   // earlier: wins
  q.add_after(a_, 20s);  // later: ignored
  EXPECT_EQ(q.len(), 1U);
  EXPECT_EQ(q.next_ready_at(), t0 + 3s);
  EXPECT_EQ(q.try_get(), std::nullopt);
  EXPECT_EQ(q.stats().delayed, 1U);
  clock_.advance(2999ms);
  EXPECT_EQ(q.try_get(), std::nullopt);
  clock_.advance(1ms);
  EXPECT_EQ(q.try_get(), a_);
}

TEST_F(WorkQueueTest, AddNowOvertakesADelayedAdd) {
  WorkQueue q(clock_);
  q.add_after(a_, 1min);
  q.add(a_);
  EXPECT_EQ(q.try_get(), a_);
}

TEST_F(WorkQueueTest, DelayedKeysComeOutByTheirTime) {
  WorkQueue q(clock_);
  q.add_after(a_, 5s);
  q.add_after(b_, 1s);
  clock_.advance(10s);
  EXPECT_EQ(q.try_get(), b_);
  EXPECT_EQ(q.try_get(), a_);
}

TEST_F(WorkQueueTest, ADeferredKeyKeepsItsDelay) {
  WorkQueue q(clock_);
  q.add(a_);
  ASSERT_EQ(q.try_get(), a_);
  q.add_after(a_, 30s);
  q.done(a_);
  EXPECT_EQ(q.try_get(), std::nullopt);
  clock_.advance(30s);
  EXPECT_EQ(q.try_get(), a_);
}

TEST_F(WorkQueueTest, RateLimitedRequeuesBackOffPerKeyUntilForgotten) {
  WorkQueue q(clock_);
  EXPECT_EQ(q.requeue_rate_limited(a_), 5ms);
  EXPECT_EQ(q.try_get(), std::nullopt);
  clock_.advance(5ms);
  ASSERT_EQ(q.try_get(), a_);
  EXPECT_EQ(q.requeue_rate_limited(a_), 10ms);  // deferred: a_ is processing
  q.done(a_);
  clock_.advance(9ms);
  EXPECT_EQ(q.try_get(), std::nullopt);
  clock_.advance(1ms);
  ASSERT_EQ(q.try_get(), a_);
  EXPECT_EQ(q.num_requeues(a_), 2U);
  q.forget(a_);
  q.done(a_);
  EXPECT_EQ(q.num_requeues(a_), 0U);
  EXPECT_EQ(q.requeue_rate_limited(a_), 5ms);
}

TEST_F(WorkQueueTest, BackoffIsCappedAtFiveMinutes) {
  WorkQueue q(clock_);
  Duration last{};
  for (int i = 0; i < 30; ++i) last = q.requeue_rate_limited(a_);
  EXPECT_EQ(last, 5min);
}

TEST_F(WorkQueueTest, TheGlobalBucketLimitsManyFailingKeys) {
  WorkQueue q(clock_, WorkQueueOptions{5ms, 5min, 10.0, 2});
  const ObjectRef d = release_ref("shop", "d");
  EXPECT_EQ(q.requeue_rate_limited(a_), 5ms);
  EXPECT_EQ(q.requeue_rate_limited(b_), 5ms);
  EXPECT_EQ(q.requeue_rate_limited(c_), 100ms);  // burst used up: the bucket's wait is longer
  EXPECT_EQ(q.requeue_rate_limited(d), 200ms);
}

TEST_F(WorkQueueTest, ShutDownStopsHandingOutAndIgnoresAdds) {
  WorkQueue q(clock_);
  q.add(a_);
  q.shut_down();
  EXPECT_TRUE(q.is_shut_down());
  EXPECT_EQ(q.try_get(), std::nullopt);
  EXPECT_EQ(q.get(), std::nullopt);  // does not block
  q.add(b_);
  EXPECT_EQ(q.len(), 1U);
}

TEST_F(WorkQueueTest, GetReturnsAReadyKeyWithoutBlocking) {
  WorkQueue q(clock_);
  q.add(a_);
  EXPECT_EQ(q.get(), a_);
}

TEST_F(WorkQueueTest, ABlockedGetWakesWhenTheClockReachesADelayedKey) {
  WorkQueue q(clock_);
  q.add_after(a_, 1h);
  auto got = std::async(std::launch::async, [&] { return q.get(); });
  EXPECT_EQ(got.wait_for(0s), std::future_status::timeout);
  clock_.advance(1h);  // no real hour passes
  EXPECT_EQ(got.get(), a_);
}

TEST_F(WorkQueueTest, ABlockedGetWakesOnAddAndOnShutDown) {
  WorkQueue q(clock_);
  auto first = std::async(std::launch::async, [&] { return q.get(); });
  q.add(b_);
  EXPECT_EQ(first.get(), b_);
  auto second = std::async(std::launch::async, [&] { return q.get(); });
  q.shut_down();
  EXPECT_EQ(second.get(), std::nullopt);
}

}  // namespace
}  // namespace rwd::runtime
