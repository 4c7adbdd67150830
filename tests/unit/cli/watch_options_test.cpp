// `rewind watch`'s command line: the timing flags are checked before anything
// starts, and a bad value says what is allowed.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli_run.hpp"

namespace rwd::cli {
namespace {

using rwd::testing::run_cli;
using ::testing::HasSubstr;

TEST(WatchOptionsTest, HelpNamesTheTimingFlags) {
  const auto help = run_cli({"watch", "--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_THAT(help.out, HasSubstr("--resync"));
  EXPECT_THAT(help.out, HasSubstr("--debounce"));
  EXPECT_THAT(help.out, HasSubstr("(=100ms)"));
}

TEST(WatchOptionsTest, BadDebounceIsRefusedWithWhatIsAllowed) {
  for (const std::string bad : {"soon", "-5ms", "11s", ""}) {
    const auto r = run_cli({"watch", "--dir", "/nonexistent", "--debounce", bad});
    EXPECT_EQ(r.code, 2) << bad;
    EXPECT_THAT(r.err, HasSubstr("rewind watch: --debounce \"" + bad +
                                 "\" is not a duration from 0 to 10s"))
        << bad;
  }
}

TEST(WatchOptionsTest, BadResyncIsRefused) {
  const auto r = run_cli({"watch", "--dir", "/nonexistent", "--resync", "0s"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("--resync \"0s\" is not a positive duration"));
}

TEST(WatchOptionsTest, ZeroDebounceIsAccepted) {
  // Accepted: the next check to fail is the directory's.
  const auto r = run_cli({"watch", "--dir", "/nonexistent", "--debounce", "0"});
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("--dir /nonexistent is not a directory"));
  EXPECT_THAT(r.err, ::testing::Not(HasSubstr("--debounce")));
}

}  // namespace
}  // namespace rwd::cli
