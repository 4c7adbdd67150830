// alembic migrations run by rewind (runIn host) against a real PostgreSQL:
// Debian's alembic with an environment the test writes, up two revisions,
// down one, a target alembic does not know, and rollback drills that run
// alembic's downgrade on a copy of the database.
#include <filesystem>
#include <fstream>
#include <random>

#include <gmock/gmock.h>

#include "rewind/postgres/database_target.hpp"

#include "pg_fixture.hpp"

namespace rwd::itest {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kFirst = "a1b2c3d4e5f6";
constexpr const char* kSecond = "f6e5d4c3b2a1";

void write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file) << text;
}

std::string revision_file(const std::string& id, const std::string& down,
                          const std::string& table) {
  return "from alembic import op\n"
         "revision = '" +
         id +
         "'\n"
         "down_revision = " +
         down +
         "\n"
         "branch_labels = None\ndepends_on = None\n"
         "def upgrade():\n    op.execute('CREATE TABLE " +
         table +
         " (id int PRIMARY KEY)')\n"
         "def downgrade():\n    op.execute('DROP TABLE " +
         table + "')\n";
}

class AlembicCommandTest : public PostgresTest {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("rewind-alembic-" + std::to_string(rd()));
    write(dir_ / "alembic.ini", "[alembic]\nscript_location = %(here)s/migrations\n");
    write(dir_ / "migrations" / "env.py",
          "import os\nfrom alembic import context\nfrom sqlalchemy import create_engine\n"
          "engine = create_engine(os.environ['DATABASE_URL'])\n"
          "with engine.connect() as connection:\n"
          "    context.configure(connection=connection, target_metadata=None)\n"
          "    with context.begin_transaction():\n"
          "        context.run_migrations()\n");
    write(dir_ / "migrations" / "versions" / "0001_users.py",
          revision_file(kFirst, "None", "cm_users"));
    write(dir_ / "migrations" / "versions" / "0002_orders.py",
          revision_file(kSecond, std::string("'") + kFirst + "'", "cm_orders"));
    // The down command as a script beside the Release: a relative program path.
    write(dir_ / "bin" / "down",
          "#!/bin/sh\nexec alembic -c \"$(dirname \"$0\")/../alembic.ini\" "
          "downgrade \"$1\"\n");
    fs::permissions(dir_ / "bin" / "down", fs::perms::owner_all);

    release_.metadata.name = "shop";
    spec_.driver = model::MigrationDriver::kAlembic;
    spec_.database.env = "SHOP_DATABASE_URL";
    spec_.run_in = model::CommandPlace::kHost;
    spec_.up_command = {"alembic", "-c", (dir_ / "alembic.ini").string(), "upgrade",
                        "{{revision}}"};
    spec_.down_command = {"bin/down", "{{revision}}"};
    spec_.command_timeout = std::chrono::seconds(60);
    spec_.backup.directory = (dir_ / "backups").string();

    postgres::PostgresDatabaseOptions options;
    options.base_dir = [this](const model::Release&) { return dir_; };
    options.env = [](const std::string& name) -> std::optional<std::string> {
      if (name == "SHOP_DATABASE_URL") return server().url();
      return std::nullopt;
    };
    database_ = std::make_unique<postgres::PostgresDatabase>(std::move(options));
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  model::Result<execute::MigrationDone> migrate(const std::string& to, bool down) {
    return database_->migrate(execute::DatabaseRef{release_, spec_, std::nullopt, down}, to, {});
  }
  // A verified dump of the database as it is now, then a drill down to `to`.
  model::Result<std::string> drill(const std::string& to) {
    const execute::DatabaseRef ref{release_, spec_, std::nullopt, true};
    const auto now =
        std::chrono::time_point_cast<model::Duration>(std::chrono::system_clock::now());
    auto dump = database_->backup(ref, now, {});
    if (!dump) return dump.error();
    return database_->drill(ref, execute::DrillRequest{*dump, to, {}, {"cm_users", "cm_orders"}},
                            now);
  }
  static std::vector<std::string> drill_databases() {
    return query("SELECT datname FROM pg_database WHERE datname LIKE '%rewind_drill%'");
  }
  static std::vector<std::string> alembic_version() {
    return query("SELECT version_num FROM alembic_version");
  }

