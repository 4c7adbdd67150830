#include "rewind/postgres/sql_dir.hpp"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "rewind/postgres/driver.hpp"

namespace rwd::postgres {
namespace {

using Files = std::map<std::string, std::string>;

Files three_revisions() {
  return {{"0001_users.up.sql", "CREATE TABLE users (id int);"},
          {"0001_users.down.sql", "DROP TABLE users;"},
          {"0002_orders.up.sql", "CREATE TABLE orders (id int);"},
          {"0002_orders.down.sql", "DROP TABLE orders;"},
          {"0005_items.up.sql", "CREATE TABLE items (id int);"},
          {"0005_items.down.sql", "DROP TABLE items;"},
          {"README.md", "not a migration"}};
}

MigrationSet parse(const Files& files) {
  auto set = parse_migration_files(files, "test");
  EXPECT_TRUE(set.ok()) << set.error().message();
  return set.ok() ? *set : MigrationSet{};
}

std::vector<std::string> files_of(const MigrationPlan& plan) {
  std::vector<std::string> out;
  for (const auto& s : plan.steps) out.push_back(s.script.file);
  return out;
}

TEST(ParseMigrationFiles, OrdersByNumberAndAllowsGaps) {
  const auto set = parse(three_revisions());
  ASSERT_EQ(set.migrations.size(), 3U);
  EXPECT_EQ(set.migrations.at(5).revision, "0005");
  EXPECT_EQ(set.migrations.at(5).name, "items");
  EXPECT_EQ(set.migrations.at(2).down->sql, "DROP TABLE orders;");
  EXPECT_NE(set.find("0002"), nullptr);
  EXPECT_NE(set.find("2"), nullptr);
  EXPECT_EQ(set.find("0003"), nullptr);
}

TEST(ParseMigrationFiles, RejectsBadNames) {
  for (const std::string bad : {"1-users.up.sql", "0001_users.sql", "0001_.up.sql", "users.up.sql",
                                "0001_us ers.up.sql", "0001_users.UP.sql"}) {
    auto set = parse_migration_files({{bad, ""}}, "migration.directory /m");
    ASSERT_FALSE(set.ok()) << bad;
    EXPECT_EQ(set.error().code, MigrationCode::kInvalid);
    EXPECT_NE(set.error().message().find("migration.directory /m: " + bad), std::string::npos)
        << set.error().message();
    EXPECT_NE(set.error().message().find("NNNN_name.up.sql"), std::string::npos);
  }
}

TEST(ParseMigrationFiles, RejectsDuplicates) {
  auto set = parse_migration_files({{"0001_a.up.sql", ""}, {"1_a.up.sql", ""}}, "d");
  ASSERT_FALSE(set.ok());
  EXPECT_NE(set.error().message().find("1_a.up.sql and 0001_a.up.sql both have number 1"),
            std::string::npos)
      << set.error().message();
  set = parse_migration_files({{"0001_a.up.sql", ""}, {"0001_b.down.sql", ""}}, "d");
  ASSERT_FALSE(set.ok());
  EXPECT_NE(set.error().message().find("0001_b.down.sql and 0001_a.up.sql"), std::string::npos)
      << set.error().message();
}

TEST(PlanMigration, UpFromNothingRunsEveryUpScriptInOrder) {
  auto plan = plan_migration(parse(three_revisions()), kNoRevision, "0005");
  ASSERT_TRUE(plan.ok()) << plan.error().message();
  EXPECT_EQ(files_of(*plan), (std::vector<std::string>{"0001_users.up.sql", "0002_orders.up.sql",
                                                       "0005_items.up.sql"}));
  EXPECT_EQ(plan->steps[0].direction, Direction::kUp);
}

TEST(PlanMigration, UpFromTheMiddle) {
  auto plan = plan_migration(parse(three_revisions()), "0001", "0002");
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(files_of(*plan), std::vector<std::string>{"0002_orders.up.sql"});
}

TEST(PlanMigration, DownRunsDownScriptsNewestFirst) {
  auto plan = plan_migration(parse(three_revisions()), "0005", "0001");
  ASSERT_TRUE(plan.ok()) << plan.error().message();
  EXPECT_EQ(files_of(*plan),
            (std::vector<std::string>{"0005_items.down.sql", "0002_orders.down.sql"}));
  EXPECT_EQ(plan->steps[0].direction, Direction::kDown);
  auto all = plan_migration(parse(three_revisions()), "0005", kNoRevision);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->steps.size(), 3U);
}

TEST(PlanMigration, SameRevisionIsEmpty) {
  auto plan = plan_migration(parse(three_revisions()), "0002", "0002");
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->steps.empty());
}

