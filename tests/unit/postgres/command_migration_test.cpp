// alembic / golang-migrate / flyway migrations with a fake revision table and
// a fake runner: the direction, {{revision}}, the environment, the checks.

#include "rewind/postgres/command_migration.hpp"

#include <deque>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rwd::postgres {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using D = CommandDirection;
using model::MigrationDriver;

const DatabaseUrl kUrl("postgresql://app:hunter2@db:5432/shop");

// A revision table that answers `revisions` in order (the last one again).
struct Table {
  std::deque<std::string> revisions;
  RevisionReader reader() {
    return [this]() -> model::Result<std::string> {
      std::string r = revisions.front();
      if (revisions.size() > 1) revisions.pop_front();
      return r;
    };
  }
};

struct Runner {
  std::vector<execute::OneOffCommand> calls;
  model::Result<execute::CommandOutput> result = execute::CommandOutput{0, "ok\n", false};
  CommandRunner fn() {
    return [this](const execute::OneOffCommand& c) {
      calls.push_back(c);
      return result;
    };
  }
};

class CommandMigrationTest : public ::testing::Test {
 protected:
  CommandMigrationTest() {
    release_.metadata.name = "shop";
    release_.spec.target.docker = model::DockerTarget{"shop", "api"};
    spec_.driver = MigrationDriver::kAlembic;
    spec_.up_command = {"alembic", "upgrade", "{{revision}}"};
    spec_.down_command = {"alembic", "downgrade", "{{revision}}"};
    spec_.command_timeout = std::chrono::seconds(30);
  }
  model::Result<execute::MigrationDone> migrate(const std::string& to, bool down = false) {
    execute::DatabaseRef db{release_, spec_, model::ImageRef{"shop:v2"}, down};
    return migrate_by_command(db, to, kUrl, table_.reader(), runner_.fn());
  }
  model::Release release_;
  model::MigrationSpec spec_;
  Table table_;
  Runner runner_;
};

TEST(RenderCommand, ReplacesEveryPlaceholder) {
  EXPECT_THAT(
      render_command({"migrate", "goto", "{{revision}}", "-x={{revision}}.{{revision}}"}, "7"),
      ElementsAre("migrate", "goto", "7", "-x=7.7"));
  EXPECT_THAT(render_command({"flyway", "migrate"}, "3"), ElementsAre("flyway", "migrate"));
}

TEST(CommandDirection, EqualRevisionsNeedNothing) {
  EXPECT_EQ(command_direction(MigrationDriver::kAlembic, "ae1027a6", "ae1027a6", false), D::kNone);
  EXPECT_EQ(command_direction(MigrationDriver::kAlembic, "none", "base", true), D::kNone);
}

TEST(CommandDirection, EmptySchemaEnds) {
  EXPECT_EQ(command_direction(MigrationDriver::kAlembic, "ae1027a6", "base", false), D::kDown);
  EXPECT_EQ(command_direction(MigrationDriver::kFlyway, "3", "none", false), D::kDown);
  EXPECT_EQ(command_direction(MigrationDriver::kAlembic, "none", "ae1027a6", true), D::kUp);
}

TEST(CommandDirection, VersionsCompareAsNumbers) {
  EXPECT_EQ(command_direction(MigrationDriver::kGolangMigrate, "9", "10", true), D::kUp);
  EXPECT_EQ(command_direction(MigrationDriver::kGolangMigrate, "20240102", "20240101", false),
            D::kDown);
  EXPECT_EQ(command_direction(MigrationDriver::kFlyway, "1.9", "1.10", true), D::kUp);
  EXPECT_EQ(command_direction(MigrationDriver::kFlyway, "1.2.1", "1.2", false), D::kDown);
}

TEST(CommandDirection, AlembicIdsFollowTheExecutor) {
  EXPECT_EQ(command_direction(MigrationDriver::kAlembic, "ffff", "0001", false), D::kUp);
  EXPECT_EQ(command_direction(MigrationDriver::kAlembic, "0001", "ffff", true), D::kDown);
}

