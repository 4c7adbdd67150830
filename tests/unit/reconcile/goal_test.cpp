// Where the Release goes: Rollback resources (to, components), pins,
// automatic rollback, failed revisions that are not retried, dry runs.

#include <gtest/gtest.h>

#include "rewind/reconcile/conditions.hpp"
#include "rewind/reconcile/planner.hpp"

#include "builders.hpp"

namespace rwd::reconcile::testing {
namespace {

using K = StepKind;
namespace ct = model::condition_type;

ReleaseBuilder v1() {
  return ReleaseBuilder().image("shop-api:v1").env("MODE", "a").migration("0005");
}
ReleaseBuilder v2() {
  return ReleaseBuilder().image("shop-api:v2").env("MODE", "b").migration("0007").generation(2);
}
ReleaseBuilder v3() {
  return ReleaseBuilder().image("shop-api:v3").env("MODE", "b").migration("0007").generation(3);
}

model::History two() { return HistoryBuilder().superseded(v1()).healthy(v2()).build(); }
Observed running(const ReleaseBuilder& r) { return ObservedBuilder().running(r).healthy().build(); }

// ---- Rollback resource: spec.to ------------------------------------------

std::vector<PlanCase> rollback_cases() {
  std::vector<PlanCase> out;
  {
    auto c = named("ToPrevious");
    c.desired = v2().desired(RollbackBuilder().to_previous().build());
    c.history = two();
    c.observed = running(v2());
    c.direction = Direction::kRollback;
    c.reason = reason::kRollbackResource;
    c.steps = {K::kRecordIncident, K::kBackup,     K::kMigrate,
               K::kStartRevision,  K::kHealthGate, K::kMarkStable};
    c.from = 2;
    c.to = 1;
    c.check = [](const Decision& d) {
      ASSERT_TRUE(d.pin);
      EXPECT_EQ(*d.pin, (model::Pin{rev(1), 2, "api-incident-42"}));
      EXPECT_TRUE(d.pin_changed);
      EXPECT_FALSE(d.new_record);
    };
    out.push_back(c);
  }
  {
    auto c = named("ToLastKnownGoodSkipsFailedRevisions");
    c.desired = v3().desired(RollbackBuilder().to_last_known_good().build());
    c.history = HistoryBuilder()
                    .superseded(v1())
                    .failed(v2(), RevisionOutcome::kFailedAnalysis)
                    .add(v3(), RevisionOutcome::kLive)
                    .build();
    c.observed = running(v3());
    c.direction = Direction::kRollback;
    c.reason = reason::kRollbackResource;
    c.steps = {K::kRecordIncident, K::kBackup,     K::kMigrate,
               K::kStartRevision,  K::kHealthGate, K::kMarkStable};
    c.from = 3;
    c.to = 1;
    out.push_back(c);
  }
  {
    auto c = named("ToPreviousSkipsFailedRevisions");
    c.desired = v3().desired(RollbackBuilder().to_previous().build());
    c.history = HistoryBuilder()
                    .superseded(v1())
                    .failed(v2(), RevisionOutcome::kFailedHealth)
                    .add(v3(), RevisionOutcome::kLive)
                    .build();
    c.observed = running(v3());
    c.direction = Direction::kRollback;
    c.reason = reason::kRollbackResource;
    c.steps = {K::kRecordIncident, K::kBackup,     K::kMigrate,
               K::kStartRevision,  K::kHealthGate, K::kMarkStable};
    c.from = 3;
    c.to = 1;
    out.push_back(c);
  }
  {
    auto c = named("ToRevisionNumber");
    c.desired = v3().desired(RollbackBuilder().to(2).build());
    c.history = HistoryBuilder().superseded(v1()).superseded(v2()).healthy(v3()).build();
    c.observed = running(v3());
    c.direction = Direction::kRollback;
    c.reason = reason::kRollbackResource;
    c.steps = {K::kRecordIncident, K::kStartRevision, K::kHealthGate, K::kMarkStable};
    c.from = 3;
    c.to = 2;
    out.push_back(c);
  }
  // ---- components: partial rollbacks make tuples never seen before ----
  {
    auto c = named("ImageOnly");
    c.desired =
        v2().desired(RollbackBuilder().to_previous().components({Component::kImage}).build());
    c.history = two();
    c.observed = running(v2());
    c.direction = Direction::kRollback;
    c.reason = reason::kRollbackResource;
    c.steps = {K::kRecordIncident, K::kStartRevision, K::kHealthGate, K::kMarkStable};
    c.from = 2;
    c.to = 3;
    c.check = [](const Decision& d) {
      ASSERT_TRUE(d.new_record);
      const auto& r = *d.new_record;
      EXPECT_EQ(r.number, rev(3));
      EXPECT_EQ(r.revision.image, v1().revision().image);
      EXPECT_EQ(r.revision.config_hash, v2().revision().config_hash);
      EXPECT_EQ(r.revision.migration_revision, "0007");
      EXPECT_EQ(r.hash, model::revision_hash(r.revision));
      // The snapshot mixes both specs the same way.
      EXPECT_EQ(r.spec.image, model::ImageRef("shop-api:v1"));
      EXPECT_EQ(r.spec.config, v2().build().spec.config);
      EXPECT_EQ(r.spec.migration->revision, "0007");
      EXPECT_EQ(r.generation, 2);
      EXPECT_EQ(r.created_at, kNow);
      ASSERT_TRUE(d.pin);
      EXPECT_EQ(d.pin->revision, rev(3));
    };
    out.push_back(c);
  }
  {
    auto c = named("ConfigOnly");
    c.desired =
        v2().desired(RollbackBuilder().to_previous().components({Component::kConfig}).build());
    c.history = two();
    c.observed = running(v2());
    c.direction = Direction::kRollback;
    c.reason = reason::kRollbackResource;
    c.steps = {K::kRecordIncident, K::kStartRevision, K::kHealthGate, K::kMarkStable};
    c.check = [](const Decision& d) {
      ASSERT_TRUE(d.new_record);
      EXPECT_EQ(d.new_record->revision.image, model::ImageRef("shop-api:v2"));
      EXPECT_EQ(d.new_record->revision.config_hash, v1().revision().config_hash);
      EXPECT_EQ(d.new_record->revision.migration_revision, "0007");
      EXPECT_EQ(d.new_record->spec.config.env.at("MODE"), "a");
    };
    out.push_back(c);
  }
  {
    // Only the schema goes back; image and config stay, so nothing restarts.
    auto c = named("MigrationOnly");
    c.desired =
        v2().desired(RollbackBuilder().to_previous().components({Component::kMigration}).build());
    c.history = two();
    c.observed = running(v2());
    c.direction = Direction::kRollback;
    c.reason = reason::kRollbackResource;
    c.steps = {K::kRecordIncident, K::kBackup, K::kMigrate, K::kHealthGate, K::kMarkStable};
    c.check = [](const Decision& d) {
      ASSERT_TRUE(d.new_record);
      EXPECT_EQ(d.new_record->revision.image, model::ImageRef("shop-api:v2"));
      EXPECT_EQ(d.new_record->revision.migration_revision, "0005");
      EXPECT_EQ(d.new_record->spec.migration->revision, "0005");
      const auto* m = find_step<step::Migrate>(d.plan);
      EXPECT_EQ(m->from, "0007");
      EXPECT_EQ(m->to, "0005");
    };
    out.push_back(c);
  }
  {
    auto c = named("DryRunPlansButChangesNothing");
    c.desired = v2().desired(RollbackBuilder().to_previous().dry_run().build());
    c.history = two();
    c.observed = running(v2());
    c.direction = Direction::kRollback;
    c.reason = reason::kRollbackResource;
    c.steps = {K::kRecordIncident, K::kBackup,     K::kMigrate,
               K::kStartRevision,  K::kHealthGate, K::kMarkStable};
    c.check = [](const Decision& d) {
      EXPECT_TRUE(d.plan.dry_run);
      EXPECT_FALSE(d.pin);
      EXPECT_FALSE(d.pin_changed);
      EXPECT_FALSE(d.progress);
      EXPECT_TRUE(d.conditions.empty());  // the Release's status is left alone
      EXPECT_TRUE(is_true(d.rollback_conditions, ct::kComplete));
      EXPECT_TRUE(d.action.is_await_change());
    };
    out.push_back(c);
  }
  {
    auto c = named("DryRunPartialDoesNotRecord");
    c.desired = v2().desired(
        RollbackBuilder().to_previous().components({Component::kImage}).dry_run().build());
    c.history = two();
    c.observed = running(v2());
    c.direction = Direction::kRollback;
    c.reason = reason::kRollbackResource;
    c.steps = {K::kRecordIncident, K::kStartRevision, K::kHealthGate, K::kMarkStable};
    c.check = [](const Decision& d) { EXPECT_FALSE(d.new_record); };
    out.push_back(c);
  }
  return out;
}

class RollbackResource : public ::testing::TestWithParam<PlanCase> {};
TEST_P(RollbackResource, Plans) { expect_plan(GetParam()); }
INSTANTIATE_TEST_SUITE_P(Goal, RollbackResource, ::testing::ValuesIn(rollback_cases()), case_name);

// ---- missing history: an error, no plan ------------------------------------

struct ErrorCase {
  std::string name;
  Desired desired;
  model::History history;
  Observed observed;
  std::string reason;
  std::string message_part;
  bool on_rollback = true;
};
// Test names stay readable: gtest would print the struct's bytes.
inline void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.name; }

std::vector<ErrorCase> error_cases() {
  return {
      {"PreviousWithOneRevision", v1().desired(RollbackBuilder().to_previous().build()),
       HistoryBuilder().healthy(v1()).build(), running(v1()), "NoPreviousRevision",
       "spec.to: previous: no revision older than 1 went live", true},
      {"PreviousWithEmptyHistory", v1().desired(RollbackBuilder().to_previous().build()),
       model::History{}, Observed{}, "NoPreviousRevision", "history has no revisions", true},
      {"LastKnownGoodWithNoneHealthy", v2().desired(RollbackBuilder().to_last_known_good().build()),
       HistoryBuilder().failed(v1()).add(v2(), RevisionOutcome::kLive).build(), running(v2()),
       "NoKnownGoodRevision", "no revision older than 2 passed health and analysis", true},
      {"RevisionNotInHistory", v2().desired(RollbackBuilder().to(9).build()), two(), running(v2()),
       "RevisionNotFound", "revision 9 is not in history (known: 1..2)", true},
      {"RollbackForAnotherRelease",
       v2().desired(RollbackBuilder().release("web").to_previous().build()), two(), running(v2()),
       "WrongRelease", "spec.releaseRef.name: web is not Release api", true},
      {"AutomaticWithoutKnownGood", v1().desired(), HistoryBuilder().failed(v1()).build(),
       running(v1()), "NoKnownGoodRevision", "no earlier revision passed health and analysis",
       false},
  };
}

class MissingHistory : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(MissingHistory, IsATerminalErrorWithoutPlan) {
  const auto& c = GetParam();
  const Decision d = plan(c.desired, c.observed, c.history, kNow);
  ASSERT_TRUE(d.error);
  EXPECT_NE(d.error->message.find(c.message_part), std::string::npos) << d.error->message;
  EXPECT_TRUE(d.plan.steps.empty());
  EXPECT_TRUE(d.action.is_await_change());
  EXPECT_FALSE(d.new_record);
  EXPECT_FALSE(d.progress);
  const auto& conds = c.on_rollback ? d.rollback_conditions : d.conditions;
  const auto* failed = find_condition(conds, c.on_rollback ? ct::kFailed : ct::kDegraded);
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->status, model::ConditionStatus::kTrue);
  EXPECT_EQ(failed->reason, c.reason);
  if (c.on_rollback) {
    EXPECT_FALSE(d.pin_changed);
  } else {
    EXPECT_EQ(d.phase, model::ReleasePhase::kFailed);
  }
}

