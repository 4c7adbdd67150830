// sql-dir migrations against a real PostgreSQL: up and down, a missing down
// script, the advisory lock between two controllers, a table locked by
// another session, a failing script.
#include "rewind/postgres/sql_dir.hpp"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "pg_fixture.hpp"

namespace rwd::itest {
namespace {

using postgres::MigrationCode;
using postgres::MigrationSet;
using Files = std::map<std::string, std::string>;
using Clock = std::chrono::steady_clock;

Files up_scripts() {
  return {{"0001_users.up.sql", "CREATE TABLE users (id int PRIMARY KEY, name text);"},
          {"0002_orders.up.sql",
           "CREATE TABLE orders (id int PRIMARY KEY, user_id int REFERENCES users);"},
          {"0003_items.up.sql", "CREATE TABLE items (id int PRIMARY KEY);"}};
}

// What the history keeps when 0003 goes live: the down scripts of 0002 and 0003.
Files kept_down_scripts() {
  return {{"0002_orders.down.sql", "DROP TABLE orders;"},
          {"0003_items.down.sql", "DROP TABLE items;"}};
}

MigrationSet set_of(const Files& files, const std::string& origin = "test") {
  auto set = postgres::parse_migration_files(files, origin);
  EXPECT_TRUE(set.ok()) << set.error().message();
  return set.ok() ? *set : MigrationSet{};
}

class SqlDirTest : public PostgresTest {
 protected:
  static postgres::DriverOptions fast() {
    postgres::DriverOptions o;
    o.lock_timeout = std::chrono::milliseconds(1000);
    o.migration_lock_timeout = std::chrono::milliseconds(1000);
    return o;
  }

  static void migrate_ok(const MigrationSet& set, const std::string& target) {
    auto report = postgres::make_sql_dir_migrator(url())->migrate(set, target);
    ASSERT_TRUE(report.ok()) << report.error().message();
  }