TEST(PlanMigration, MissingDownScriptNamesTheFileAndPlansNothing) {
  auto files = three_revisions();
  files.erase("0002_orders.down.sql");
  auto plan = plan_migration(parse(files), "0005", "0001");
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.error().code, MigrationCode::kMissingDownScript);
  EXPECT_STREQ(to_string(plan.error().code), "MissingDownScript");
  EXPECT_NE(plan.error().message().find("expected 0002_orders.down.sql in test"), std::string::npos)
      << plan.error().message();
}

TEST(PlanMigration, DownScriptsFromHistoryAlone) {
  // The history keeps only the down scripts of the revision being left.
  const auto set = parse({{"0002_orders.down.sql", "DROP TABLE orders;"},
                          {"0005_items.down.sql", "DROP TABLE items;"}});
  auto plan = plan_migration(set, "0005", "0001");
  ASSERT_TRUE(plan.ok()) << plan.error().message();
  EXPECT_EQ(files_of(*plan),
            (std::vector<std::string>{"0005_items.down.sql", "0002_orders.down.sql"}));
}

TEST(PlanMigration, AppliedRevisionWithoutAnyScriptStopsADowngrade) {
  // The kept scripts do not mention 0002 at all, but the database applied it.
  const auto set = parse({{"0005_items.down.sql", "DROP TABLE items;"}});
  const std::vector<AppliedRevision> applied = {
      {1, "0001", "users"}, {2, "0002", "orders"}, {5, "0005", "items"}};
  auto plan = plan_migration(set, "0005", "0001", applied);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.error().code, MigrationCode::kMissingDownScript);
  EXPECT_NE(plan.error().message().find("expected 0002_orders.down.sql in test"), std::string::npos)
      << plan.error().message();
}

TEST(PlanMigration, DownRevertsWhatTheDatabaseApplied) {
  const std::vector<AppliedRevision> applied = {{1, "0001", "users"}, {5, "0005", "items"}};
  auto plan = plan_migration(parse(three_revisions()), "0005", "0001", applied);
  ASSERT_TRUE(plan.ok()) << plan.error().message();
  EXPECT_EQ(files_of(*plan), std::vector<std::string>{"0005_items.down.sql"});
}

TEST(PlanMigration, UnknownRevisions) {
  const auto set = parse(three_revisions());
  auto target = plan_migration(set, "0001", "0004");
  ASSERT_FALSE(target.ok());
  EXPECT_NE(target.error().message().find("target revision 0004 is not in test (it has 0001, "
                                          "0002, 0005)"),
            std::string::npos)
      << target.error().message();
  auto current = plan_migration(set, "0009", "0001");
  ASSERT_FALSE(current.ok());
  EXPECT_EQ(current.error().code, MigrationCode::kUnknownState);
  auto garbage = plan_migration(set, "0001", "latest");
  ASSERT_FALSE(garbage.ok());
  EXPECT_NE(garbage.error().message().find("\"latest\""), std::string::npos);
}

TEST(ReadMigrationDirectory, ReadsFilesFromDisk) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("rewind-sqldir-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "0001_users.up.sql") << "CREATE TABLE users (id int);";
  std::ofstream(dir / "0001_users.down.sql") << "DROP TABLE users;";
  auto set = read_migration_directory(dir.string());
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(set.ok()) << set.error().message();
  EXPECT_EQ(set->migrations.at(1).up->sql, "CREATE TABLE users (id int);");
  auto missing = read_migration_directory("/nonexistent/rewind/migrations");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("migration.directory /nonexistent/rewind/migrations"),
            std::string::npos);
}

TEST(MigrationLockKey, FixedPerDatabase) {
  EXPECT_EQ(migration_lock_key("shop"), migration_lock_key("shop"));
  EXPECT_NE(migration_lock_key("shop"), migration_lock_key("shop2"));
}

}  // namespace
}  // namespace rwd::postgres