std::string error_case_name(const ::testing::TestParamInfo<ErrorCase>& p) { return p.param.name; }

INSTANTIATE_TEST_SUITE_P(Goal, MissingHistory, ::testing::ValuesIn(error_cases()), error_case_name);

// ---- pins ------------------------------------------------------------------

TEST(Pin, RollbackKeepsItsResolvedTargetWhileRunning) {
  // The rollback to `previous` (1) is half done: 1 runs now. `previous`
  // relative to 1 would not exist; the pin remembers the target.
  const Decision d =
      plan(v2().pin(1, 2, "api-incident-42").desired(RollbackBuilder().to_previous().build()),
           running(v1()), two(), kNow);
  EXPECT_FALSE(d.error);
  EXPECT_EQ(d.plan.to, rev(1));
  EXPECT_FALSE(d.pin_changed);
  EXPECT_TRUE(is_true(d.conditions, ct::kPinned));
}

TEST(Pin, PinnedRevisionIsDesiredWhileGenerationIsUnchanged) {
  const Decision d = plan(v2().pin(1, 2, "api-incident-42").desired(), running(v1()), two(), kNow);
  EXPECT_TRUE(d.plan.steps.empty());
  EXPECT_EQ(d.plan.reason, reason::kPinned);
  EXPECT_EQ(d.plan.to, rev(1));
  EXPECT_FALSE(d.pin_changed);
  const auto* p = find_condition(d.conditions, ct::kPinned);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->status, model::ConditionStatus::kTrue);
  EXPECT_NE(p->message.find("api-incident-42"), std::string::npos);
  EXPECT_TRUE(is_true(d.conditions, ct::kReady));
  const auto* rb = find_condition(d.conditions, ct::kRolledBack);
  ASSERT_TRUE(rb);
  EXPECT_EQ(rb->reason, reason::kRollbackResource);
}

