// take_backup / verify_backup / count_rows / restore_backup against a real
// server with the real pg_dump and pg_restore. Every test has its own database.
#include "rewind/postgres/backup.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "pg_fixture.hpp"

namespace rwd::itest {
namespace {

namespace fs = std::filesystem;
using postgres::MigrationCode;

model::Timestamp at(const char* text) { return *model::parse_timestamp(text); }

class BackupTest : public PostgresTest {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    db_ = std::string("bk_") + info->name() + "_" + std::to_string(::getpid());
    for (auto& c : db_) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    admin("CREATE DATABASE " + db_);
    std::string tmpl = "/tmp/rewind-backups-XXXXXX";
    dir_ = ::mkdtemp(tmpl.data());
    options_.directory = dir_ + "/dumps";
    options_.timeout = std::chrono::seconds(120);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  static void admin(const std::string& sql) {
    pqxx::connection c(server().url());
    pqxx::nontransaction n(c);
    n.exec(sql);
  }
  [[nodiscard]] postgres::DatabaseUrl db_url() const {
    return postgres::DatabaseUrl(server().url(db_));
  }
  void exec(const std::string& sql, const std::string& db = "") const {
    pqxx::connection c(server().url(db.empty() ? db_ : db));
    pqxx::work w(c);
    w.exec(sql);
    w.commit();
  }
  [[nodiscard]] std::string scalar(const std::string& sql, const std::string& db = "") const {
    pqxx::connection c(server().url(db.empty() ? db_ : db));
    pqxx::work w(c);
    const auto r = w.exec(sql);
    return r[0][0].is_null() ? "NULL" : r[0][0].as<std::string>();
  }
  [[nodiscard]] std::vector<std::string> files() const {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : fs::recursive_directory_iterator(dir_, ec)) {
      out.push_back(e.path().filename().string());
    }
    return out;
  }
  void fill_shop() const {
    exec(
        "CREATE TABLE orders (id int PRIMARY KEY, item text);"
        "INSERT INTO orders SELECT g, 'item ' || g FROM generate_series(1, 3) g;"
        "CREATE TABLE users (id int PRIMARY KEY); INSERT INTO users VALUES (1), (2);");
  }
  postgres::BackupFile backup(model::Timestamp now) const {
    auto b = postgres::take_backup(db_url(), options_, now);
    EXPECT_TRUE(b.ok()) << (b.ok() ? "" : b.error().message());
    return b.ok() ? *b : postgres::BackupFile{};
  }

  std::string db_;
  std::string dir_;
  postgres::BackupOptions options_;
};

TEST_F(BackupTest, ADumpOfAnEmptyDatabaseVerifies) {
  // Before the first migration the database has nothing in it; that dump is
  // still a good one (its table of contents lists no entries).
  const auto b = backup(at("2026-05-01T09:00:00Z"));
  EXPECT_TRUE(b.verified);
  EXPECT_EQ(b.entries, 0);
  const auto again = postgres::verify_backup(b.path, b.sha256, options_);
  ASSERT_TRUE(again.ok()) << again.error().message();
}

TEST_F(BackupTest, TakeBackupWritesAVerifiedHashedDump) {
  fill_shop();
  const auto b = backup(at("2026-05-01T10:00:00.250Z"));
  EXPECT_EQ(b.path, options_.directory + "/" + db_ + "-20260501T100000250Z.dump");
  ASSERT_TRUE(fs::is_regular_file(b.path));
  EXPECT_EQ(b.database, db_);
  EXPECT_TRUE(b.verified);
  EXPECT_GT(b.entries, 0);
  EXPECT_EQ(b.bytes, static_cast<std::int64_t>(fs::file_size(b.path)));
  EXPECT_EQ(b.sha256, *postgres::sha256_file(b.path));
  EXPECT_EQ(b.path.find(server().password()), std::string::npos);
  EXPECT_EQ(fs::status(options_.directory).permissions() & fs::perms::all, fs::perms::owner_all);
  EXPECT_EQ(files(), (std::vector<std::string>{"dumps", fs::path(b.path).filename().string()}));
  const auto listed = postgres::list_backups(options_.directory, db_);
  ASSERT_EQ(listed.size(), 1U);
  EXPECT_EQ(listed[0].path, b.path);
}

TEST_F(BackupTest, UnwritableDirectoryFailsAndLeavesNoDump) {
  std::ofstream(dir_ + "/blocker") << "a file where the directory should be";
  options_.directory = dir_ + "/blocker/dumps";
  const auto b = postgres::take_backup(db_url(), options_, at("2026-05-01T10:00:00Z"));
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code, MigrationCode::kFailed);
  EXPECT_NE(b.error().message().find(options_.directory), std::string::npos) << b.error().message();
  EXPECT_EQ(files(), std::vector<std::string>{"blocker"});
}

