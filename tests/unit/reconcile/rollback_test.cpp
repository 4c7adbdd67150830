// Rolling back with the Recreate strategy: GitOps reverts, Rollback
// resources, schema downgrades, restoreBackup, emergency.

#include <algorithm>

#include <gtest/gtest.h>

#include "rewind/reconcile/planner.hpp"

#include "builders.hpp"

namespace rwd::reconcile::testing {
namespace {

using K = StepKind;

ReleaseBuilder base() {
  return ReleaseBuilder().quiesce({"worker"}).verify_tables({"users", "orders"});
}
ReleaseBuilder v1() { return base().image("shop-api:v1").migration("0005"); }
ReleaseBuilder v2() { return base().image("shop-api:v2").migration("0007").generation(2); }

model::History upgraded() {
  return HistoryBuilder()
      .superseded(v1())
      .healthy(v2())
      .backup("/var/backups/rewind/0005.dump")
      .build();
}

std::vector<PlanCase> cases() {
  std::vector<PlanCase> out;
  {
    // git revert of the commit that bumped the image and the schema.
    auto c = named("RevertedInSourceWithSchemaDowngrade");
    c.desired = v1().generation(3).analysis().smoke().notify().desired();
    c.history = upgraded();
    c.observed = ObservedBuilder().running(v2()).healthy().build();
    c.direction = Direction::kRollback;
    c.reason = reason::kRevertedInSource;
    c.steps = {K::kRecordIncident,  K::kBackup,        K::kQuiesce,    K::kMigrate,
               K::kVerifyRowCounts, K::kStartRevision, K::kHealthGate, K::kSmokeGate,
               K::kUnquiesce,       K::kAnalysisGate,  K::kMarkStable, K::kNotify};
    c.from = 2;
    c.to = 1;
    c.check = [](const Decision& d) {
      EXPECT_FALSE(d.new_record);
      const auto* m = find_step<step::Migrate>(d.plan);
      ASSERT_TRUE(m);
      EXPECT_EQ(m->direction, MigrateDirection::kDown);
      EXPECT_EQ(d.plan.steps[3].description, "down-migrate schema 0007 → 0005");
      EXPECT_EQ(find_step<step::Quiesce>(d.plan)->services, std::vector<std::string>{"worker"});
      EXPECT_EQ(find_step<step::VerifyRowCounts>(d.plan)->tables,
                (std::vector<std::string>{"users", "orders"}));
      const auto* start = find_step<step::StartRevision>(d.plan);
      EXPECT_EQ(start->tuple, v1().revision());  // old image with old config
      EXPECT_EQ(d.plan.steps[5].description, "start shop-api:v1 (revision 1)");
      const auto* incident = find_step<step::RecordIncident>(d.plan);
      EXPECT_EQ(incident->from, rev(2));
      EXPECT_EQ(incident->to, rev(1));
      EXPECT_EQ(incident->reason, reason::kRevertedInSource);
      EXPECT_EQ(find_step<step::Notify>(d.plan)->event,
                "api: rolled back revision 2 → 1 (RevertedInSource)");
    };
    out.push_back(c);
  }
  {
    auto c = named("RevertWithoutSchemaChangeSkipsDatabaseSteps");
    c.desired = v1().generation(3).desired();
    c.history = HistoryBuilder().superseded(v1()).healthy(v1().image("shop-api:v2")).build();
    c.observed = ObservedBuilder().running(v1().image("shop-api:v2")).healthy().build();
    c.direction = Direction::kRollback;
    c.reason = reason::kRevertedInSource;
    c.steps = {K::kRecordIncident, K::kStartRevision, K::kHealthGate, K::kMarkStable};
    out.push_back(c);
  }
  {
    // Backup always precedes a schema downgrade, even when backup.required is false.
    auto c = named("BackupBeforeDownMigrateEvenWhenNotRequired");
    c.desired = ReleaseBuilder().migration("0005").backup_required(false).generation(3).desired();
    c.history = HistoryBuilder()
                    .superseded(ReleaseBuilder().migration("0005").backup_required(false))
                    .healthy(ReleaseBuilder().image("shop-api:v2").migration("0007"))
                    .build();
    c.observed =
        ObservedBuilder().running(ReleaseBuilder().image("shop-api:v2").migration("0007")).build();
    c.direction = Direction::kRollback;
    c.reason = reason::kRevertedInSource;
    c.steps = {K::kRecordIncident, K::kBackup,     K::kMigrate,
               K::kStartRevision,  K::kHealthGate, K::kMarkStable};
    c.check = [](const Decision& d) { EXPECT_TRUE(find_step<step::Backup>(d.plan)->verify); };
    out.push_back(c);
  }
  {
    auto c = named("RollbackResourceRestoresBackup");
    c.desired =
        v2().analysis().smoke().desired(RollbackBuilder().to_previous().restore_backup().build());
    c.history = upgraded();
    c.observed = ObservedBuilder().running(v2()).healthy().build();
    c.direction = Direction::kRollback;
    c.reason = reason::kRollbackResource;
    c.steps = {K::kRecordIncident,  K::kBackup,        K::kQuiesce,    K::kRestoreBackup,
               K::kVerifyRowCounts, K::kStartRevision, K::kHealthGate, K::kSmokeGate,
               K::kUnquiesce,       K::kAnalysisGate,  K::kMarkStable};
    c.from = 2;
    c.to = 1;
    c.check = [](const Decision& d) {
      const auto* r = find_step<step::RestoreBackup>(d.plan);
      ASSERT_TRUE(r);
      EXPECT_EQ(r->path, "/var/backups/rewind/0005.dump");
      EXPECT_EQ(r->schema, "0005");
      EXPECT_EQ(r->taken_before, rev(2));
      EXPECT_FALSE(find_step<step::Migrate>(d.plan));
    };
    out.push_back(c);
  }
  {
    // Emergency skips smoke and analysis, never health or the backup.
    auto c = named("EmergencyRollbackKeepsHealthAndBackup");
    c.desired = v2().analysis().smoke().notify().desired(
        RollbackBuilder().to_previous().emergency().build());
    c.history = upgraded();
    c.observed = ObservedBuilder().running(v2()).unhealthy().build();
    c.direction = Direction::kRollback;
    c.reason = reason::kRollbackResource;
    c.steps = {K::kRecordIncident,  K::kBackup,        K::kQuiesce,    K::kMigrate,
               K::kVerifyRowCounts, K::kStartRevision, K::kHealthGate, K::kUnquiesce,
               K::kMarkStable,      K::kNotify};
    c.check = [](const Decision& d) { EXPECT_TRUE(d.plan.emergency); };
    out.push_back(c);
  }
  {
    auto c = named("RollbackToNumberAcrossSeveralRevisions");
    c.desired = v2().image("shop-api:v3").generation(3).desired(RollbackBuilder().to(1).build());
    c.history = HistoryBuilder()
                    .superseded(v1())
                    .superseded(v2())
                    .healthy(v2().image("shop-api:v3").generation(3))
                    .build();
    c.observed = ObservedBuilder().running(v2().image("shop-api:v3")).healthy().build();
    c.direction = Direction::kRollback;
    c.reason = reason::kRollbackResource;
    c.steps = {K::kRecordIncident, K::kBackup,          K::kQuiesce,
               K::kMigrate,        K::kVerifyRowCounts, K::kStartRevision,
               K::kHealthGate,     K::kUnquiesce,       K::kMarkStable};
    c.from = 3;
    c.to = 1;
    out.push_back(c);
  }
  return out;
}

class RollBack : public ::testing::TestWithParam<PlanCase> {};

TEST_P(RollBack, Plans) { expect_plan(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Recreate, RollBack, ::testing::ValuesIn(cases()), case_name);

TEST(RollBack, BackupComesBeforeQuiesceBeforeDownMigrate) {
  const Decision d = plan(v1().generation(3).desired(),
                          ObservedBuilder().running(v2()).healthy().build(), upgraded(), kNow);
  const auto ks = kinds(d.plan);
  auto pos = [&](K k) { return std::find(ks.begin(), ks.end(), k) - ks.begin(); };
  EXPECT_LT(pos(K::kBackup), pos(K::kQuiesce));
  EXPECT_LT(pos(K::kQuiesce), pos(K::kMigrate));
  EXPECT_LT(pos(K::kMigrate), pos(K::kVerifyRowCounts));
  EXPECT_LT(pos(K::kVerifyRowCounts), pos(K::kStartRevision));
}

TEST(RollBack, RestoreBackupWithoutRecordedDumpIsAnError) {
  const model::History history = HistoryBuilder().superseded(v1()).healthy(v2()).build();
  const Decision d = plan(v2().desired(RollbackBuilder().to_previous().restore_backup().build()),
                          ObservedBuilder().running(v2()).healthy().build(), history, kNow);
  ASSERT_TRUE(d.error);
  EXPECT_TRUE(d.plan.steps.empty());
  EXPECT_TRUE(d.action.is_await_change());
  EXPECT_FALSE(d.pin_changed);
  EXPECT_NE(d.error->message.find("restoreBackup"), std::string::npos);
}

TEST(RollBack, RolledBackConditionIsSetOnceTheOldRevisionRuns) {
  // During the plan: not yet.
  const Decision during = plan(v1().generation(3).desired(),
                               ObservedBuilder().running(v2()).healthy().build(), upgraded(), kNow);
  const auto* c = find_condition(during.conditions, model::condition_type::kRolledBack);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->status, model::ConditionStatus::kFalse);
  // After it: True, with the reason.
  const Decision after = plan(v1().generation(3).current(1).desired(),
                              ObservedBuilder().running(v1()).healthy().build(), upgraded(), kNow);
  EXPECT_TRUE(after.plan.steps.empty());
  c = find_condition(after.conditions, model::condition_type::kRolledBack);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->status, model::ConditionStatus::kTrue);
  EXPECT_EQ(c->reason, reason::kRevertedInSource);
  EXPECT_EQ(after.phase, model::ReleasePhase::kRolledBack);
  EXPECT_TRUE(is_true(after.conditions, model::condition_type::kReady));
}

}  // namespace
}  // namespace rwd::reconcile::testing
