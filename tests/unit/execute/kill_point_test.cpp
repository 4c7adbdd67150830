// The test-only kill points: a named point kills the process with SIGKILL
// when REWIND_TEST_KILL_AT lists it, and does nothing otherwise.

#include "rewind/execute/kill_point.hpp"

#include <csignal>
#include <cstdlib>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rwd::execute {
namespace {

// Point names no production code uses, so that the variable set here can
// never stop anything else in this process.
TEST(KillPointDeathTest, KillsItselfAtAListedPointOnly) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");  // a fresh process reads the variable
  ::setenv("REWIND_TEST_KILL_AT", "unit-test:a,unit-test:b", 1);
  EXPECT_EXIT(
      {
        kill_point("unit-test:c");  // not listed: goes on
        kill_point("unit-test:b");
        std::exit(0);
      },
      ::testing::KilledBySignal(SIGKILL), "kill point unit-test:b reached");
  ::unsetenv("REWIND_TEST_KILL_AT");
}

TEST(KillPoint, RecreatePointsAreUniqueAndInPlanOrder) {
  const auto points = recreate_kill_points();
  EXPECT_EQ(std::set<std::string>(points.begin(), points.end()).size(), points.size());
  ASSERT_GE(points.size(), 2U);
  EXPECT_EQ(points.front(), "before-plan");
  EXPECT_EQ(points.back(), "after-step:mark-stable");
  EXPECT_THAT(points, ::testing::Contains("recreate:after-stop-old"));
  EXPECT_THAT(points, ::testing::Contains("after-step:record-incident"));
}

}  // namespace
}  // namespace rwd::execute
