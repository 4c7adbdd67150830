// <state-dir>/watcher.lock: one holder at a time, and the next one learns who.

#include "rewind/cli/state_lock.hpp"

#include <unistd.h>

#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "temp_dir.hpp"

namespace rwd::cli {
namespace {

using rwd::testing::TempDir;

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(StateLock, SecondHolderLearnsWhoHasItUntilItIsReleased) {
  TempDir dir;
  auto first = StateLock::try_acquire(dir.path(), "rewind watch");
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_TRUE(std::holds_alternative<StateLock>(*first));
  const auto path = std::get<StateLock>(*first).path();
  EXPECT_EQ(path, dir.path() / "watcher.lock");
  EXPECT_EQ(slurp(path), std::to_string(::getpid()) + " rewind watch\n");

  // flock(2) locks belong to the open file: a second open conflicts even in
  // the same process, as a second watcher would.
  auto second = StateLock::try_acquire(dir.path(), "rewind rollback");
  ASSERT_TRUE(second);
  ASSERT_TRUE(std::holds_alternative<LockHolder>(*second));
  const LockHolder holder = std::get<LockHolder>(*second);
  EXPECT_EQ(holder.pid, ::getpid());
  EXPECT_EQ(holder.what, "rewind watch");
  EXPECT_EQ(holder.describe(), "rewind watch (pid " + std::to_string(::getpid()) + ")");

  *first = LockHolder{};  // destroys the StateLock: released
  auto third = StateLock::try_acquire(dir.path(), "rewind rollback");
  ASSERT_TRUE(third);
  EXPECT_TRUE(std::holds_alternative<StateLock>(*third));
  EXPECT_EQ(slurp(path), std::to_string(::getpid()) + " rewind rollback\n");
}

TEST(StateLock, MissingDirectoryIsAnErrorNamingThePath) {
  auto r = StateLock::try_acquire("/nonexistent/rewind-state", "rewind watch");
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, ::testing::HasSubstr("/nonexistent/rewind-state/watcher.lock"));
  EXPECT_THAT(r.error().message, ::testing::HasSubstr("No such file or directory"));
}

TEST(LockHolder, ParsesWhatTheHolderWrote) {
  const LockHolder h = parse_lock_holder("4242 rewind watch\n");
  EXPECT_EQ(h.pid, 4242);
  EXPECT_EQ(h.what, "rewind watch");
  EXPECT_EQ(parse_lock_holder("17").describe(), "a process (pid 17)");
  for (const char* text : {"", "\n", "x rewind watch", "-3 rewind", "12x rewind"}) {
    EXPECT_EQ(parse_lock_holder(text).pid, 0) << text;
    EXPECT_EQ(parse_lock_holder(text).describe(), "another process") << text;
  }
}

}  // namespace
}  // namespace rwd::cli