TEST(Pin, PinnedReleaseIsBroughtBackWhenSomethingElseRuns) {
  const Decision d = plan(v2().pin(1, 2, "api-incident-42").desired(), running(v2()), two(), kNow);
  EXPECT_EQ(d.plan.direction, Direction::kRollback);
  EXPECT_EQ(d.plan.reason, reason::kPinned);
  EXPECT_EQ(d.plan.to, rev(1));
}

TEST(Pin, IsDroppedWhenTheGenerationChanges) {
  const Decision d =
      plan(v2().generation(3).pin(1, 2, "api-incident-42").desired(), running(v1()), two(), kNow);
  EXPECT_FALSE(d.pin);
  EXPECT_TRUE(d.pin_changed);
  EXPECT_EQ(d.plan.direction, Direction::kRollForward);
  EXPECT_EQ(d.plan.to, rev(2));
  const auto* p = find_condition(d.conditions, ct::kPinned);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->status, model::ConditionStatus::kFalse);
  EXPECT_EQ(p->reason, "SpecChanged");
}

TEST(Pin, DryRunLeavesAStalePinAlone) {
  const Decision d = plan(v2().generation(3)
                              .pin(1, 2, "other")
                              .desired(RollbackBuilder().to_previous().dry_run().build()),
                          running(v2()), two(), kNow);
  EXPECT_TRUE(d.plan.dry_run);
  EXPECT_FALSE(d.pin_changed);
  ASSERT_TRUE(d.pin);
  EXPECT_EQ(d.pin->rollback, "other");
}

