// A fault of the peer: PostgreSQL restarted (fast shutdown, then started
// again on the same port and data directory) while `rewind watch` runs a
// migration script in it: during the up-migration of an upgrade, during the
// COMMIT of a script, and during the down-migration of a revert, after its
// backup. rewind stays up, says which database it cannot reach (never with
// the password), retries once the server is back, and finishes the plan:
// the revision table at the target, every script applied once, one backup
// for the plan, the right image answering.

#include <chrono>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "compose_service.hpp"
#include "migrate_fixture.hpp"
#include "postgres_server.hpp"
#include "watcher_process.hpp"

namespace rwd::itest {
namespace {

using namespace std::chrono_literals;

class PostgresRestartTest : public MigrateTest {
 protected:
  void TearDown() override {
    MigrateTest::TearDown();
    if (HasFailure() && server_) std::cerr << "---- postgres log ----\n" << server_->log();
  }

  // v1 on schema 0001, applied by rewind into the empty database.
  void start_at_v1() {
    write_release("rewind-demo:v1", "0001");
    watcher_ = watch("1");
    ASSERT_TRUE(eventually([&] { return svc_->stable_at(1); })) << svc_->describe();
    ASSERT_EQ(applied(), std::vector<std::string>{"0001"});
  }

  // v2's migrations. Each script notes itself in migration_log, which no
  // script drops and which rolls back with the script: a script that
  // committed twice leaves two rows. The up or the down script of 0003
  // sleeps, so that the restart finds it in flight.
  void add_logged_v2_migrations(bool sleep_up, bool sleep_down) {
    const std::string sleep = "SELECT pg_sleep(3);\n";
    write_migration(
        "0002_orders.up.sql",
        "CREATE TABLE IF NOT EXISTS migration_log (script text NOT NULL);\n"
        "INSERT INTO migration_log VALUES ('0002 up');\n"
        "CREATE TABLE orders (id serial PRIMARY KEY, user_id int REFERENCES users(id));\n"
        "INSERT INTO orders (user_id) SELECT id FROM users WHERE id <= 5;");
    write_migration("0002_orders.down.sql",
                    "INSERT INTO migration_log VALUES ('0002 down');\n"
                    "DROP TABLE orders;");
    write_migration("0003_email.up.sql", "INSERT INTO migration_log VALUES ('0003 up');\n" +
                                             (sleep_up ? sleep : "") +
                                             "ALTER TABLE users ADD COLUMN email text;");
    write_migration("0003_email.down.sql", "INSERT INTO migration_log VALUES ('0003 down');\n" +
                                               (sleep_down ? sleep : "") +
                                               "ALTER TABLE users DROP COLUMN email;");
  }

  // "0002 up x1", ...: how often each script committed.
  std::vector<std::string> script_runs() {
    return column(
        "SELECT script || ' x' || count(*) FROM migration_log GROUP BY script ORDER BY script");
  }

  bool a_script_sleeps() {
    return scalar(
               "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND "
               "wait_event = 'PgSleep'") == "1";
  }

  // Stops the server while a migration script sleeps in it, keeps it down
  // until the Release says so and a little longer (rewind's retries meet a
  // closed port), then starts it again.
  void restart_while_a_script_sleeps() {
    ASSERT_TRUE(eventually([&] { return a_script_sleeps(); }, 60s, 50ms)) << svc_->describe();
    server_->stop();
    EXPECT_NE(server_->log().find("terminating connection due to administrator command"),
              std::string::npos)
        << "the restart ended the migration's session";
    EXPECT_TRUE(
        eventually([&] { return condition_reason("Progressing") == "DatabaseUnreachable"; }, 30s))
        << svc_->describe();
    // The message names the database, as rewind's retries meet a closed port.
    EXPECT_TRUE(eventually(
        [&] {
          return svc_->status()["status"].value("message", "").find(address()) != std::string::npos;
        },
        15s))
        << svc_->describe();
    std::this_thread::sleep_for(1s);
    EXPECT_FALSE(watcher_->wait_exit(0ms).has_value()) << "rewind watch ended";
    server_->start();
  }

  // How messages name the database: postgresql://rewind:***@127.0.0.1:<port>/<db>.
  std::string address() const {
    return "@127.0.0.1:" + std::to_string(server_->port()) + "/" + db_;
  }