  fs::path dir_;
  model::Release release_;
  model::MigrationSpec spec_;
  std::unique_ptr<postgres::PostgresDatabase> database_;
};

TEST_F(AlembicCommandTest, UpToTheSecondRevisionThenDownToTheFirst) {
  auto up = migrate(kSecond, false);
  ASSERT_TRUE(up.ok()) << up.error().message;
  EXPECT_EQ(up->from, "none");
  EXPECT_EQ(up->to, kSecond);
  EXPECT_EQ(alembic_version(), std::vector<std::string>{kSecond});
  EXPECT_TRUE(table_exists("cm_users"));
  EXPECT_TRUE(table_exists("cm_orders"));

  auto again = migrate(kSecond, false);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_TRUE(again->applied.empty()) << "at the target: nothing runs";

  auto down = migrate(kFirst, true);
  ASSERT_TRUE(down.ok()) << down.error().message;
  EXPECT_EQ(down->from, kSecond);
  EXPECT_EQ(down->to, kFirst);
  EXPECT_EQ(alembic_version(), std::vector<std::string>{kFirst});
  EXPECT_TRUE(table_exists("cm_users"));
  EXPECT_FALSE(table_exists("cm_orders"));

  auto revision = database_->revision(execute::DatabaseRef{release_, spec_, std::nullopt});
  ASSERT_TRUE(revision.ok());
  EXPECT_EQ(*revision, kFirst);
}

TEST_F(AlembicCommandTest, AnUnknownRevisionFailsWithAlembicsWordsAndNoPassword) {
  auto up = migrate("0badc0ffee00", false);
  ASSERT_FALSE(up.ok());
  EXPECT_EQ(up.error().reason, "MigrationCommandFailed");
  EXPECT_THAT(up.error().message, HasSubstr("exit 255"));  // alembic's for a failed command
  EXPECT_THAT(up.error().message, HasSubstr("Can't locate revision identified by '0badc0ffee00'"));
  const std::string password = server().url().substr(server().url().find(':', 14) + 1);
  EXPECT_THAT(up.error().message, Not(HasSubstr(password.substr(0, password.find('@')))));
}

TEST_F(AlembicCommandTest, ADrillRunsTheDownCommandOnACopyAndLeavesTheLiveDatabaseAlone) {
  ASSERT_TRUE(migrate(kSecond, false).ok());
  (void)query("INSERT INTO cm_users VALUES (1), (2), (3)");

  auto drilled = drill(kFirst);
  ASSERT_TRUE(drilled.ok()) << drilled.error().message;
  EXPECT_THAT(*drilled, HasSubstr(std::string("migrated ") + kSecond + " -> " + kFirst));
  EXPECT_THAT(*drilled, HasSubstr("cm_users 3"));
  EXPECT_THAT(*drilled, HasSubstr("cm_orders 0"));  // dropped on the copy: counted as 0
  EXPECT_EQ(alembic_version(), std::vector<std::string>{kSecond}) << "the live database moved";
  EXPECT_TRUE(table_exists("cm_orders"));
  EXPECT_TRUE(drill_databases().empty());
}

TEST_F(AlembicCommandTest, ADrillWhoseDownCommandFailsFailsAndDropsTheCopy) {
  ASSERT_TRUE(migrate(kSecond, false).ok());
  spec_.down_command = {"/bin/sh", "-c", "echo 'no way down from here' >&2; exit 4"};

  auto drilled = drill(kFirst);
  ASSERT_FALSE(drilled.ok());
  EXPECT_THAT(drilled.error().message, HasSubstr("exit 4"));
  EXPECT_THAT(drilled.error().message, HasSubstr("no way down from here"));
  EXPECT_EQ(alembic_version(), std::vector<std::string>{kSecond});
  EXPECT_TRUE(drill_databases().empty());
}

}  // namespace
}  // namespace rwd::itest