TEST(Pin, FinishedRollbackIsIgnored) {
  const Decision d = plan(
      v2().desired(RollbackBuilder().to_previous().phase(model::RollbackPhase::kSucceeded).build()),
      running(v2()), two(), kNow);
  EXPECT_TRUE(d.plan.steps.empty());
  EXPECT_FALSE(d.pin);
}

// ---- failed revisions and automatic rollback --------------------------------

TEST(Automatic, RollsBackAfterFailedHealth) {
  const auto history = HistoryBuilder().healthy(v1()).failed(v2()).build();
  const Decision d =
      plan(v2().desired(), ObservedBuilder().running(v2()).unhealthy().build(), history, kNow);
  EXPECT_EQ(d.plan.direction, Direction::kRollback);
  EXPECT_EQ(d.plan.reason, reason::kAutomatic);
  EXPECT_EQ(kinds(d.plan), (std::vector<K>{K::kRecordIncident, K::kBackup, K::kMigrate,
                                           K::kStartRevision, K::kHealthGate, K::kMarkStable}));
  EXPECT_EQ(d.plan.from, rev(2));
  EXPECT_EQ(d.plan.to, rev(1));
  const auto* deg = find_condition(d.conditions, ct::kDegraded);
  ASSERT_TRUE(deg);
  EXPECT_EQ(deg->status, model::ConditionStatus::kTrue);
  EXPECT_EQ(deg->reason, "FailedHealth");
  EXPECT_FALSE(d.new_record);
}

