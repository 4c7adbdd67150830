#include <gtest/gtest.h>

#include "rewind/source/debouncer.hpp"

namespace rwd::source {
namespace {

using namespace std::chrono_literals;

TEST(Debouncer, DueOnceQuietForTheDebounce) {
  runtime::ManualClock clock;
  Debouncer d(100ms, 1s);
  EXPECT_FALSE(d.pending());
  EXPECT_EQ(d.deadline(), std::nullopt);
  EXPECT_FALSE(d.due(clock.steady_now()));
  const auto t0 = clock.steady_now();
  d.touch(t0);
  EXPECT_EQ(d.deadline(), t0 + 100ms);
  clock.advance(60ms);
  d.touch(clock.steady_now());  // a second event pushes it out
  EXPECT_EQ(d.deadline(), t0 + 160ms);
  clock.advance(99ms);
  EXPECT_FALSE(d.due(clock.steady_now()));
  clock.advance(1ms);
  EXPECT_TRUE(d.due(clock.steady_now()));
  d.clear();
  EXPECT_FALSE(d.pending());
}

TEST(Debouncer, AnEndlessBurstIsStillFlushedAfterMaxDelay) {
  runtime::ManualClock clock;
  Debouncer d(100ms, 1s);
  const auto t0 = clock.steady_now();
  for (int i = 0; i < 30; ++i) {
    d.touch(clock.steady_now());
    clock.advance(50ms);
  }
  EXPECT_EQ(d.deadline(), t0 + 1s);
  EXPECT_TRUE(d.due(clock.steady_now()));
}

}  // namespace
}  // namespace rwd::source
