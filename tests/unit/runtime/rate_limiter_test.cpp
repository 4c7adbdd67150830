#include "rewind/runtime/rate_limiter.hpp"

#include <gtest/gtest.h>

namespace rwd::runtime {
namespace {

using namespace std::chrono_literals;

TEST(ExponentialBackoff, DoublesFromBaseUpToMaxPerKey) {
  ExponentialBackoff b(5ms, 5min);
  const ObjectRef a = release_ref("shop", "a");
  const ObjectRef c = release_ref("shop", "c");
  EXPECT_EQ(b.next(a), 5ms);
  EXPECT_EQ(b.next(a), 10ms);
  EXPECT_EQ(b.next(a), 20ms);
  EXPECT_EQ(b.next(c), 5ms);  // keys back off independently
  EXPECT_EQ(b.failures(a), 3U);
  for (int i = 0; i < 20; ++i) (void)b.next(a);
  EXPECT_EQ(b.next(a), 5min);
  for (int i = 0; i < 100; ++i) (void)b.next(a);  // no overflow far past the cap
  EXPECT_EQ(b.next(a), 5min);
  b.forget(a);
  EXPECT_EQ(b.failures(a), 0U);
  EXPECT_EQ(b.next(a), 5ms);
}

TEST(TokenBucket, BurstIsFreeThenTokensComeAtQps) {
  const SteadyTime t0{std::chrono::hours(1)};
  TokenBucket bucket(10.0, 3, t0);
  EXPECT_EQ(bucket.reserve(t0), Duration::zero());
  EXPECT_EQ(bucket.reserve(t0), Duration::zero());
  EXPECT_EQ(bucket.reserve(t0), Duration::zero());
  EXPECT_EQ(bucket.reserve(t0), 100ms);  // one token per 100 ms
  EXPECT_EQ(bucket.reserve(t0), 200ms);  // and the waits queue up
  // After 200 ms the debt is paid; 300 ms later the bucket holds 3 again.
  EXPECT_NEAR(bucket.tokens(t0 + 200ms), 0.0, 1e-9);
  EXPECT_NEAR(bucket.tokens(t0 + 10s), 3.0, 1e-9);
  EXPECT_EQ(bucket.reserve(t0 + 10s), Duration::zero());
}

TEST(TokenBucket, TimeGoingBackwardsAddsNothing) {
  const SteadyTime t0{std::chrono::hours(1)};
  TokenBucket bucket(1.0, 1, t0);
  EXPECT_EQ(bucket.reserve(t0), Duration::zero());
  EXPECT_EQ(bucket.reserve(t0 - 10s), 1s);
}

}  // namespace
}  // namespace rwd::runtime