TEST_F(BackupTest, WrongPasswordIsAConnectionErrorWithoutSecrets) {
  const std::string wrong = "WrongPw-Bk4471";
  const postgres::DatabaseUrl url(server().url_with("rewind", wrong, db_));
  const auto b = postgres::take_backup(url, options_, at("2026-05-01T10:00:00Z"));
  ASSERT_FALSE(b.ok());
  const std::string& message = b.error().message();
  EXPECT_EQ(b.error().code, MigrationCode::kConnection) << message;
  EXPECT_NE(message.find("pg_dump -Fc"), std::string::npos) << message;
  EXPECT_NE(message.find("password authentication failed"), std::string::npos) << message;
  EXPECT_EQ(message.find(wrong), std::string::npos) << message;
  EXPECT_EQ(message.find(server().password()), std::string::npos) << message;
  EXPECT_EQ(files(), std::vector<std::string>{"dumps"});
}

TEST_F(BackupTest, VerifyDetectsAModifiedByte) {
  fill_shop();
  const auto b = backup(at("2026-05-01T10:00:00Z"));
  const auto ok = postgres::verify_backup(b.path, b.sha256, options_);
  ASSERT_TRUE(ok.ok()) << ok.error().message();
  EXPECT_EQ(ok->entries, b.entries);
  EXPECT_EQ(ok->database, db_);
  {
    std::fstream f(b.path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(b.bytes / 2);
    f.put('\x5a');
  }
  const auto changed = postgres::verify_backup(b.path, b.sha256, options_);
  ASSERT_FALSE(changed.ok());
  EXPECT_NE(changed.error().message().find("SHA-256"), std::string::npos);
  EXPECT_NE(changed.error().message().find(b.path), std::string::npos);
  EXPECT_FALSE(postgres::verify_backup(dir_ + "/none.dump", b.sha256, options_).ok());
}

TEST_F(BackupTest, CountRowsExactlyAndNamesAMissingTable) {
  fill_shop();
  exec(
      "CREATE SCHEMA shop; CREATE TABLE shop.\"Line Items\" (id int);"
      "INSERT INTO shop.\"Line Items\" SELECT generate_series(1, 1000)");
  const auto counts =
      postgres::count_rows(db_url(), {"orders", "users", "shop.Line Items", "public.orders"});
  ASSERT_TRUE(counts.ok()) << counts.error().message();
  const std::map<std::string, std::int64_t> expected = {
      {"orders", 3}, {"users", 2}, {"shop.Line Items", 1000}, {"public.orders", 3}};
  EXPECT_EQ(*counts, expected);
  for (const std::string missing : {"nope", "shop.nope", "noschema.orders"}) {
    const auto r = postgres::count_rows(db_url(), {"orders", missing});
    ASSERT_FALSE(r.ok()) << missing;
    EXPECT_NE(r.error().message().find("\"" + missing + "\""), std::string::npos)
        << r.error().message();
    EXPECT_EQ(r.error().message().find(server().password()), std::string::npos);
  }
  EXPECT_EQ(postgres::count_rows(db_url(), {"shop."}).error().code, MigrationCode::kInvalid);
  // Around a migration that creates or drops a table, a missing one has 0 rows.
  const auto around =
      postgres::count_rows(db_url(), {"orders", "nope", "noschema.orders"}, {}, true);
  ASSERT_TRUE(around.ok()) << around.error().message();
  EXPECT_EQ(*around, (std::map<std::string, std::int64_t>{
                         {"orders", 3}, {"nope", 0}, {"noschema.orders", 0}}));
}

TEST_F(BackupTest, RestoreBringsTheDumpBackAndKeepsTheReplacedData) {
  fill_shop();
  const auto b = backup(at("2026-05-01T10:00:00Z"));
  exec("DELETE FROM orders WHERE id = 1; DROP TABLE users; CREATE TABLE added (x int)");
  const auto now = at("2026-05-01T11:00:00Z");
  const auto r = postgres::restore_backup(db_url(), b, options_, now);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->database, db_);
  // Test database names are long: restore_names shortens them to fit 63 bytes.
  EXPECT_EQ(r->kept_as, postgres::restore_names(db_, now).kept_as);
  EXPECT_LE(r->kept_as.size(), 63U);
  EXPECT_EQ(scalar("SELECT count(*) FROM orders"), "3");
  EXPECT_EQ(scalar("SELECT count(*) FROM users"), "2");
  EXPECT_EQ(scalar("SELECT to_regclass('added') IS NULL"), "t");
  EXPECT_EQ(scalar("SELECT count(*) FROM orders", r->kept_as), "2");
  EXPECT_EQ(scalar("SELECT to_regclass('users') IS NULL", r->kept_as), "t");
  EXPECT_EQ(
      scalar("SELECT count(*) FROM pg_database WHERE datname LIKE '" + db_ + "_rewind_restore_%'"),
      "0");
  // Again with the same `now`: already done, nothing changes.
  exec("INSERT INTO orders VALUES (99, 'after')");
  const auto again = postgres::restore_backup(db_url(), b, options_, now);
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(again->kept_as, r->kept_as);
  EXPECT_EQ(scalar("SELECT count(*) FROM orders"), "4");
}