  // Polls from a third session until `sql` returns a row (deadline 20 s).
  static bool wait_for_row(const std::string& sql) {
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    while (Clock::now() < deadline) {
      if (!query(sql).empty()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
};

TEST_F(SqlDirTest, UpFromDirectoryThenDownWithKeptScripts) {
  const auto dir = std::filesystem::path(server().dir()) / "migrations";
  std::filesystem::create_directories(dir);
  for (const auto& [name, sql] : up_scripts()) std::ofstream(dir / name) << sql;
  auto from_disk = postgres::read_migration_directory(dir.string());
  ASSERT_TRUE(from_disk.ok()) << from_disk.error().message();

  auto migrator = postgres::make_sql_dir_migrator(url());
  auto up = migrator->migrate(*from_disk, "0003");
  ASSERT_TRUE(up.ok()) << up.error().message();
  EXPECT_EQ(up->from, "none");
  EXPECT_EQ(up->applied, (std::vector<std::string>{"0001_users.up.sql", "0002_orders.up.sql",
                                                   "0003_items.up.sql"}));
  EXPECT_EQ(sql_dir_rows(), (std::vector<std::string>{"0001", "0002", "0003"}));
  EXPECT_TRUE(table_exists("users") && table_exists("orders") && table_exists("items"));
  EXPECT_EQ(*migrator->current_revision(), "0003");

  auto down = migrator->migrate(set_of(kept_down_scripts(), "history"), "0001");
  ASSERT_TRUE(down.ok()) << down.error().message();
  EXPECT_EQ(down->applied,
            (std::vector<std::string>{"0003_items.down.sql", "0002_orders.down.sql"}));
  EXPECT_EQ(sql_dir_rows(), std::vector<std::string>{"0001"});
  EXPECT_TRUE(table_exists("users"));
  EXPECT_FALSE(table_exists("orders"));
  EXPECT_FALSE(table_exists("items"));
  EXPECT_EQ(*migrator->current_revision(), "0001");

  auto again = migrator->migrate(*from_disk, "0001");
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_TRUE(again->applied.empty());
}

TEST_F(SqlDirTest, MissingDownScriptStopsBeforeAnyChange) {
  migrate_ok(set_of(up_scripts()), "0003");
  auto kept = kept_down_scripts();
  kept.erase("0002_orders.down.sql");
  auto down = postgres::make_sql_dir_migrator(url())->migrate(set_of(kept, "history"), "0001");
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.error().code, MigrationCode::kMissingDownScript);
  EXPECT_NE(down.error().message().find("expected 0002_orders.down.sql in history"),
            std::string::npos)
      << down.error().message();
  // 0003's down script existed but did not run.
  EXPECT_EQ(sql_dir_rows(), (std::vector<std::string>{"0001", "0002", "0003"}));
  EXPECT_TRUE(table_exists("items"));
}

TEST_F(SqlDirTest, FailingScriptRollsBackItsStepOnly) {
  auto files = up_scripts();
  files["0002_orders.up.sql"] = "CREATE TABLE orders (id int); SELECT no_such_column FROM users;";
  auto result = postgres::make_sql_dir_migrator(url())->migrate(set_of(files), "0003");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, MigrationCode::kFailed);
  EXPECT_NE(result.error().message().find("0002_orders.up.sql"), std::string::npos);
  EXPECT_NE(result.error().message().find("no_such_column"), std::string::npos);
  EXPECT_NE(result.error().message().find("stays at revision 0001"), std::string::npos)
      << result.error().message();
  EXPECT_EQ(sql_dir_rows(), std::vector<std::string>{"0001"});
  EXPECT_FALSE(table_exists("orders"));
}

TEST_F(SqlDirTest, TwoMigratorsSerializeOnTheAdvisoryLock) {
  auto files = up_scripts();
  files["0002_orders.up.sql"] += " SELECT pg_sleep(2);";
  const auto set = set_of(files);
  postgres::MigrationResult<postgres::MigrationReport> first = postgres::MigrationError{};
  postgres::MigrationResult<postgres::MigrationReport> second = postgres::MigrationError{};
  std::thread a([&] { first = postgres::make_sql_dir_migrator(url())->migrate(set, "0003"); });
  const std::string held = "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted";
  const std::string waiting = "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted";
  const bool a_holds = wait_for_row(held);
  std::thread b([&] { second = postgres::make_sql_dir_migrator(url())->migrate(set, "0003"); });
  const bool b_waits = wait_for_row(waiting);
  a.join();
  b.join();
  EXPECT_TRUE(a_holds);
  EXPECT_TRUE(b_waits) << "the second migrator never waited for the migration lock";
  ASSERT_TRUE(first.ok()) << first.error().message();
  ASSERT_TRUE(second.ok()) << second.error().message();
  EXPECT_EQ(first->applied.size(), 3U);
  EXPECT_TRUE(second->applied.empty());
  EXPECT_EQ(second->from, "0003");
  EXPECT_EQ(sql_dir_rows(), (std::vector<std::string>{"0001", "0002", "0003"}));
}

TEST_F(SqlDirTest, LockedTableYieldsMigrationBlockedWithinLockTimeout) {
  migrate_ok(set_of(up_scripts()), "0001");
  pqxx::connection other(server().url());
  pqxx::work holder(other);
  holder.exec("LOCK TABLE users IN ACCESS EXCLUSIVE MODE");

  auto files = up_scripts();
  files["0002_orders.up.sql"] = "ALTER TABLE users ADD COLUMN email text;";
  auto migrator = postgres::make_sql_dir_migrator(url(), fast());
  const auto started = Clock::now();
  auto blocked = migrator->migrate(set_of(files), "0002");
  const auto took = Clock::now() - started;
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.error().code, MigrationCode::kMigrationBlocked) << blocked.error().message();
  EXPECT_STREQ(postgres::to_string(blocked.error().code), "MigrationBlocked");
  EXPECT_EQ(blocked.error().error.kind, model::ErrorKind::kTransient);
  EXPECT_LT(took, std::chrono::seconds(5));
  EXPECT_NE(blocked.error().message().find("0002_orders.up.sql"), std::string::npos);
  EXPECT_NE(blocked.error().message().find("stays at revision 0001"), std::string::npos)
      << blocked.error().message();
  holder.abort();

  EXPECT_EQ(sql_dir_rows(), std::vector<std::string>{"0001"});
  EXPECT_TRUE(query("SELECT 1 FROM information_schema.columns WHERE table_name = 'users' "
                    "AND column_name = 'email'")
                  .empty());
  auto retry = migrator->migrate(set_of(files), "0002");  // the lock is gone: it goes through
  ASSERT_TRUE(retry.ok()) << retry.error().message();
  EXPECT_EQ(sql_dir_rows(), (std::vector<std::string>{"0001", "0002"}));
}

TEST_F(SqlDirTest, MigrationLockHeldByAnotherControllerIsBlocked) {
  pqxx::connection other(server().url());
  pqxx::nontransaction n(other);
  n.exec("SELECT pg_advisory_lock(" + std::to_string(postgres::migration_lock_key("postgres")) +
         ")");
  const auto started = Clock::now();
  auto blocked =
      postgres::make_sql_dir_migrator(url(), fast())->migrate(set_of(up_scripts()), "0001");
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.error().code, MigrationCode::kMigrationBlocked) << blocked.error().message();
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(5));
  EXPECT_NE(blocked.error().message().find("another controller"), std::string::npos)
      << blocked.error().message();
  EXPECT_FALSE(table_exists("users"));
}

}  // namespace
}  // namespace rwd::itest
