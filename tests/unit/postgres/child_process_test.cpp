// The pg glue: the PG* environment from a URL, the pg tool lookup, and what
// a pg tool's stderr says. The runner itself is tested in tests/unit/process.

#include "../../../controller/postgres/child_process.hpp"

#include <gtest/gtest.h>

namespace rwd::postgres::detail {
namespace {

using std::chrono::milliseconds;

TEST(PgEnvironment, FromUrlWithoutArgv) {
  const DatabaseUrl url("postgresql://app:p%40ss@db.local:6543/shop?sslmode=require");
  std::string error;
  const auto info = parse_conninfo(url, &error);
  ASSERT_TRUE(info) << error;
  const auto env = pg_environment(*info, milliseconds(2500));
  EXPECT_EQ(env.at("PGHOST"), "db.local");
  EXPECT_EQ(env.at("PGPORT"), "6543");
  EXPECT_EQ(env.at("PGUSER"), "app");
  EXPECT_EQ(env.at("PGPASSWORD"), "p@ss");
  EXPECT_EQ(env.at("PGDATABASE"), "shop");
  EXPECT_EQ(env.at("PGSSLMODE"), "require");
  EXPECT_EQ(env.at("PGCONNECT_TIMEOUT"), "3");
  EXPECT_EQ(pg_environment(*info, milliseconds(1), std::string("other")).at("PGDATABASE"), "other");
}

TEST(PgEnvironment, KeyValueUrlAndParseErrorsAreRedacted) {
  const DatabaseUrl kv("host=h password='x y' dbname=d connect_timeout=7");
  const auto info = parse_conninfo(kv, nullptr);
  ASSERT_TRUE(info);
  const auto env = pg_environment(*info, milliseconds(1000));
  EXPECT_EQ(env.at("PGPASSWORD"), "x y");
  EXPECT_EQ(env.at("PGCONNECT_TIMEOUT"), "7");
  EXPECT_FALSE(env.contains("PGSSLMODE"));
  std::string error;
  EXPECT_FALSE(parse_conninfo(DatabaseUrl("postgresql://u:Secret99@h/d?bogus=1"), &error));
  EXPECT_FALSE(error.empty());
  EXPECT_EQ(error.find("Secret99"), std::string::npos) << error;
}

TEST(PgTool, ResolvesOnlyDefaultNames) {
  EXPECT_EQ(resolve_pg_tool("/opt/pg/bin/pg_dump"), "/opt/pg/bin/pg_dump");
  EXPECT_EQ(resolve_pg_tool("my_dump"), "my_dump");
  const auto dump = resolve_pg_tool("pg_dump");
  EXPECT_TRUE(dump == "pg_dump" || dump.ends_with("/bin/pg_dump")) << dump;
}

TEST(PgTool, ConnectionFailures) {
  EXPECT_TRUE(is_connection_failure(
      "pg_dump: error: connection to server at \"127.0.0.1\", port 1 failed: Connection refused"));
  EXPECT_FALSE(is_connection_failure("pg_dump: error: query failed: permission denied"));
}

}  // namespace
}  // namespace rwd::postgres::detail
