// Schema changes through the whole reconcile loop, in memory: the order of
// backup, quiesce, migrate, row counts and container steps; what history and
// status keep; what a failed backup, a blocked migration and lost rows do.

#include <algorithm>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rewind/reconcile/conditions.hpp"

#include "execute/reconciler_loop.hpp"

namespace rwd::execute {
namespace {

using testing::BasicLoop;
using testing::FakePlatform;
using testing::release;
using ::testing::UnorderedElementsAre;

using Loop = BasicLoop<FakePlatform>;

model::Release with_schema(const std::string& image, const std::string& schema) {
  model::Release r = release(image);
  r.spec.notify.push_back(model::NotifySpec{model::WebhookSpec{"http://127.0.0.1:8099/hook"}});
  model::MigrationSpec m;
  m.database.env = "SHOP_DATABASE_URL";
  m.directory = "migrations";
  m.revision = schema;
  m.backup.directory = "/backups";
  m.quiesce = {"worker"};
  m.verify_tables = {"users"};
  r.spec.migration = m;
  return r;
}

// A compose worker beside the api container, for quiesce.
const std::string& add_worker(Loop& loop) {
  return loop.platform
      .add("shop_worker_1", "demo:worker", true, {{label::kComposeService, "worker"}})
      .id;
}

// Index of the first call equal to `call` in the database's log, or -1.
long position(const std::vector<std::string>& calls, const std::string& call) {
  const auto it = std::find(calls.begin(), calls.end(), call);
  return it == calls.end() ? -1 : it - calls.begin();
}

const model::Condition* cond(const model::ReleaseStatus& s, const char* type) {
  return reconcile::find_condition(s.conditions, type);
}
// The condition points into `s`: a temporary status would leave it dangling.
const model::Condition* cond(model::ReleaseStatus&& s, const char* type) = delete;

// v1 with schema 0001 adopted, then v2 with 0002 rolled out.
void upgrade_to_v2(Loop& loop) {
  loop.database.schema = "0001";  // what the adopted v1 runs on
  loop.database.rows["users"] = 10;
  loop.database.directory_down = {{"0001_init.down.sql", "DROP TABLE users;"}};
  ASSERT_FALSE(loop.settle(with_schema("demo:v1", "0001")).error);
  loop.database.directory_down["0002_orders.down.sql"] = "DROP TABLE orders;";
  const auto out = loop.settle(with_schema("demo:v2", "0002"));
  ASSERT_FALSE(out.error) << out.error->message;
  ASSERT_EQ(loop.database.schema, "0002");
}

TEST(ReconcilerDatabase, AnUpgradeBacksUpMigratesUpAndChecksRowsBeforeTheNewImageStarts) {
  Loop loop;
  upgrade_to_v2(loop);
  const auto& calls = loop.database.calls;
  EXPECT_EQ(std::count(calls.begin(), calls.end(), "migrate 0002"), 1);
  const long backup = position(calls, "backup");
  ASSERT_GE(backup, 0) << "backup.required defaults to true";
  EXPECT_LT(backup, position(calls, "migrate 0002"));
  EXPECT_EQ(loop.running_images(), std::vector<std::string>{"demo:v2"});

  const auto h = loop.history();
  ASSERT_EQ(h.revisions.size(), 2U);
  ASSERT_TRUE(h.revisions[1].backup) << "the dump taken before revision 2 went live";
  EXPECT_TRUE(h.revisions[1].backup->verified);
  EXPECT_EQ(h.revisions[1].down_scripts.count("0002_orders.down.sql"), 1U)
      << "history keeps the down scripts of the revision it records";

  const auto st = loop.status();
  ASSERT_TRUE(st.migration);
  EXPECT_EQ(st.migration->revision, "0002");
  ASSERT_TRUE(st.migration->last_backup);
  EXPECT_EQ(st.migration->last_backup->path, h.revisions[1].backup->path);
  ASSERT_EQ(st.migration->row_counts.size(), 1U);
  EXPECT_EQ(st.migration->row_counts[0].before, 10);
  EXPECT_EQ(st.migration->row_counts[0].after, 10);
}

TEST(ReconcilerDatabase, AGitOpsRevertBacksUpQuiescesDownMigratesWithKeptScriptsThenStartsOld) {
  Loop loop;
  const std::string worker = add_worker(loop);
  upgrade_to_v2(loop);
  loop.database.calls.clear();
  loop.platform.calls.clear();
  loop.database.directory_down = {{"0001_init.down.sql", "DROP TABLE users;"}};  // v1's checkout

  const auto out = loop.settle(with_schema("demo:v1", "0001"));
  ASSERT_FALSE(out.error) << out.error->message;
  EXPECT_EQ(loop.database.schema, "0001");
  EXPECT_THAT(loop.running_images(), UnorderedElementsAre("demo:v1", "demo:worker"));
  EXPECT_TRUE(loop.platform.containers.at(worker).running) << "the worker starts again";
  const auto& calls = loop.database.calls;
  ASSERT_GE(position(calls, "backup"), 0) << "a downgrade always backs up first";
  EXPECT_LT(position(calls, "backup"), position(calls, "migrate 0001"));
  EXPECT_EQ(loop.database.last_kept.count("0002_orders.down.sql"), 1U)
      << "the older checkout has no down script for 0002: history's is used";
  const auto& pcalls = loop.platform.calls;
  const auto stop_worker = std::find(pcalls.begin(), pcalls.end(), "stop shop_worker_1");
  const auto start_worker = std::find(pcalls.begin(), pcalls.end(), "start shop_worker_1");
  ASSERT_NE(stop_worker, pcalls.end());
  ASSERT_NE(start_worker, pcalls.end());
  EXPECT_LT(stop_worker, start_worker);

  const auto st = loop.status();
  ASSERT_TRUE(st.migration);
  EXPECT_EQ(st.migration->revision, "0001");
  ASSERT_TRUE(st.last_rollback);
  EXPECT_EQ(st.last_rollback->trigger, "RevertedInSource");
}

TEST(ReconcilerDatabase, AFailedBackupStopsTheDowngradeAndChangesNothing) {
  Loop loop;
  const std::string worker = add_worker(loop);
  upgrade_to_v2(loop);
  loop.database.calls.clear();
  loop.database.fail_backup = model::Error(model::ErrorKind::kTransient,
                                           "pg_dump -Fc exit 1: permission denied", "BackupFailed");

  const auto out = loop.settle(with_schema("demo:v1", "0001"));
  ASSERT_TRUE(out.error);
  EXPECT_EQ(loop.database.calls, std::vector<std::string>{"backup"});
  EXPECT_EQ(loop.database.schema, "0002");
  EXPECT_THAT(loop.running_images(), UnorderedElementsAre("demo:v2", "demo:worker"));
  EXPECT_TRUE(loop.platform.containers.at(worker).running);
  const auto st = loop.status();
  const auto* p = cond(st, "Progressing");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->reason, "BackupFailed");
  EXPECT_NE(p->message.find("permission denied"), std::string::npos) << p->message;

