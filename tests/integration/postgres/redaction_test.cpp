// The database password never shows in an error, whatever fails: a wrong
// password, an unknown host, a malformed URL, a server error that echoes it.
#include "pg_fixture.hpp"

namespace rwd::itest {
namespace {

using postgres::MigrationCode;

class RedactionTest : public PostgresTest {
 protected:
  static postgres::MigrationError revision_error(const std::string& url) {
    postgres::DriverOptions options;
    options.connect_timeout = std::chrono::seconds(3);
    auto rev =
        postgres::make_driver(model::MigrationDriver::kSqlDir, postgres::DatabaseUrl(url), options)
            ->current_revision();
    EXPECT_FALSE(rev.ok()) << "expected a failure for " << postgres::redact_credentials(url);
    return rev.ok() ? postgres::MigrationError{} : rev.error();
  }
};

TEST_F(RedactionTest, WrongPassword) {
  const std::string wrong = "WrongPw-Xy8812";
  const auto error = revision_error(server().url_with("rewind", wrong));
  EXPECT_EQ(error.code, MigrationCode::kConnection);
  EXPECT_NE(error.message().find("password authentication failed"), std::string::npos)
      << error.message();
  EXPECT_NE(error.message().find("postgresql://rewind@127.0.0.1"), std::string::npos)
      << error.message();
  EXPECT_EQ(error.message().find(wrong), std::string::npos) << error.message();
  EXPECT_EQ(error.message().find(server().password()), std::string::npos);
}

TEST_F(RedactionTest, UnknownHostAndMalformedUrls) {
  const std::string pw = server().password();
  for (const std::string& url :
       {"postgresql://rewind:" + pw + "@no-such-host.invalid:5432/postgres",
        "postgresql://rewind:" + pw + "@127.0.0.1:notaport/postgres",
        "postgresql://rewind:" + pw + "@127.0.0.1:" + std::to_string(server().port()) +
            "/postgres?sslmode=" + pw,
        "host=127.0.0.1 port=" + std::to_string(server().port()) + " user=rewind password=" + pw +
            " sslmode=" + pw}) {
    const auto error = revision_error(url);
    EXPECT_FALSE(error.message().empty());
    EXPECT_EQ(error.message().find(pw), std::string::npos) << error.message();
  }
}

TEST_F(RedactionTest, ServerErrorEchoingThePassword) {
  // PostgreSQL repeats bad input in its message: invalid input syntax for type integer: "<pw>".
  const std::string pw = server().password();
  auto set =
      postgres::parse_migration_files({{"0001_echo.up.sql", "SELECT '" + pw + "'::int;"}}, "test");
  ASSERT_TRUE(set.ok());
  auto result = postgres::make_sql_dir_migrator(url())->migrate(*set, "0001");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message().find("invalid input syntax for type integer"),
            std::string::npos)
      << result.error().message();
  EXPECT_EQ(result.error().message().find(pw), std::string::npos) << result.error().message();
}

}  // namespace
}  // namespace rwd::itest