TEST_F(BackupTest, RestoreEndsOtherSessions) {
  fill_shop();
  const auto b = backup(at("2026-05-01T10:00:00Z"));
  exec("TRUNCATE orders");
  pqxx::connection other(server().url(db_));
  const int other_pid = other.backendpid();
  const auto r = postgres::restore_backup(db_url(), b, options_, at("2026-05-01T12:00:00Z"));
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(scalar("SELECT count(*) FROM orders"), "3");
  EXPECT_EQ(scalar("SELECT count(*) FROM orders", r->kept_as), "0");
  // The session was ended (not using `other` again: libpqxx 6 leaks a result
  // on a connection the server terminated).
  EXPECT_EQ(
      scalar("SELECT count(*) FROM pg_stat_activity WHERE pid = " + std::to_string(other_pid)),
      "0");
}

TEST_F(BackupTest, RestoreRefusesAModifiedDumpAndChangesNothing) {
  fill_shop();
  auto b = backup(at("2026-05-01T10:00:00Z"));
  exec("DELETE FROM orders");
  b.sha256 = postgres::sha256_hex("something else");
  const auto r = postgres::restore_backup(db_url(), b, options_, at("2026-05-01T13:00:00Z"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("SHA-256"), std::string::npos) << r.error().message();
  EXPECT_EQ(scalar("SELECT count(*) FROM orders"), "0");
  EXPECT_EQ(scalar("SELECT count(*) FROM pg_database WHERE datname LIKE '" + db_ + "_%'"), "0");
}

TEST_F(BackupTest, RestoreRemakesAHalfRestoredScratchDatabase) {
  fill_shop();
  const auto b = backup(at("2026-05-01T10:00:00Z"));
  const auto now = at("2026-05-01T14:00:00Z");
  const auto names = postgres::restore_names(db_, now);
  admin("CREATE DATABASE \"" + names.scratch + "\"");
  exec("CREATE TABLE orders (half int)", names.scratch);  // would clash with the dump
  const auto r = postgres::restore_backup(db_url(), b, options_, now);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(scalar("SELECT count(*) FROM orders"), "3");
  EXPECT_EQ(scalar("SELECT count(*) FROM pg_database WHERE datname = '" + names.scratch + "'"),
            "0");
}

TEST_F(BackupTest, RestoreFinishesAfterACrashBetweenTheRenames) {
  fill_shop();
  const auto b = backup(at("2026-05-01T10:00:00Z"));
  const auto now = at("2026-05-01T15:00:00Z");
  const auto names = postgres::restore_names(db_, now);
  // As if a restore died after moving the live database aside.
  admin("CREATE DATABASE \"" + names.scratch + "\"");
  exec("CREATE TABLE restored (x int)", names.scratch);
  admin("ALTER DATABASE " + db_ + " ALLOW_CONNECTIONS false");
  admin("ALTER DATABASE " + db_ + " RENAME TO \"" + names.kept_as + "\"");
  const auto r = postgres::restore_backup(db_url(), b, options_, now);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->kept_as, names.kept_as);
  EXPECT_EQ(scalar("SELECT to_regclass('restored') IS NOT NULL"), "t");
  EXPECT_EQ(scalar("SELECT count(*) FROM orders", names.kept_as), "3");  // connectable again
}

}  // namespace
}  // namespace rwd::itest