  // The directory is fixed: the next pass backs up and goes on.
  const auto again = loop.settle(with_schema("demo:v1", "0001"));
  ASSERT_FALSE(again.error) << again.error->message;
  EXPECT_EQ(loop.database.schema, "0001");
}

TEST(ReconcilerDatabase, ABlockedMigrationSaysSoStartsTheWorkersAgainAndRetriesFromQuiesce) {
  Loop loop;
  const std::string worker = add_worker(loop);
  upgrade_to_v2(loop);
  loop.database.fail_migrate = model::Error(
      model::ErrorKind::kTransient, "lock_timeout: table users is locked", "MigrationBlocked");

  const auto out = loop.settle(with_schema("demo:v1", "0001"));
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->kind, model::ErrorKind::kTransient);
  EXPECT_EQ(loop.database.schema, "0002");
  EXPECT_TRUE(loop.platform.containers.at(worker).running) << "quiesced services start again";
  const auto st = loop.status();
  const auto* p = cond(st, "Progressing");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->reason, "MigrationBlocked");
  // spec.notify hears it: blocked, and (the plan is a rollback that cannot
  // go on now) nothing else until it retries.
  const auto types = loop.notifier.types();
  EXPECT_NE(std::find(types.begin(), types.end(), "migration-blocked"), types.end())
      << ::testing::PrintToString(types);
  EXPECT_EQ(std::find(types.begin(), types.end(), "rollback-failed"), types.end())
      << "a transient block is not a failed rollback";

  loop.platform.calls.clear();
  const auto again = loop.settle(with_schema("demo:v1", "0001"));
  ASSERT_FALSE(again.error) << again.error->message;
  EXPECT_EQ(loop.database.schema, "0001");
  const auto& pcalls = loop.platform.calls;
  EXPECT_NE(std::find(pcalls.begin(), pcalls.end(), "stop shop_worker_1"), pcalls.end())
      << "the retry stops the worker again before it migrates";
  EXPECT_TRUE(loop.platform.containers.at(worker).running);
}

