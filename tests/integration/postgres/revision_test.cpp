// current_revision() of every driver against a real PostgreSQL, with the
// tools' revision tables created by hand the way each tool creates them.
#include "pg_fixture.hpp"

namespace rwd::itest {
namespace {

using postgres::MigrationCode;

class RevisionTest : public PostgresTest {
 protected:
  static postgres::MigrationResult<std::string> read(model::MigrationDriver kind) {
    return postgres::make_driver(kind, url())->current_revision();
  }
};

TEST_F(RevisionTest, SqlDirIsNoneBeforeTheFirstMigration) {
  auto rev = read(model::MigrationDriver::kSqlDir);
  ASSERT_TRUE(rev.ok()) << rev.error().message();
  EXPECT_EQ(*rev, "none");
}

TEST_F(RevisionTest, GolangMigrateVersionAndDirty) {
  auto none = read(model::MigrationDriver::kGolangMigrate);
  ASSERT_TRUE(none.ok()) << none.error().message();
  EXPECT_EQ(*none, "none");
  query(
      "CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, "
      "dirty boolean NOT NULL)");
  query("INSERT INTO schema_migrations VALUES (20240101120000, false)");
  auto rev = read(model::MigrationDriver::kGolangMigrate);
  ASSERT_TRUE(rev.ok()) << rev.error().message();
  EXPECT_EQ(*rev, "20240101120000");

  query("UPDATE schema_migrations SET dirty = true");
  auto dirty = read(model::MigrationDriver::kGolangMigrate);
  ASSERT_FALSE(dirty.ok());
  EXPECT_EQ(dirty.error().code, MigrationCode::kDirty);
  EXPECT_NE(dirty.error().message().find("version 20240101120000 is dirty"), std::string::npos)
      << dirty.error().message();
}

TEST_F(RevisionTest, AlembicVersionNumAndSeveralHeads) {
  query(
      "CREATE TABLE alembic_version (version_num varchar(32) NOT NULL, "
      "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))");
  auto none = read(model::MigrationDriver::kAlembic);
  ASSERT_TRUE(none.ok()) << none.error().message();
  EXPECT_EQ(*none, "none");
  query("INSERT INTO alembic_version VALUES ('ae1027a6acf')");
  auto rev = read(model::MigrationDriver::kAlembic);
  ASSERT_TRUE(rev.ok()) << rev.error().message();
  EXPECT_EQ(*rev, "ae1027a6acf");

  query("INSERT INTO alembic_version VALUES ('1975ea83b712')");
  auto heads = read(model::MigrationDriver::kAlembic);
  ASSERT_FALSE(heads.ok());
  EXPECT_EQ(heads.error().code, MigrationCode::kUnknownState);
  EXPECT_NE(heads.error().message().find("2 heads (1975ea83b712, ae1027a6acf)"), std::string::npos)
      << heads.error().message();
}

TEST_F(RevisionTest, FlywayLatestSuccessfulVersionedRow) {
  query(R"(CREATE TABLE flyway_schema_history (
      installed_rank integer NOT NULL PRIMARY KEY, version varchar(50),
      description varchar(200) NOT NULL, type varchar(20) NOT NULL,
      script varchar(1000) NOT NULL, checksum integer, installed_by varchar(100) NOT NULL,
      installed_on timestamp NOT NULL DEFAULT now(), execution_time integer NOT NULL,
      success boolean NOT NULL))");
  query(R"(INSERT INTO flyway_schema_history
      (installed_rank, version, description, type, script, installed_by, execution_time, success)
      VALUES (1, '1', 'init', 'SQL', 'V1__init.sql', 'app', 5, true),
             (2, '1.1', 'orders', 'SQL', 'V1_1__orders.sql', 'app', 5, true),
             (3, NULL, 'views', 'SQL', 'R__views.sql', 'app', 5, true))");
  auto rev = read(model::MigrationDriver::kFlyway);
  ASSERT_TRUE(rev.ok()) << rev.error().message();
  EXPECT_EQ(*rev, "1.1");

  query(R"(INSERT INTO flyway_schema_history
      (installed_rank, version, description, type, script, installed_by, execution_time, success)
      VALUES (4, '2', 'items', 'SQL', 'V2__items.sql', 'app', 5, false))");
  auto failed = read(model::MigrationDriver::kFlyway);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, MigrationCode::kDirty);
  EXPECT_NE(failed.error().message().find("2 (V2__items.sql) failed"), std::string::npos)
      << failed.error().message();
}

}  // namespace
}  // namespace rwd::itest
