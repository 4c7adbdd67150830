// Schema changes end to end: the real `rewind watch`, a compose-style
// service on the real Docker Engine, and a private PostgreSQL server. Every
// assertion is on the outside world: rewind_schema_migrations, the tables
// and their rows, the dump files (pg_restore --list, sha256sum), the
// databases on the server, what the service answers on /version.

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "compose_service.hpp"
#include "docker_env.hpp"
#include "migrate_fixture.hpp"
#include "postgres_server.hpp"
#include "watcher_process.hpp"

namespace rwd::itest {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* kMigrateBinary = "/usr/local/bin/migrate";  // scripts/setup builds it

// An image as a team's CI builds it: the app, a shell, golang-migrate and
// this version's migrations in /migrations. `docker import` (no registry
// here), with Debian's static busybox as /bin/sh.
::testing::AssertionResult build_app_image(const std::string& ref, const std::string& version,
                                           const std::map<std::string, std::string>& migrations) {
  if (!fs::exists(kMigrateBinary)) {
    return ::testing::AssertionFailure() << kMigrateBinary << " is missing: run scripts/setup";
  }
  char tmpl[] = "/tmp/rewind-image-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) return ::testing::AssertionFailure() << "mkdtemp failed";
  const fs::path root = tmpl;
  fs::create_directories(root / "bin");
  fs::create_directories(root / "migrations");
  fs::copy_file(demo_app_binary(), root / "demo-app");
  fs::copy_file("/bin/busybox", root / "bin" / "sh");
  fs::copy_file(kMigrateBinary, root / "migrate");
  for (const auto& [name, sql] : migrations)
    std::ofstream(root / "migrations" / name) << sql << "\n";
  const CommandResult r = run_command("tar -C " + root.string() +
                                      " -c . | docker import --change 'CMD [\"/demo-app\"]' "
                                      "--change 'ENV DEMO_VERSION=" +
                                      version + "' --change 'EXPOSE 8080' - " + ref + " 2>&1");
  std::error_code ec;
  fs::remove_all(root, ec);
  if (r.exit_code != 0) return ::testing::AssertionFailure() << "docker import: " << r.output;
  return ::testing::AssertionSuccess();
}

TEST_F(MigrateTest, UpgradeAppliesTwoMigrationsAfterAVerifiedBackupAndARevertDowngradesThem) {
  upgrade();
  EXPECT_EQ(applied(), (std::vector<std::string>{"0001", "0002", "0003"}));
  EXPECT_EQ(scalar("SELECT count(*) FROM orders"), "5");

  // The dump taken before the upgrade is in history, on disk, and verifies.
  const auto h = svc_->history();
  ASSERT_EQ(h["revisions"].size(), 2U);
  const auto& pre = h["revisions"][1]["backup"];
  ASSERT_TRUE(pre.is_object()) << h.dump(2);
  EXPECT_TRUE(pre.value("verified", false));
  const std::string pre_path = pre.value("path", "");
  ASSERT_TRUE(fs::exists(pre_path)) << pre_path;
  const CommandResult sum = run_command("sha256sum " + pre_path);
  EXPECT_EQ(sum.output.substr(0, 64), pre.value("sha256", "")) << sum.output;
  EXPECT_EQ(pre_path.find(server_->password()), std::string::npos);
  EXPECT_TRUE(h["revisions"][1].contains("downScripts"))
      << "history keeps 0002/0003's down scripts";

  // git revert: the file and the migrations folder are v1's again.
  remove_v2_migrations();
  write_release("rewind-demo:v1", "0001");
  ASSERT_TRUE(eventually([&] { return svc_->stable_at(1) && svc_->served_version() == "v1"; }))
      << svc_->describe();
  EXPECT_EQ(applied(), std::vector<std::string>{"0001"});
  EXPECT_EQ(scalar("SELECT to_regclass('orders') IS NULL"), "t");
  EXPECT_EQ(scalar("SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' "
                   "AND column_name = 'email'"),
            "0");
  EXPECT_EQ(scalar("SELECT count(*) FROM users"), "50");

  // A new dump was taken before the downgrade: it holds the orders table.
  const auto st = svc_->status()["status"];
  EXPECT_EQ(st["lastRollback"].value("trigger", ""), "RevertedInSource");
  const auto& mig = st["migration"];
  EXPECT_EQ(mig.value("revision", ""), "0001");
  const std::string down_path = mig["lastBackup"].value("path", "");
  ASSERT_NE(down_path, pre_path);
  EXPECT_TRUE(mig["lastBackup"].value("verified", false));
  const CommandResult toc = run_command("pg_restore --list " + down_path);
  EXPECT_NE(toc.output.find("TABLE public orders"), std::string::npos) << toc.output;
  ASSERT_EQ(mig["rowCounts"].size(), 1U) << mig.dump(2);
  EXPECT_EQ(mig["rowCounts"][0].value("table", ""), "users");
  EXPECT_EQ(mig["rowCounts"][0].value("before", -1), 50);
  EXPECT_EQ(mig["rowCounts"][0].value("after", -1), 50);
  EXPECT_EQ(watcher_->stop(), 0);
}

TEST_F(MigrateTest, ABackupThatFailsBlocksTheDowngradeAndNothingChangesUntilItWorks) {
  upgrade();
  // The backup directory becomes a file: pg_dump cannot write there.
  const fs::path aside = backups_.string() + ".aside";
  fs::rename(backups_, aside);
  std::ofstream(backups_) << "not a directory\n";

  remove_v2_migrations();
  write_release("rewind-demo:v1", "0001");
  ASSERT_TRUE(eventually([&] { return condition_reason("Progressing") == "BackupFailed"; }))
      << svc_->describe();
  EXPECT_EQ(applied(), (std::vector<std::string>{"0001", "0002", "0003"}));
  EXPECT_EQ(svc_->served_version(), "v2");
  EXPECT_EQ(scalar("SELECT count(*) FROM orders"), "5");
  const std::string message = svc_->status()["status"].value("message", "");
  EXPECT_NE(message.find(backups_.string()), std::string::npos) << message;
  EXPECT_EQ(message.find(server_->password()), std::string::npos) << message;

  // Fixed: the retry backs up and the downgrade goes through.
  fs::remove(backups_);
  fs::rename(aside, backups_);
  ASSERT_TRUE(eventually([&] { return svc_->stable_at(1) && svc_->served_version() == "v1"; }))
      << svc_->describe();
  EXPECT_EQ(applied(), std::vector<std::string>{"0001"});
}

// A session holding ACCESS EXCLUSIVE blocks even the backup's pg_dump; one
// that only read a table (ACCESS SHARE, a long report) blocks the DDL of the
// down migration. Either way the Release says MigrationBlocked within
// seconds, nothing changes, and the downgrade finishes once the lock goes.
class BlockedTest : public MigrateTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(BlockedTest, ALockedTableShowsMigrationBlockedWithinSecondsThenTheDowngradeFinishes) {
  upgrade();
  auto holder = std::make_unique<pqxx::connection>(server_->url(db_));
  auto tx = std::make_unique<pqxx::work>(*holder);
  tx->exec(GetParam());