TEST(ReconcilerDatabase, AnUpgradeThatLosesRowsFailsItsRowCheckBeforeTheNewImageStarts) {
  Loop loop;
  loop.database.rows["users"] = 10;
  ASSERT_FALSE(loop.settle(with_schema("demo:v1", "0001")).error);
  loop.database.rows_at_schema["0002"] = {{"users", 7}};

  const auto out = loop.settle(with_schema("demo:v2", "0002"));
  ASSERT_TRUE(out.error);
  EXPECT_NE(out.error->message.find("3 rows lost"), std::string::npos) << out.error->message;
  EXPECT_EQ(loop.running_images(), std::vector<std::string>{"demo:v1"});
  const auto st = loop.status();
  ASSERT_TRUE(st.migration);
  ASSERT_EQ(st.migration->row_counts.size(), 1U);
  EXPECT_EQ(st.migration->row_counts[0].before, 10);
  EXPECT_EQ(st.migration->row_counts[0].after, 7);
}

TEST(ReconcilerDatabase, ADowngradeReportsLostRowsWithoutFailing) {
  Loop loop;
  upgrade_to_v2(loop);
  loop.database.rows_at_schema["0001"] = {{"users", 4}};
  const auto out = loop.settle(with_schema("demo:v1", "0001"));
  ASSERT_FALSE(out.error) << out.error->message;
  const auto st = loop.status();
  ASSERT_TRUE(st.migration);
  ASSERT_EQ(st.migration->row_counts.size(), 1U);
  EXPECT_EQ(st.migration->row_counts[0].after, 4);
}

TEST(ReconcilerDatabase, ARestoreBackupRollbackRestoresTheDumpTakenBeforeTheUpgrade) {
  Loop loop;
  upgrade_to_v2(loop);
  const std::string pre_upgrade = loop.history().revisions[1].backup->path;
  loop.database.rows["users"] = 25;  // the bad hours wrote rows
  loop.database.calls.clear();

  model::Rollback rb;
  rb.metadata = {"incident-7", "shop", "", 1, "", {}, {}};
  rb.spec.release_name = "api";
  rb.spec.to = model::RollbackTarget{model::RollbackTarget::Kind::kPrevious, {}};
  rb.spec.restore_backup = true;
  const auto out = loop.settle(with_schema("demo:v2", "0002"), {rb});
  ASSERT_FALSE(out.error) << out.error->message;
  EXPECT_GE(position(loop.database.calls, "restore " + pre_upgrade), 0);
  EXPECT_EQ(position(loop.database.calls, "migrate 0001"), -1) << "restored, not down-migrated";
  EXPECT_EQ(loop.database.schema, "0001") << ::testing::PrintToString(loop.database.calls);
  EXPECT_EQ(loop.database.rows.at("users"), 10);
  EXPECT_EQ(loop.running_images(), std::vector<std::string>{"demo:v1"});
  const auto st = loop.status();
  ASSERT_TRUE(st.migration);
  EXPECT_EQ(st.migration->restored_from, pre_upgrade);
  EXPECT_EQ(st.migration->kept_as.rfind("app_before_rollback_", 0), 0U) << st.migration->kept_as;
  EXPECT_EQ(st.migration->exported_rows, "/backups/" + st.migration->kept_as + ".dump");
  const auto stored = *loop.statuses.read_rollback({"shop", "incident-7"});
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->status.phase, model::RollbackPhase::kSucceeded);
  ASSERT_TRUE(stored->status.backup) << "the Rollback shows the backup its plan took";
}

// Reconciles until the controller's next wake-up is at least a minute away
// (periodic drills keep it requeueing, so it never waits for a change).
ReconcileOutcome until_quiet(Loop& loop, const model::Release& r) {
  ReconcileOutcome out;
  for (int i = 0; i < 50; ++i) {
    out = loop.reconciler.reconcile(r, {});
    if (out.action.is_await_change() || *out.action.requeue() >= std::chrono::minutes(1)) break;
    loop.clock += *out.action.requeue();
  }
  return out;
}