  // Lines of watch log 1 that contain `text`.
  std::vector<std::string> log_lines(const std::string& text) const {
    std::vector<std::string> out;
    std::istringstream in(ComposeService::read_text(svc_->log("1")));
    for (std::string line; std::getline(in, line);) {
      if (line.find(text) != std::string::npos) out.push_back(line);
    }
    return out;
  }

  // While the server was down, rewind logged an error naming the database
  // (host, port and name) and never the password.
  void expect_a_clear_error_in_the_log() {
    bool named = false;
    for (const auto& line : log_lines(address())) {
      named = named || line.find(" error ") != std::string::npos;
    }
    EXPECT_TRUE(named) << "no error line names " << address() << ":\n"
                       << ComposeService::read_text(svc_->log("1"));
    EXPECT_TRUE(log_lines(server_->password()).empty());
    EXPECT_EQ(svc_->status().dump().find(server_->password()), std::string::npos);
  }

  // "True Settled": a condition's status and reason.
  std::string condition(const char* type) {
    const auto s = svc_->status();
    if (!s.contains("status") || !s["status"].contains("conditions")) return "";
    for (const auto& c : s["status"]["conditions"]) {
      if (c.value("type", "") == type) return c.value("status", "") + " " + c.value("reason", "");
    }
    return "";
  }

