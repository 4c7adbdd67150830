#include "rewind/execute/env.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rwd::execute {
namespace {

TEST(EnvFile, ParsesKeyValueLinesCommentsExportAndQuotes) {
  std::vector<std::string> problems;
  const auto env = parse_env_file(
      "# comment\n\nA=1\nexport B=two words\nC=\"quoted # not a comment\"\nD='x'\r\nE=\nbroken "
      "line\n",
      "api.env", problems);
  EXPECT_EQ(env.at("A"), "1");
  EXPECT_EQ(env.at("B"), "two words");
  EXPECT_EQ(env.at("C"), "quoted # not a comment");
  EXPECT_EQ(env.at("D"), "x");
  EXPECT_EQ(env.at("E"), "");
  EXPECT_EQ(env.size(), 5U);
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_EQ(problems[0], "api.env: line 8: not a KEY=VALUE line (skipped)");
}

TEST(EnvFile, ConfigEnvOverridesFilesAndLaterFilesWin) {
  model::ConfigSpec c;
  c.env_files = {"a.env", "b.env"};
  c.env = {{"X", "from-spec"}};
  std::vector<std::string> problems;
  const auto env = effective_env(c, {{"a.env", "X=a\nY=a\nZ=a\n"}, {"b.env", "Y=b\n"}}, problems);
  EXPECT_EQ(env.at("X"), "from-spec");
  EXPECT_EQ(env.at("Y"), "b");
  EXPECT_EQ(env.at("Z"), "a");
  EXPECT_TRUE(problems.empty());
}

TEST(EnvFile, ProblemsNeverContainValues) {
  std::vector<std::string> problems;
  (void)parse_env_file("password hunter2\n", "secrets.env", problems);
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_THAT(problems[0], ::testing::Not(::testing::HasSubstr("hunter2")));
}

}  // namespace
}  // namespace rwd::execute