model::Release drilled(const std::string& image, const std::string& schema, model::Duration every) {
  model::Release r = with_schema(image, schema);
  r.spec.migration->drill.every = every;
  return r;
}

TEST(ReconcilerDatabase, RollbackReadyNeedsADrillThatPassed) {
  Loop loop;
  upgrade_to_v2(loop);
  const auto before = loop.status();
  const auto* ready = cond(before, "RollbackReady");
  ASSERT_NE(ready, nullptr);
  EXPECT_EQ(ready->status, model::ConditionStatus::kFalse);
  EXPECT_EQ(ready->reason, "NoDrill") << "a rollback path never exercised is not ready";

  loop.database.calls.clear();
  const auto out = until_quiet(loop, drilled("demo:v2", "0002", std::chrono::hours(6)));
  ASSERT_TRUE(out.action.requeue());
  EXPECT_GT(*out.action.requeue(), std::chrono::hours(6) - std::chrono::minutes(1))
      << "the next drill";
  EXPECT_LE(*out.action.requeue(), std::chrono::hours(6));
  ASSERT_EQ(loop.database.calls.size(), 2U) << ::testing::PrintToString(loop.database.calls);
  EXPECT_EQ(loop.database.calls[0], "backup") << "a drill restores a fresh dump";
  EXPECT_EQ(loop.database.calls[1].rfind("drill /backups/", 0), 0U);
  EXPECT_NE(loop.database.calls[1].find(" to 0001"), std::string::npos)
      << "down to the schema of the revision a rollback would go to";
  EXPECT_EQ(loop.database.last_kept.count("0002_orders.down.sql"), 1U);
  ASSERT_TRUE(loop.database.drill_image);
  EXPECT_EQ(loop.database.drill_image->value(), "demo:v2")
      << "a down command runs in the image that knows the newer migrations";
  EXPECT_TRUE(loop.database.drill_down);
  EXPECT_EQ(loop.database.schema, "0002") << "the live database is not touched";
  const auto st = loop.status();
  ASSERT_TRUE(st.migration && st.migration->last_drill);
  EXPECT_TRUE(st.migration->last_drill->passed);
  ready = cond(st, "RollbackReady");
  ASSERT_NE(ready, nullptr);
  EXPECT_EQ(ready->status, model::ConditionStatus::kTrue)
      << ready->reason << ": " << ready->message;
}

TEST(ReconcilerDatabase, AFailedDrillMakesRollbackReadyFalseUntilTheNextOnePasses) {
  Loop loop;
  upgrade_to_v2(loop);
  loop.database.fail_drill = model::Error::terminal(
      "drill: migrate to 0001: 0002_orders.down.sql: relation is referenced");
  const model::Release r = drilled("demo:v2", "0002", std::chrono::hours(1));
  (void)until_quiet(loop, r);
  const auto failed = loop.status();
  const auto* ready = cond(failed, "RollbackReady");
  ASSERT_NE(ready, nullptr);
  EXPECT_EQ(ready->reason, "DrillFailed");
  EXPECT_NE(ready->message.find("relation is referenced"), std::string::npos) << ready->message;

  loop.clock += std::chrono::hours(1);
  (void)until_quiet(loop, r);
  const auto passed = loop.status();
  ready = cond(passed, "RollbackReady");
  ASSERT_NE(ready, nullptr);
  EXPECT_EQ(ready->status, model::ConditionStatus::kTrue) << ready->reason;
}

TEST(ReconcilerDatabase, RollbackReadyFollowsTheAgeOfTheLatestVerifiedBackup) {
  Loop loop;
  upgrade_to_v2(loop);
  const model::Release r = drilled("demo:v2", "0002", std::chrono::hours(48));
  (void)until_quiet(loop, r);
  const auto fresh = loop.status();
  const auto* ready = cond(fresh, "RollbackReady");
  ASSERT_NE(ready, nullptr);
  EXPECT_EQ(ready->status, model::ConditionStatus::kTrue) << ready->reason;

  loop.clock += std::chrono::hours(25);  // maxAge 24h; the next drill is in 23h
  (void)until_quiet(loop, r);
  const auto aged = loop.status();
  ready = cond(aged, "RollbackReady");
  ASSERT_NE(ready, nullptr);
  EXPECT_EQ(ready->status, model::ConditionStatus::kFalse);
  EXPECT_EQ(ready->reason, "BackupTooOld");
}

}  // namespace
}  // namespace rwd::execute