  remove_v2_migrations();
  write_release("rewind-demo:v1", "0001", "1s");
  ASSERT_TRUE(
      eventually([&] { return condition_reason("Progressing") == "MigrationBlocked"; }, 30s))
      << svc_->describe();
  EXPECT_EQ(svc_->served_version(), "v2") << "nothing moved while the schema could not";
  EXPECT_EQ(applied(), (std::vector<std::string>{"0001", "0002", "0003"}));

  tx->commit();
  tx.reset();
  holder.reset();
  ASSERT_TRUE(eventually([&] { return svc_->stable_at(1) && svc_->served_version() == "v1"; }))
      << svc_->describe();
  EXPECT_EQ(applied(), std::vector<std::string>{"0001"});
}

INSTANTIATE_TEST_SUITE_P(Locks, BlockedTest,
                         ::testing::Values("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE",
                                           "SELECT count(*) FROM users"),
                         [](const ::testing::TestParamInfo<const char*>& p) {
                           return p.index == 0 ? std::string("AccessExclusive")
                                               : std::string("LongRead");
                         });

TEST_F(MigrateTest, ARestoreBackupRollbackBringsBackTheDataOfBeforeTheUpgradeAndKeepsTheRest) {
  upgrade();
  const std::string pre_path = svc_->history()["revisions"][1]["backup"].value("path", "");
  // The bad hours: rows written after the upgrade.
  column(
      "INSERT INTO users (name, email) SELECT 'late' || g, 'x' FROM generate_series(1, 7) g "
      "RETURNING id");
  ASSERT_EQ(scalar("SELECT count(*) FROM users"), "57");

  std::ofstream(svc_->releases() / "rollback.yaml")
      << "apiVersion: rewind.dev/v1alpha1\nkind: Rollback\n"
         "metadata: {name: incident-1, namespace: it}\n"
         "spec: {releaseRef: {name: api}, to: previous, restoreBackup: true}\n";
  ASSERT_TRUE(eventually([&] { return svc_->served_version() == "v1" && applied().size() == 1; }))
      << svc_->describe();
  EXPECT_EQ(scalar("SELECT count(*) FROM users"), "50");
  EXPECT_EQ(scalar("SELECT to_regclass('orders') IS NULL"), "t");
  const auto mig = svc_->status()["status"]["migration"];
  EXPECT_EQ(mig.value("restoredFrom", ""), pre_path) << mig.dump(2);
  const std::string kept = mig.value("keptAs", "");
  ASSERT_EQ(kept.rfind(db_ + "_before_rollback_", 0), 0U) << kept;
  EXPECT_EQ(scalar("SELECT count(*) FROM users", kept), "57") << "the replaced data is kept";
  // ... and its rows of verifyTables are exported next to the backups.
  const std::string exported = mig.value("exportedRows", "");
  ASSERT_EQ(fs::path(exported).parent_path(), backups_) << mig.dump(2);
  const CommandResult toc = run_command("pg_restore --list " + exported);
  EXPECT_EQ(toc.exit_code, 0) << toc.output;
  EXPECT_NE(toc.output.find("TABLE DATA public users"), std::string::npos) << toc.output;
}

// kill -9 at each step boundary of a downgrade with backup, quiesce and row
// counts; the next start finishes the plan without applying anything twice.
class KillTest : public MigrateTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(KillTest, AKillDuringTheDowngradeResumesWithoutApplyingAnythingTwice) {
  const std::string worker = svc_->project() + "_worker_1";
  ASSERT_NO_FATAL_FAILURE(start_worker(worker));
  const std::string quiesce = "    quiesce: [worker]\n";
  ASSERT_NO_FATAL_FAILURE(upgrade("1", quiesce));
  EXPECT_EQ(watcher_->stop(), 0);
  const auto dumps_before = dump_files();