TEST(Automatic, RollsBackAfterFailedAnalysis) {
  const auto history =
      HistoryBuilder().healthy(v1()).failed(v2(), RevisionOutcome::kFailedAnalysis).build();
  const Decision d = plan(v2().desired(), running(v2()), history, kNow);
  EXPECT_EQ(d.plan.reason, reason::kAutomatic);
  EXPECT_EQ(d.plan.to, rev(1));
  EXPECT_EQ(find_condition(d.conditions, ct::kDegraded)->reason, "FailedAnalysis");
}

TEST(Automatic, DisabledPlansNothingAndSetsDegraded) {
  const auto history = HistoryBuilder().healthy(v1()).failed(v2()).build();
  const Decision d = plan(v2().automatic(false).desired(),
                          ObservedBuilder().running(v2()).unhealthy().build(), history, kNow);
  EXPECT_TRUE(d.plan.steps.empty());
  EXPECT_FALSE(d.error);
  EXPECT_TRUE(is_true(d.conditions, ct::kDegraded));
  EXPECT_FALSE(is_true(d.conditions, ct::kReady));
  EXPECT_EQ(d.phase, model::ReleasePhase::kDegraded);
  EXPECT_TRUE(d.action.is_await_change());
}

TEST(Automatic, FailedRevisionIsNotRetriedWhileTheGenerationIsUnchanged) {
  // 2 was aborted and rolled back; the spec still names it.
  const auto history =
      HistoryBuilder().healthy(v1()).failed(v2(), RevisionOutcome::kAborted).build();
  const Decision d = plan(v2().current(1).desired(), running(v1()), history, kNow);
  EXPECT_TRUE(d.plan.steps.empty());
  EXPECT_FALSE(d.new_record);
  EXPECT_EQ(d.phase, model::ReleasePhase::kRolledBack);
  EXPECT_TRUE(is_true(d.conditions, ct::kRolledBack));
}

TEST(Automatic, FailedRevisionIsRetriedAfterTheGenerationChanges) {
  const auto history =
      HistoryBuilder().healthy(v1()).failed(v2(), RevisionOutcome::kAborted).build();
  const Decision d = plan(v2().generation(3).current(1).desired(), running(v1()), history, kNow);
  EXPECT_EQ(d.plan.direction, Direction::kRollForward);
  EXPECT_EQ(d.plan.reason, reason::kNewRevision);
  ASSERT_TRUE(d.new_record);
  // A new attempt is a new record with the same tuple.
  EXPECT_EQ(d.new_record->number, rev(3));
  EXPECT_EQ(d.new_record->hash, history.revisions[1].hash);
  EXPECT_EQ(d.new_record->generation, 3);
  EXPECT_EQ(d.plan.to, rev(3));
}

TEST(Automatic, ADifferentTupleIsAlwaysTried) {
  const auto history = HistoryBuilder().healthy(v1()).failed(v2()).build();
  // Same generation (e.g. an env file changed), different tuple.
  const Decision d = plan(v2().image("shop-api:v2.1").desired(), running(v1()), history, kNow);
  EXPECT_EQ(d.plan.direction, Direction::kRollForward);
  EXPECT_EQ(d.plan.to, rev(3));
}

}  // namespace
}  // namespace rwd::reconcile::testing
