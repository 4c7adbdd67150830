// Roll forward with the Recreate strategy, and verification of what runs.

#include <gtest/gtest.h>

#include "rewind/reconcile/planner.hpp"

#include "builders.hpp"

namespace rwd::reconcile::testing {
namespace {

using K = StepKind;

ReleaseBuilder v1() { return ReleaseBuilder().image("shop-api:v1").migration("0005"); }
ReleaseBuilder v2() {
  return ReleaseBuilder().image("shop-api:v2").migration("0007").generation(2);
}

std::vector<PlanCase> cases() {
  std::vector<PlanCase> out;
  {
    auto c = named("FirstDeployWithoutMigration");
    c.desired = ReleaseBuilder().desired();
    c.direction = Direction::kRollForward;
    c.reason = reason::kNewRevision;
    c.steps = {K::kStartRevision, K::kHealthGate, K::kMarkStable};
    c.to = 1;
    c.check = [](const Decision& d) {
      ASSERT_TRUE(d.new_record);
      EXPECT_EQ(d.new_record->number, rev(1));
      EXPECT_EQ(d.new_record->generation, 1);
      EXPECT_EQ(d.new_record->created_at, kNow);
      EXPECT_EQ(d.new_record->outcome, RevisionOutcome::kPending);
      EXPECT_EQ(d.new_record->hash, model::revision_hash(ReleaseBuilder().revision()));
      EXPECT_EQ(d.plan.steps[0].description, "start shop-api:v1 (revision 1)");
    };
    out.push_back(c);
  }
  {
    auto c = named("FirstDeployMigratesFromUnknownSchema");
    c.desired = v1().desired();
    c.direction = Direction::kRollForward;
    c.reason = reason::kNewRevision;
    c.steps = {K::kBackup, K::kMigrate, K::kStartRevision, K::kHealthGate, K::kMarkStable};
    c.check = [](const Decision& d) {
      const auto* m = find_step<step::Migrate>(d.plan);
      ASSERT_TRUE(m);
      EXPECT_EQ(m->from, "");
      EXPECT_EQ(m->to, "0005");
      EXPECT_EQ(d.plan.steps[1].description, "up-migrate schema to 0005");
    };
    out.push_back(c);
  }
  {
    auto c = named("UpgradeWithMigrationAnalysisAndNotify");
    c.desired = v2().analysis().notify().desired();
    c.history = HistoryBuilder().healthy(v1()).build();
    c.observed = ObservedBuilder().running(v1()).healthy().build();
    c.direction = Direction::kRollForward;
    c.reason = reason::kNewRevision;
    c.steps = {K::kBackup,       K::kMigrate,    K::kStartRevision, K::kHealthGate,
               K::kAnalysisGate, K::kMarkStable, K::kNotify};
    c.from = 1;
    c.to = 2;
    c.check = [](const Decision& d) {
      const auto* m = find_step<step::Migrate>(d.plan);
      ASSERT_TRUE(m);
      EXPECT_EQ(m->direction, MigrateDirection::kUp);
      EXPECT_EQ(m->from, "0005");
      EXPECT_EQ(m->to, "0007");
      EXPECT_EQ(d.plan.steps[1].description, "up-migrate schema 0005 → 0007");
      const auto* a = find_step<step::AnalysisGate>(d.plan);
      ASSERT_TRUE(a);
      EXPECT_EQ(a->window, model::Duration(5min));
      EXPECT_EQ(a->metrics, (std::vector<std::string>{"error-rate", "p95-latency"}));
      EXPECT_EQ(find_step<step::Backup>(d.plan)->directory, "/var/backups/rewind");
      ASSERT_TRUE(d.new_record);
      EXPECT_EQ(d.new_record->number, rev(2));
      EXPECT_EQ(d.new_record->generation, 2);
    };
    out.push_back(c);
  }
  {
    auto c = named("UpgradeWithoutRequiredBackup");
    c.desired = v2().backup_required(false).desired();
    c.history = HistoryBuilder().healthy(v1()).build();
    c.observed = ObservedBuilder().running(v1()).healthy().build();
    c.direction = Direction::kRollForward;
    c.reason = reason::kNewRevision;
    c.steps = {K::kMigrate, K::kStartRevision, K::kHealthGate, K::kMarkStable};
    out.push_back(c);
  }
  {
    auto c = named("UpgradeWithSameSchemaSkipsMigration");
    c.desired = v1().image("shop-api:v2").generation(2).desired();
    c.history = HistoryBuilder().healthy(v1()).build();
    c.observed = ObservedBuilder().running(v1()).healthy().build();
    c.direction = Direction::kRollForward;
    c.reason = reason::kNewRevision;
    c.steps = {K::kStartRevision, K::kHealthGate, K::kMarkStable};
    out.push_back(c);
  }
  {
    auto c = named("SmokeRunsAfterHealth");
    c.desired = v1().image("shop-api:v2").generation(2).smoke().desired();
    c.history = HistoryBuilder().healthy(v1()).build();
    c.observed = ObservedBuilder().running(v1()).healthy().build();
    c.direction = Direction::kRollForward;
    c.reason = reason::kNewRevision;
    c.steps = {K::kStartRevision, K::kHealthGate, K::kSmokeGate, K::kAnalysisGate, K::kMarkStable};
    c.check = [](const Decision& d) {
      const auto* s = find_step<step::SmokeGate>(d.plan);
      ASSERT_TRUE(s);
      EXPECT_EQ(s->command, (std::vector<std::string>{"./smoke-test.sh"}));
      EXPECT_EQ(s->timeout, model::Duration(60s));
    };
    out.push_back(c);
  }
  {
    auto c = named("MigrationOnlyChangeKeepsContainers");
    c.desired = v1().migration("0006").generation(2).desired();
    c.history = HistoryBuilder().healthy(v1()).build();
    c.observed = ObservedBuilder().running(v1()).healthy().build();
    c.direction = Direction::kRollForward;
    c.reason = reason::kNewRevision;
    c.steps = {K::kBackup, K::kMigrate, K::kHealthGate, K::kMarkStable};
    out.push_back(c);
  }
  {
    // A container created outside rewind (docker compose up): watch it.
    auto c = named("AdoptsRunningRevisionAndVerifiesIt");
    c.desired = v1().analysis().desired();
    c.observed = ObservedBuilder().running(v1()).healthy().build();
    c.direction = Direction::kRollForward;
    c.reason = reason::kNewRevision;
    c.steps = {K::kHealthGate, K::kAnalysisGate, K::kMarkStable};
    c.check = [](const Decision& d) { EXPECT_TRUE(d.new_record); };
    out.push_back(c);
  }
  {
    auto c = named("UnverifiedRecordIsVerified");
    c.desired = v1().desired();
    c.history = HistoryBuilder().add(v1(), RevisionOutcome::kLive).build();
    c.observed = ObservedBuilder().running(v1()).healthy().build();
    c.direction = Direction::kRollForward;
    c.reason = reason::kNewRevision;
    c.steps = {K::kHealthGate, K::kMarkStable};
    c.check = [](const Decision& d) { EXPECT_FALSE(d.new_record); };
    out.push_back(c);
  }
  {
    // rewind settled on 2, someone started 1 by hand.
    auto c = named("DriftIsCorrected");
    c.desired = v2().current(2).desired();
    c.history = HistoryBuilder().superseded(v1()).healthy(v2()).build();
    c.observed = ObservedBuilder().running(v1()).healthy().build();
    c.direction = Direction::kRollForward;
    c.reason = reason::kDrift;
    c.steps = {K::kBackup, K::kMigrate, K::kStartRevision, K::kHealthGate, K::kMarkStable};
    c.from = 1;
    c.to = 2;
    c.check = [](const Decision& d) { EXPECT_FALSE(d.new_record); };
    out.push_back(c);
  }
  {
    auto c = named("NothingToDo");
    c.desired = v1().desired();
    c.history = HistoryBuilder().healthy(v1()).build();
    c.observed = ObservedBuilder().running(v1()).healthy().build();
    c.direction = Direction::kNone;
    c.reason = reason::kNewRevision;
    c.steps = {};
    c.to = 1;
    c.check = [](const Decision& d) {
      EXPECT_TRUE(d.action.is_await_change());
      EXPECT_EQ(d.phase, model::ReleasePhase::kHealthy);
      EXPECT_FALSE(d.progress);
      EXPECT_TRUE(d.plan.hash.empty());
    };
    out.push_back(c);
  }
  return out;
}

class RollForward : public ::testing::TestWithParam<PlanCase> {};

TEST_P(RollForward, Plans) { expect_plan(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Recreate, RollForward, ::testing::ValuesIn(cases()), case_name);

TEST(RollForward, ProgressIsSetForTheNewPlan) {
  const Decision d = plan(v2().desired(), ObservedBuilder().running(v1()).healthy().build(),
                          HistoryBuilder().healthy(v1()).build(), kNow);
  ASSERT_TRUE(d.progress);
  EXPECT_EQ(d.progress->revision, rev(2));
  EXPECT_EQ(d.progress->plan_hash, d.plan.hash);
  EXPECT_EQ(d.progress->step_index, 0);
  EXPECT_FALSE(d.progress->aborted);
  EXPECT_EQ(d.phase, model::ReleasePhase::kProgressing);
  EXPECT_EQ(d.action, Action::requeue_after(5s));
}

TEST(RollForward, PlanIsAPureFunctionOfItsInputs) {
  const auto desired = v2().analysis().notify().desired();
  const auto observed = ObservedBuilder().running(v1()).healthy().build();
  const auto history = HistoryBuilder().healthy(v1()).build();
  const Decision a = plan(desired, observed, history, kNow);
  const Decision b = plan(desired, observed, history, kNow);
  EXPECT_EQ(a.plan, b.plan);
  EXPECT_EQ(a.conditions, b.conditions);
  EXPECT_EQ(a.new_record, b.new_record);
}

}  // namespace
}  // namespace rwd::reconcile::testing
