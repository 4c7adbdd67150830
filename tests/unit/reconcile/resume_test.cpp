// Resuming: status.progress with the same target and plan hash makes the
// planner return the same plan with first_step = progress.stepIndex, even
// though what runs has changed since the plan began.

#include <gtest/gtest.h>

#include "rewind/reconcile/planner.hpp"

#include "builders.hpp"

namespace rwd::reconcile::testing {
namespace {

using K = StepKind;

// Runs plan() once from `start`, appends the new record like the executor
// would, and returns (history, desired with progress at `index`).
struct Started {
  Decision first;
  model::History history;
  Desired desired;
};

Started start(Desired desired, const Observed& observed, model::History history,
              std::int32_t index) {
  Started s{plan(desired, observed, history, kNow), std::move(history), std::move(desired)};
  if (s.first.new_record) s.history.revisions.push_back(*s.first.new_record);
  if (s.first.pin) s.desired.release.status.pin = s.first.pin;
  s.desired.release.status.progress =
      model::PlanProgress{*s.first.plan.to, s.first.plan.hash, index, false, std::nullopt};
  return s;
}

ReleaseBuilder c1() {
  return ReleaseBuilder().canary({weight(10), pause(60s), weight(50), analysis()}).analysis();
}
ReleaseBuilder c2() { return c1().image("shop-api:v2").generation(2); }

TEST(Resume, CanaryContinuesAtTheStoredStep) {
  auto s = start(c2().current(1).desired(), ObservedBuilder().running(c1()).healthy().build(),
                 HistoryBuilder().healthy(c1()).build(), 4);
  ASSERT_EQ(kinds(s.first.plan),
            (std::vector<K>{K::kStartRevision, K::kHealthGate, K::kSetTrafficWeight, K::kPause,
                            K::kSetTrafficWeight, K::kAnalysisGate, K::kPromote, K::kAnalysisGate,
                            K::kMarkStable}));
  // Four steps are done: the canary runs at 10% and the pause is over.
  const Decision d =
      plan(s.desired, ObservedBuilder().running(c1()).healthy().canary_weight(10).build(),
           s.history, kNow);
  EXPECT_EQ(d.plan.hash, s.first.plan.hash);
  EXPECT_EQ(d.plan.steps, s.first.plan.steps);
  EXPECT_EQ(d.plan.first_step, 4U);
  ASSERT_EQ(d.plan.remaining().size(), 5U);
  EXPECT_EQ(d.plan.next()->kind(), K::kSetTrafficWeight);
  EXPECT_EQ(d.plan.next()->as<step::SetTrafficWeight>()->weight, 50);
  ASSERT_TRUE(d.progress);
  EXPECT_EQ(d.progress->step_index, 4);
  EXPECT_FALSE(d.new_record);
  const auto* p = find_condition(d.conditions, model::condition_type::kProgressing);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->reason, "SetTrafficWeight");
}

TEST(Resume, BlueGreenAfterTheSwitch) {
  const auto bg1 = ReleaseBuilder().blue_green().analysis();
  auto bg2 = ReleaseBuilder().blue_green().analysis().image("shop-api:v2").generation(2);
  auto s = start(bg2.current(1).desired(),
                 ObservedBuilder().running(bg1).healthy().active(Color::kBlue).build(),
                 HistoryBuilder().healthy(bg1).build(), 4);
  ASSERT_EQ(kinds(s.first.plan),
            (std::vector<K>{K::kStartRevision, K::kHealthGate, K::kSwitchActiveColor,
                            K::kAnalysisGate, K::kScaleDown, K::kMarkStable}));
  // Green serves revision 2 now and passed its analysis; blue (revision 1) is still up.
  const Decision d =
      plan(s.desired,
           ObservedBuilder().running(bg2).healthy().active(Color::kGreen).standby(bg1).build(),
           s.history, kNow);
  EXPECT_EQ(d.plan.first_step, 4U);
  const auto* down = d.plan.next()->as<step::ScaleDown>();
  ASSERT_TRUE(down);
  EXPECT_EQ(down->color, Color::kBlue);
  EXPECT_EQ(down->revision, rev(1));
}

TEST(Resume, RollbackAfterTheOldRevisionStarted) {
  const auto v1 = ReleaseBuilder().migration("0005");
  auto v2 = ReleaseBuilder().image("shop-api:v2").migration("0007").generation(2);
  const auto history = HistoryBuilder().healthy(v1).failed(v2).build();
  auto s =
      start(v2.current(1).desired(), ObservedBuilder().running(v2).unhealthy().build(), history, 4);
  ASSERT_EQ(kinds(s.first.plan),
            (std::vector<K>{K::kRecordIncident, K::kBackup, K::kMigrate, K::kStartRevision,
                            K::kHealthGate, K::kMarkStable}));
  // The old revision runs (schema downgraded); its health is not known yet.
  const Decision d = plan(s.desired, ObservedBuilder().running(v1).build(), s.history, kNow);
  EXPECT_EQ(d.plan.first_step, 4U);
  EXPECT_EQ(d.plan.next()->kind(), K::kHealthGate);
  EXPECT_EQ(d.plan.direction, Direction::kRollback);
}

TEST(Resume, PartialRollbackKeepsItsRecordAndPin) {
  const auto v1 = ReleaseBuilder().env("MODE", "a");
  const auto v2 = ReleaseBuilder().image("shop-api:v2").env("MODE", "b").generation(2);
  auto s =
      start(v2.desired(RollbackBuilder().to_previous().components({Component::kImage}).build()),
            ObservedBuilder().running(v2).healthy().build(),
            HistoryBuilder().superseded(v1).healthy(v2).build(), 2);
  ASSERT_TRUE(s.first.new_record);
  // The mixed revision 3 started.
  const Decision d = plan(
      s.desired, ObservedBuilder().running(s.first.new_record->revision).build(), s.history, kNow);
  EXPECT_EQ(d.plan.first_step, 2U);
  EXPECT_EQ(d.plan.hash, s.first.plan.hash);
  EXPECT_FALSE(d.new_record);
  EXPECT_FALSE(d.pin_changed);
}

TEST(Resume, AnotherPlanHashStartsAFreshPlan) {
  auto s = start(c2().current(1).desired(), ObservedBuilder().running(c1()).healthy().build(),
                 HistoryBuilder().healthy(c1()).build(), 4);
  s.desired.release.status.progress->plan_hash = "0000000000000000";
  const Decision d =
      plan(s.desired, ObservedBuilder().running(c1()).healthy().build(), s.history, kNow);
  EXPECT_EQ(d.plan.first_step, 0U);
  EXPECT_EQ(d.plan.hash, s.first.plan.hash);
}

TEST(Resume, AbortedProgressIsNotResumed) {
  auto s = start(c2().current(1).desired(), ObservedBuilder().running(c1()).healthy().build(),
                 HistoryBuilder().healthy(c1()).build(), 4);
  s.desired.release.status.progress->aborted = true;
  const Decision d =
      plan(s.desired, ObservedBuilder().running(c1()).healthy().canary_weight(10).build(),
           s.history, kNow);
  EXPECT_EQ(d.plan.reason, reason::kAutomatic);
  EXPECT_EQ(d.plan.steps.front().kind(), K::kSetTrafficWeight);
  EXPECT_EQ(d.mark_aborted, rev(2));
}

TEST(Resume, FinishedPlanIsNotRepeated) {
  auto s = start(c2().current(1).desired(), ObservedBuilder().running(c1()).healthy().build(),
                 HistoryBuilder().healthy(c1()).build(), 9);
  // The executor marked revision 2 stable.
  auto& rec = s.history.revisions.back();
  rec.outcome = RevisionOutcome::kHealthy;
  rec.live_at = kNow - 1h;
  rec.healthy_at = kNow - 1min;
  const Decision d =
      plan(s.desired, ObservedBuilder().running(c2()).healthy().build(), s.history, kNow);
  EXPECT_TRUE(d.plan.empty());
  EXPECT_TRUE(is_true(d.conditions, model::condition_type::kReady));
}

}  // namespace
}  // namespace rwd::reconcile::testing