  // The Release settled at the schema `revision`: nothing in flight, the
  // outage no longer reported, the migration status from the database.
  void expect_settled(const std::string& phase, const std::string& revision) {
    EXPECT_TRUE(eventually([&] {
      return condition("Progressing") == "False Settled" &&
             condition("Ready") == "True RevisionReady" &&
             condition("Degraded") == "False NoFailure";
    })) << svc_->describe();
    const auto st = svc_->status()["status"];
    EXPECT_EQ(st.value("phase", ""), phase) << st.dump(2);
    EXPECT_EQ(st["migration"].value("revision", ""), revision) << st.dump(2);
    EXPECT_TRUE(st["migration"]["lastBackup"].value("verified", false)) << st.dump(2);
  }
};

TEST_F(PostgresRestartTest, ARestartDuringTheUpMigrationIsRetriedAndEachScriptAppliesOnce) {
  ASSERT_NO_FATAL_FAILURE(start_at_v1());
  const auto dumps_before = dump_files().size();
  add_logged_v2_migrations(/*sleep_up=*/true, /*sleep_down=*/false);
  write_release("rewind-demo:v2", "0003");
  ASSERT_NO_FATAL_FAILURE(restart_while_a_script_sleeps());

  ASSERT_TRUE(eventually([&] { return svc_->stable_at(2) && svc_->served_version() == "v2"; }))
      << svc_->describe();
  EXPECT_EQ(applied(), (std::vector<std::string>{"0001", "0002", "0003"}));
  EXPECT_EQ(script_runs(), (std::vector<std::string>{"0002 up x1", "0003 up x1"}));
  EXPECT_EQ(scalar("SELECT count(*) FROM orders"), "5");
  EXPECT_EQ(scalar("SELECT count(*) FROM users"), "50");
  EXPECT_EQ(scalar("SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' "
                   "AND column_name = 'email'"),
            "1");
  // 0003 ran again after the restart; 0002, committed before it, did not.
  EXPECT_EQ(log_lines("running 0002_orders.up.sql").size(), 1U);
  EXPECT_GE(log_lines("running 0003_email.up.sql").size(), 2U);

  expect_settled("Healthy", "0003");
  EXPECT_EQ(svc_->outcomes(), (std::vector<std::string>{"Superseded", "Healthy"}));
  EXPECT_EQ(dump_files().size(), dumps_before + 1) << "one backup for the upgrade";
  expect_a_clear_error_in_the_log();
  EXPECT_EQ(watcher_->stop(), 0);
}

// The restart hits the COMMIT of a script (a deferred constraint trigger
// sleeps there), so the client cannot tell whether it committed: rewind
// reads rewind_schema_migrations again once the server is back instead of
// giving up.
TEST_F(PostgresRestartTest, ARestartDuringTheCommitOfAScriptIsRetriedAndTheScriptAppliesOnce) {
  ASSERT_NO_FATAL_FAILURE(start_at_v1());
  const auto dumps_before = dump_files().size();
  add_logged_v2_migrations(/*sleep_up=*/false, /*sleep_down=*/false);
  write_migration("0003_email.up.sql",
                  "INSERT INTO migration_log VALUES ('0003 up');\n"
                  "ALTER TABLE users ADD COLUMN email text;\n"
                  "CREATE TABLE commit_gate (id int);\n"
                  "CREATE FUNCTION commit_gate() RETURNS trigger LANGUAGE plpgsql AS\n"
                  "  $$BEGIN PERFORM pg_sleep(3); RETURN NULL; END$$;\n"
                  "CREATE CONSTRAINT TRIGGER commit_gate AFTER INSERT ON commit_gate\n"
                  "  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION commit_gate();\n"
                  "INSERT INTO commit_gate VALUES (1);");
  write_release("rewind-demo:v2", "0003");
  ASSERT_NO_FATAL_FAILURE(restart_while_a_script_sleeps());

  ASSERT_TRUE(eventually([&] { return svc_->stable_at(2) && svc_->served_version() == "v2"; }))
      << svc_->describe();
  EXPECT_EQ(applied(), (std::vector<std::string>{"0001", "0002", "0003"}));
  EXPECT_EQ(script_runs(), (std::vector<std::string>{"0002 up x1", "0003 up x1"}));
  EXPECT_EQ(scalar("SELECT count(*) FROM commit_gate"), "1");
  EXPECT_FALSE(
      log_lines("broke during COMMIT; whether the transaction committed is unknown").empty());
  EXPECT_EQ(log_lines("running 0002_orders.up.sql").size(), 1U);
  EXPECT_GE(log_lines("running 0003_email.up.sql").size(), 2U);
  expect_settled("Healthy", "0003");
  EXPECT_EQ(svc_->outcomes(), (std::vector<std::string>{"Superseded", "Healthy"}));
  EXPECT_EQ(dump_files().size(), dumps_before + 1);
  expect_a_clear_error_in_the_log();
  EXPECT_EQ(watcher_->stop(), 0);
}

TEST_F(PostgresRestartTest, ARestartDuringTheDowngradeOfARevertResumesWithoutASecondBackup) {
  ASSERT_NO_FATAL_FAILURE(start_at_v1());
  add_logged_v2_migrations(/*sleep_up=*/false, /*sleep_down=*/true);
  write_release("rewind-demo:v2", "0003");
  ASSERT_TRUE(eventually([&] { return svc_->stable_at(2) && svc_->served_version() == "v2"; }))
      << svc_->describe();
  const auto dumps_before = dump_files().size();

  // git revert; history kept the down scripts, the slow one among them.
  remove_v2_migrations();
  write_release("rewind-demo:v1", "0001");
  ASSERT_NO_FATAL_FAILURE(restart_while_a_script_sleeps());
  EXPECT_EQ(dump_files().size(), dumps_before + 1) << "the backup came before the down script";

  ASSERT_TRUE(eventually([&] { return svc_->stable_at(1) && svc_->served_version() == "v1"; }))
      << svc_->describe();
  EXPECT_EQ(applied(), std::vector<std::string>{"0001"});
  EXPECT_EQ(script_runs(),
            (std::vector<std::string>{"0002 down x1", "0002 up x1", "0003 down x1", "0003 up x1"}));
  EXPECT_EQ(scalar("SELECT to_regclass('orders') IS NULL"), "t");
  EXPECT_EQ(scalar("SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' "
                   "AND column_name = 'email'"),
            "0");
  EXPECT_EQ(scalar("SELECT count(*) FROM users"), "50");
  EXPECT_GE(log_lines("running 0003_email.down.sql").size(), 2U);
  EXPECT_EQ(log_lines("running 0002_orders.down.sql").size(), 1U);

  expect_settled("RolledBack", "0001");
  EXPECT_EQ(condition("RolledBack"), "True RevertedInSource");
  const auto st = svc_->status()["status"];
  EXPECT_EQ(st["lastRollback"].value("trigger", ""), "RevertedInSource") << st.dump(2);
  EXPECT_TRUE(st["lastRollback"].contains("finishedAt")) << st.dump(2);
  EXPECT_EQ(svc_->outcomes(), (std::vector<std::string>{"Healthy", "RolledBack"}));
  EXPECT_EQ(dump_files().size(), dumps_before + 1) << "one backup for the downgrade, not one per "
                                                      "attempt";
  expect_a_clear_error_in_the_log();
  EXPECT_EQ(watcher_->stop(), 0);
}

}  // namespace
}  // namespace rwd::itest