TEST_F(CommandMigrationTest, UpRunsTheRenderedUpCommandWithTheUrlInItsEnvironment) {
  table_.revisions = {"aaaa", "bbbb"};
  auto done = migrate("bbbb");
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_EQ(done->from, "aaaa");
  EXPECT_EQ(done->to, "bbbb");
  ASSERT_EQ(runner_.calls.size(), 1U);
  const auto& c = runner_.calls[0];
  EXPECT_THAT(c.argv, ElementsAre("alembic", "upgrade", "bbbb"));
  EXPECT_EQ(c.env.at("DATABASE_URL"), kUrl.secret());
  EXPECT_EQ(c.image.value(), "shop:v2");
  EXPECT_EQ(c.target, release_.spec.target);
  EXPECT_EQ(c.timeout, std::chrono::seconds(30));
  for (const auto& arg : c.argv) EXPECT_THAT(arg, Not(HasSubstr("hunter2")));
}

TEST_F(CommandMigrationTest, DownRunsTheDownCommand) {
  table_.revisions = {"bbbb", "aaaa"};
  auto done = migrate("aaaa", /*down=*/true);
  ASSERT_TRUE(done.ok()) << done.error().message;
  ASSERT_EQ(runner_.calls.size(), 1U);
  EXPECT_THAT(runner_.calls[0].argv, ElementsAre("alembic", "downgrade", "aaaa"));
}

TEST_F(CommandMigrationTest, AlembicDownToNoneIsBase) {
  table_.revisions = {"aaaa", "none"};
  auto done = migrate("none", /*down=*/true);
  ASSERT_TRUE(done.ok()) << done.error().message;
  ASSERT_EQ(runner_.calls.size(), 1U);
  EXPECT_THAT(runner_.calls[0].argv, ElementsAre("alembic", "downgrade", "base"));
}

TEST_F(CommandMigrationTest, AtTheTargetNothingRuns) {
  table_.revisions = {"bbbb"};
  auto done = migrate("bbbb");
  ASSERT_TRUE(done.ok());
  EXPECT_TRUE(runner_.calls.empty());
  EXPECT_TRUE(done->applied.empty());
}

TEST_F(CommandMigrationTest, MissingCommandNamesTheField) {
  spec_.down_command.clear();
  table_.revisions = {"bbbb"};
  auto done = migrate("aaaa", /*down=*/true);
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.error().reason, "MissingMigrationCommand");
  EXPECT_THAT(done.error().message, HasSubstr("spec.migration.downCommand"));
  EXPECT_THAT(done.error().message, HasSubstr("from bbbb down to aaaa"));
  EXPECT_TRUE(runner_.calls.empty());
}

TEST_F(CommandMigrationTest, RevisionNotReachedShowsExitCodeAndRedactedOutput) {
  spec_.driver = MigrationDriver::kGolangMigrate;
  spec_.up_command = {"migrate", "-path", "/m", "goto", "{{revision}}"};
  table_.revisions = {"3", "3"};
  std::string output;
  for (int i = 0; i < 20; ++i) output += "line " + std::to_string(i) + "\n";
  output += "error: cannot connect to postgresql://app:hunter2@db:5432/shop\n";
  runner_.result = execute::CommandOutput{1, output, false};
  auto done = migrate("4");
  ASSERT_FALSE(done.ok());
  const auto& e = done.error();
  EXPECT_EQ(e.reason, "MigrationCommandFailed");
  EXPECT_THAT(e.message, HasSubstr("spec.migration.upCommand"));
  EXPECT_THAT(e.message, HasSubstr("exit 1"));
  EXPECT_THAT(e.message, HasSubstr("it is at 3"));
  EXPECT_THAT(e.message, HasSubstr("line 19"));
  EXPECT_THAT(e.message, Not(HasSubstr("line 2;")));  // only the last lines
  EXPECT_THAT(e.message, Not(HasSubstr("hunter2")));
}

TEST_F(CommandMigrationTest, TimeoutIsNamed) {
  table_.revisions = {"aaaa", "aaaa"};
  runner_.result = execute::CommandOutput{-1, "", true};
  auto done = migrate("bbbb");
  ASSERT_FALSE(done.ok());
  EXPECT_THAT(done.error().message, HasSubstr("commandTimeout"));
  EXPECT_THAT(done.error().message, HasSubstr("(no output)"));
}

TEST_F(CommandMigrationTest, RunnerErrorsKeepTheirKindAndAreRedacted) {
  table_.revisions = {"aaaa"};
  runner_.result = model::Error::transient("docker: cannot reach postgresql://app:hunter2@db/shop");
  auto done = migrate("bbbb");
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.error().kind, model::ErrorKind::kTransient);
  EXPECT_THAT(done.error().message, HasSubstr("did not run"));
  EXPECT_THAT(done.error().message, Not(HasSubstr("hunter2")));
}

}  // namespace
}  // namespace rwd::postgres