  remove_v2_migrations();
  write_release("rewind-demo:v1", "0001", "5s", quiesce);
  auto killed = watch("2", {{"REWIND_TEST_KILL_AT", GetParam()}});
  const auto died = killed->wait_exit(60s);
  ASSERT_TRUE(died.has_value()) << "the kill point was not reached";
  ASSERT_TRUE(WIFSIGNALED(*died) && WTERMSIG(*died) == SIGKILL);

  watcher_ = watch("1");
  ASSERT_TRUE(eventually([&] { return svc_->stable_at(1) && svc_->served_version() == "v1"; }))
      << svc_->describe();
  EXPECT_EQ(applied(), std::vector<std::string>{"0001"});
  EXPECT_EQ(scalar("SELECT count(*) FROM users"), "50");
  EXPECT_EQ(scalar("SELECT to_regclass('orders') IS NULL"), "t");
  const auto st = svc_->status()["status"];
  EXPECT_EQ(st["migration"].value("revision", ""), "0001");
  EXPECT_EQ(st["lastRollback"].value("trigger", ""), "RevertedInSource");
  EXPECT_TRUE(eventually([&] {
    return trimmed(run_command("docker inspect -f '{{.State.Running}}' " + worker).output) ==
           "true";
  })) << "the quiesced worker runs again";
  EXPECT_EQ(dump_files().size(), dumps_before.size() + 1) << "one backup for the downgrade, "
                                                             "not one per start";
}

INSTANTIATE_TEST_SUITE_P(SchemaSteps, KillTest,
                         ::testing::Values("backup:after-dump", "after-step:backup",
                                           "quiesce:after-stop", "after-step:quiesce",
                                           "migrate:after-migrate", "after-step:migrate",
                                           "after-step:verify-row-counts"),
                         [](const ::testing::TestParamInfo<const char*>& p) {
                           std::string name = p.param;
                           for (auto& c : name) {
                             if (std::isalnum(static_cast<unsigned char>(c)) == 0) c = '_';
                           }
                           return name;
                         });

TEST_F(MigrateTest, ADrillExercisesTheRollbackPathOnACopyAndRollbackReadyFollowsIt) {
  upgrade();
  ASSERT_TRUE(eventually([&] { return condition_reason("RollbackReady") == "NoDrill"; }))
      << svc_->describe();

  const CommandResult passed = drill_command();
  EXPECT_EQ(passed.exit_code, 0) << passed.output;
  EXPECT_NE(passed.output.find("passed"), std::string::npos) << passed.output;
  EXPECT_EQ(passed.output.find(server_->password()), std::string::npos) << passed.output;
  EXPECT_TRUE(last_drill().value("passed", false)) << last_drill().dump(2);
  EXPECT_TRUE(drill_databases().empty()) << "the copy is dropped";
  EXPECT_EQ(applied(), (std::vector<std::string>{"0001", "0002", "0003"})) << "live untouched";
  EXPECT_EQ(scalar("SELECT count(*) FROM orders"), "5");
  ASSERT_TRUE(eventually([&] {
    return condition_reason("RollbackReady") == "PreviousRevisionReady";
  })) << svc_->describe();

  // A down script that no longer works: the drill says so before a real
  // rollback would find out.
  write_migration("0003_email.down.sql", "ALTER TABLE users DROP COLUMN no_such_column;");
  const CommandResult failed = drill_command();
  EXPECT_EQ(failed.exit_code, 1) << failed.output;
  EXPECT_NE(failed.output.find("no_such_column"), std::string::npos) << failed.output;
  EXPECT_FALSE(last_drill().value("passed", true));
  EXPECT_TRUE(drill_databases().empty());
  EXPECT_EQ(applied(), (std::vector<std::string>{"0001", "0002", "0003"}));
  ASSERT_TRUE(eventually([&] { return condition_reason("RollbackReady") == "DrillFailed"; }))
      << svc_->describe();
}

TEST_F(MigrateTest, TheWatcherDrillsOnItsOwnWithDrillEvery) {
  upgrade();
  write_release("rewind-demo:v2", "0003", "5s", "    drill: {every: 1h}\n");
  ASSERT_TRUE(eventually([&] { return last_drill().value("passed", false); })) << svc_->describe();
  ASSERT_TRUE(eventually([&] {
    return condition_reason("RollbackReady") == "PreviousRevisionReady";
  })) << svc_->describe();
  EXPECT_TRUE(drill_databases().empty());
  EXPECT_EQ(applied(), (std::vector<std::string>{"0001", "0002", "0003"}));
  EXPECT_EQ(svc_->served_version(), "v2");
}

// A fleet's host: `rewind watch --state postgres://` keeps history and status
// in the shared database (under its --state-host name), not in the state
// directory, carries out an upgrade and a revert from there, and
// `rewind status --state` and `rewind history --state` read them back. The
// password reaches rewind only through PGPASSWORD.
TEST_F(MigrateTest, AWatcherWithStateInPostgresKeepsHistoryAndStatusInTheDatabase) {
  const std::string state_db = db_ + "_state";
  admin("CREATE DATABASE " + state_db);
  std::string state_url = server_->url(state_db);
  state_url.erase(state_url.find(":" + server_->password()), server_->password().size() + 1);
  const std::vector<std::string> args{"--state", state_url, "--state-host", "edge-7"};
  const std::vector<std::pair<std::string, std::string>> env{{"PGPASSWORD", server_->password()}};
  auto stored = [&](const std::string& field) {
    return scalar("SELECT body->'status'->>'" + field +
                      "' FROM rewind_statuses WHERE host = "
                      "'edge-7' AND kind = 'releases' AND namespace = 'it' AND name = 'api'",
                  state_db);
  };
  auto stable_at = [&](const std::string& revision) {
    return stored("stableRevision") == revision && stored("currentRevision") == revision &&
           stored("progress") == "NULL";
  };

  write_release("rewind-demo:v1", "0001");
  watcher_ = watch("1", env, args);
  ASSERT_TRUE(eventually([&] { return stable_at("1"); })) << stored("conditions");
  add_v2_migrations();
  write_release("rewind-demo:v2", "0003");
  ASSERT_TRUE(eventually([&] { return stable_at("2") && svc_->served_version() == "v2"; }))
      << stored("conditions");
  EXPECT_EQ(applied(), (std::vector<std::string>{"0001", "0002", "0003"}));

  // Nothing of it in the state directory's files.
  EXPECT_FALSE(fs::exists(svc_->state() / "status" / "it" / "releases" / "api.json"));
  EXPECT_FALSE(fs::exists(svc_->state() / "history" / "it" / "api.json"));
  EXPECT_EQ(scalar("SELECT jsonb_array_length(body->'revisions') FROM rewind_histories WHERE "
                   "host = 'edge-7' AND namespace = 'it' AND name = 'api'",
                   state_db),
            "2");

  // The revert, from the database's history (the down scripts are kept there).
  remove_v2_migrations();
  write_release("rewind-demo:v1", "0001");
  ASSERT_TRUE(eventually([&] { return stable_at("1") && svc_->served_version() == "v1"; }))
      << stored("conditions");
  EXPECT_EQ(applied(), std::vector<std::string>{"0001"});
  EXPECT_NE(stored("lastRollback").find("RevertedInSource"), std::string::npos)
      << stored("lastRollback");

  const std::string bin = std::string(REWIND_BINARY_DIR) + "/controller/cli/rewind";
  const std::string pg = "PGPASSWORD=" + server_->password() + " ";
  const CommandResult status = run_command(pg + bin + " status --state " + state_url + " 2>&1");
  EXPECT_EQ(status.exit_code, 0) << status.output;
  EXPECT_NE(status.output.find("edge-7"), std::string::npos) << status.output;
  EXPECT_NE(status.output.find("api"), std::string::npos) << status.output;
  const CommandResult history =
      run_command(pg + bin + " history api -n it --state " + state_url + " 2>&1");
  EXPECT_EQ(history.exit_code, 0) << history.output;
  EXPECT_NE(history.output.find("rewind-demo:v2"), std::string::npos) << history.output;
  for (const auto* out : {&status.output, &history.output}) {
    EXPECT_EQ(out->find(server_->password()), std::string::npos) << *out;
  }
  EXPECT_EQ(ComposeService::read_text(svc_->log("1")).find(server_->password()), std::string::npos);
  EXPECT_EQ(watcher_->stop(), 0);
}

// golang-migrate with runIn image, as a team ships it: the migrations live in
// the app's image, and rewind runs the image's own `migrate` in a one-off
// container on the service's network (the server is reached on the docker0
// bridge). The upgrade runs `goto 3` in v2's image; the drill and the revert
// run `goto 1` in v2's image too, because v1's does not know 2 and 3.
TEST_F(MigrateTest, GolangMigrateRunsInsideTheImagesOwnContainerUpDrillAndDown) {
  ASSERT_FALSE(bridge_.empty()) << "no docker0 address: the containers cannot reach the server";
  const std::string repo = unique_name("app");
  struct Images {
    std::string repo;
    ~Images() { run_command("docker rmi -f " + repo + ":v1 " + repo + ":v2 >/dev/null 2>&1"); }
  } images{repo};
  const std::map<std::string, std::string> v1{
      {"1_users.up.sql",
       "CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL);\n"
       "INSERT INTO users (name) SELECT 'user' || g FROM generate_series(1, 50) g;"},
      {"1_users.down.sql", "DROP TABLE users;"}};
  std::map<std::string, std::string> v2 = v1;
  v2["2_orders.up.sql"] = "CREATE TABLE orders (id serial PRIMARY KEY, user_id int);";
  v2["2_orders.down.sql"] = "DROP TABLE orders;";
  v2["3_email.up.sql"] = "ALTER TABLE users ADD COLUMN email text;";
  v2["3_email.down.sql"] = "ALTER TABLE users DROP COLUMN email;";
  ASSERT_TRUE(build_app_image(repo + ":v1", "v1", v1));
  ASSERT_TRUE(build_app_image(repo + ":v2", "v2", v2));
  url_ = server_->url_with("rewind", server_->password(), db_);
  url_.replace(url_.find("127.0.0.1"), 9, bridge_);
  url_ += "?sslmode=disable";

  const std::string command =
      "[/bin/sh, -c, 'exec /migrate -path /migrations -database \"$DATABASE_URL\" goto "
      "{{revision}}']";
  auto release = [&](const std::string& tag, const std::string& revision) {
    svc_->write_release(
        repo + ":" + tag,
        "  migration:\n"
        "    database: {urlFrom: {env: " +
            std::string(kUrlVar) +
            "}}\n"
            "    driver: golang-migrate\n"
            "    revision: \"" +
            revision +
            "\"\n"
            "    runIn: image\n"
            "    upCommand: " +
            command +
            "\n"
            "    downCommand: " +
            command +
            "\n"
            "    commandTimeout: 60s\n"
            "    backup: {directory: " +
            backups_.string() +
            ", keep: 10}\n"
            "    verifyTables: [users]\n"
            "    lockTimeout: 5s\n"
            "  healthCheck: {http: {path: /health, port: 8080}, interval: 500ms, timeout: 1s, "
            "failureThreshold: 3}\n"
            "  rollbackPolicy: {progressDeadline: 2m}\n");
  };
  auto version = [&] {
    return scalar("SELECT version::text || ' ' || dirty::text FROM schema_migrations");
  };

  release("v1", "1");
  watcher_ = watch("1");
  ASSERT_TRUE(
      eventually([&] { return svc_->stable_at(1) && svc_->served_version() == "v1"; }, 120s))
      << svc_->describe();
  EXPECT_EQ(version(), "1 false");
  EXPECT_EQ(scalar("SELECT count(*) FROM users"), "50");

  release("v2", "3");
  ASSERT_TRUE(
      eventually([&] { return svc_->stable_at(2) && svc_->served_version() == "v2"; }, 120s))
      << svc_->describe();
  EXPECT_EQ(version(), "3 false");
  EXPECT_EQ(scalar("SELECT to_regclass('orders') IS NOT NULL"), "t");

  // The drill: v2's image moves a copy down to 1; the live database stays at 3.
  const CommandResult drilled = drill_command();
  EXPECT_EQ(drilled.exit_code, 0) << drilled.output;
  EXPECT_NE(drilled.output.find("passed"), std::string::npos) << drilled.output;
  EXPECT_NE(drilled.output.find("migrated 3 -> 1"), std::string::npos) << drilled.output;
  EXPECT_EQ(drilled.output.find(server_->password()), std::string::npos) << drilled.output;
  EXPECT_TRUE(drill_databases().empty());
  EXPECT_EQ(version(), "3 false");

  // The revert: a verified backup, then `goto 1` in v2's image, then v1 starts.
  release("v1", "1");
  ASSERT_TRUE(
      eventually([&] { return svc_->stable_at(1) && svc_->served_version() == "v1"; }, 120s))
      << svc_->describe();
  EXPECT_EQ(version(), "1 false");
  EXPECT_EQ(scalar("SELECT to_regclass('orders') IS NULL"), "t");
  EXPECT_EQ(scalar("SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' "
                   "AND column_name = 'email'"),
            "0");
  EXPECT_EQ(scalar("SELECT count(*) FROM users"), "50");
  const auto mig = svc_->status()["status"]["migration"];
  EXPECT_TRUE(mig["lastBackup"].value("verified", false)) << mig.dump(2);
  // No one-off container is left behind.
  EXPECT_EQ(trimmed(run_command("docker ps -aq --filter label=rewind.dev/one-off --filter "
                                "label=com.docker.compose.project=" +
                                svc_->project() + " | wc -l")
                        .output),
            "0");
  EXPECT_EQ(ComposeService::read_text(svc_->log("1")).find(server_->password()), std::string::npos);
  EXPECT_EQ(watcher_->stop(), 0);
}

TEST_F(MigrateTest, QuiescedWorkersAreStoppedForTheDowngradeAndStartedAgain) {
  const std::string worker = svc_->project() + "_worker_1";
  ASSERT_NO_FATAL_FAILURE(start_worker(worker));
  auto state = [&](const char* field) {
    return trimmed(
        run_command("docker inspect -f '{{.State." + std::string(field) + "}}' " + worker).output);
  };
  const std::string first_start = state("StartedAt");
  const std::string quiesce = "    quiesce: [worker]\n";
  ASSERT_NO_FATAL_FAILURE(upgrade("1", quiesce));
  EXPECT_EQ(state("StartedAt"), first_start) << "an upgrade does not quiesce";

  remove_v2_migrations();
  write_release("rewind-demo:v1", "0001", "5s", quiesce);
  ASSERT_TRUE(eventually([&] { return svc_->stable_at(1) && svc_->served_version() == "v1"; }))
      << svc_->describe();
  EXPECT_EQ(applied(), std::vector<std::string>{"0001"});
  ASSERT_TRUE(eventually([&] { return state("Running") == "true"; })) << "started again";
  const std::string stopped = state("FinishedAt");
  const std::string restarted = state("StartedAt");
  EXPECT_NE(restarted, first_start) << "stopped for the downgrade, then started";
  EXPECT_LT(stopped, restarted) << "RFC 3339 times of one clock compare as text";
  EXPECT_EQ(watcher_->stop(), 0);
}

}  // namespace
}  // namespace rwd::itest
