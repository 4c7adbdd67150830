// Canary: weights follow the steps; an aborted canary loses its traffic at once.

#include <gtest/gtest.h>

#include "rewind/reconcile/planner.hpp"

#include "builders.hpp"

namespace rwd::reconcile::testing {
namespace {

using K = StepKind;

std::vector<model::CanaryStep> steps() {
  return {weight(10), pause(60s), analysis(), weight(50), pause()};
}
ReleaseBuilder c1() { return ReleaseBuilder().canary(steps()).analysis().image("shop-api:v1"); }
ReleaseBuilder c2() {
  return ReleaseBuilder().canary(steps()).analysis().image("shop-api:v2").generation(2);
}

std::vector<PlanCase> cases() {
  std::vector<PlanCase> out;
  {
    auto c = named("ForwardFollowsTheSteps");
    c.desired = c2().desired();
    c.history = HistoryBuilder().healthy(c1()).build();
    c.observed = ObservedBuilder().running(c1()).healthy().build();
    c.direction = Direction::kRollForward;
    c.reason = reason::kNewRevision;
    // The analysis window again after the promotion, on all the traffic.
    c.steps = {K::kStartRevision, K::kHealthGate,   K::kSetTrafficWeight,
               K::kPause,         K::kAnalysisGate, K::kSetTrafficWeight,
               K::kPause,         K::kPromote,      K::kAnalysisGate,
               K::kMarkStable};
    c.check = [](const Decision& d) {
      EXPECT_TRUE(find_step<step::StartRevision>(d.plan)->canary);
      EXPECT_EQ(find_step<step::SetTrafficWeight>(d.plan, 0)->weight, 10);
      EXPECT_EQ(find_step<step::SetTrafficWeight>(d.plan, 1)->weight, 50);
      EXPECT_EQ(find_step<step::Pause>(d.plan, 0)->duration, model::Duration(60s));
      EXPECT_FALSE(find_step<step::Pause>(d.plan, 1)->duration);
      EXPECT_EQ(find_step<step::AnalysisGate>(d.plan)->metrics,
                (std::vector<std::string>{"error-rate", "p95-latency"}));
      EXPECT_FALSE(find_step<step::Promote>(d.plan)->manual);
      // Step ids are unique: the second weight step is "set-traffic-weight-2".
      EXPECT_EQ(d.plan.steps[2].id, "set-traffic-weight");
      EXPECT_EQ(d.plan.steps[5].id, "set-traffic-weight-2");
      EXPECT_EQ(d.plan.steps[2].description, "send 10% of traffic to revision 2");
    };
    out.push_back(c);
  }
  {
    auto c = named("AnalysisStepWithNamedMetrics");
    c.desired = ReleaseBuilder()
                    .canary({weight(20), analysis({"error-rate"})})
                    .analysis()
                    .image("shop-api:v2")
                    .generation(2)
                    .desired();
    c.history = HistoryBuilder().healthy(c1()).build();
    c.observed = ObservedBuilder().running(c1()).healthy().build();
    c.direction = Direction::kRollForward;
    c.reason = reason::kNewRevision;
    c.steps = {K::kStartRevision, K::kHealthGate,   K::kSetTrafficWeight, K::kAnalysisGate,
               K::kPromote,       K::kAnalysisGate, K::kMarkStable};
    c.check = [](const Decision& d) {
      EXPECT_EQ(find_step<step::AnalysisGate>(d.plan)->metrics,
                std::vector<std::string>{"error-rate"});
    };
    out.push_back(c);
  }
  {
    auto c = named("FirstDeployHasNoStableToShareWith");
    c.desired = c1().desired();
    c.direction = Direction::kRollForward;
    c.reason = reason::kNewRevision;
    c.steps = {K::kStartRevision, K::kHealthGate, K::kAnalysisGate, K::kMarkStable};
    out.push_back(c);
  }
  {
    // Analysis failed: history says aborted; the canary still gets 10%.
    auto c = named("AbortedCanaryLosesTrafficAtOnce");
    c.desired = c2().desired();
    c.history = HistoryBuilder().healthy(c1()).failed(c2(), RevisionOutcome::kAborted).build();
    c.observed = ObservedBuilder().running(c1()).healthy().canary_weight(10).build();
    c.direction = Direction::kRollback;
    c.reason = reason::kAutomatic;
    c.steps = {K::kSetTrafficWeight, K::kRecordIncident, K::kScaleDown, K::kMarkStable};
    c.from = 2;
    c.to = 1;
    c.check = [](const Decision& d) {
      const auto* w = find_step<step::SetTrafficWeight>(d.plan);
      EXPECT_EQ(w->revision, rev(2));
      EXPECT_EQ(w->weight, 0);
      EXPECT_EQ(find_step<step::ScaleDown>(d.plan)->revision, rev(2));
      EXPECT_FALSE(find_step<step::ScaleDown>(d.plan)->color);
      EXPECT_FALSE(d.mark_aborted);  // history already says so
      EXPECT_FALSE(d.new_record);
    };
    out.push_back(c);
  }
  {
    // `rewind abort` sets status.progress.aborted; history does not know yet.
    auto c = named("AbortInStatusIsRecordedInHistory");
    c.desired = c2().progress(2, "0123456789abcdef", 3, true).desired();
    c.history = HistoryBuilder().healthy(c1()).add(c2(), RevisionOutcome::kLive).build();
    c.observed = ObservedBuilder().running(c1()).healthy().canary_weight(10).build();
    c.direction = Direction::kRollback;
    c.reason = reason::kAutomatic;
    c.steps = {K::kSetTrafficWeight, K::kRecordIncident, K::kScaleDown, K::kMarkStable};
    c.check = [](const Decision& d) { EXPECT_EQ(d.mark_aborted, rev(2)); };
    out.push_back(c);
  }
  {
    auto c = named("AbortWithoutAutomaticRollbackStillStopsTraffic");
    c.desired = c2().automatic(false).desired();
    c.history = HistoryBuilder().healthy(c1()).failed(c2(), RevisionOutcome::kAborted).build();
    c.observed = ObservedBuilder().running(c1()).healthy().canary_weight(50).build();
    c.direction = Direction::kRollback;
    c.reason = reason::kAborted;
    c.steps = {K::kSetTrafficWeight, K::kScaleDown, K::kMarkStable};
    c.check = [](const Decision& d) {
      EXPECT_TRUE(is_true(d.conditions, model::condition_type::kDegraded));
    };
    out.push_back(c);
  }
  {
    auto c = named("AbortedCanaryOutOfTrafficIsSettled");
    c.desired = c2().desired();
    c.history = HistoryBuilder().healthy(c1()).failed(c2(), RevisionOutcome::kAborted).build();
    c.observed = ObservedBuilder().running(c1()).healthy().build();
    c.direction = Direction::kNone;
    c.reason = reason::kAutomatic;
    c.steps = {};
    c.check = [](const Decision& d) {
      EXPECT_EQ(d.phase, model::ReleasePhase::kRolledBack);
      const auto* rb = find_condition(d.conditions, model::condition_type::kRolledBack);
      ASSERT_TRUE(rb);
      EXPECT_EQ(rb->status, model::ConditionStatus::kTrue);
      EXPECT_EQ(rb->reason, reason::kAutomatic);
      EXPECT_FALSE(is_true(d.conditions, model::condition_type::kReady));
      EXPECT_TRUE(d.action.is_await_change());
    };
    out.push_back(c);
  }
  {
    // After promotion there is no canary to drop: the old revision replaces the stable track.
    auto c = named("RollbackAfterPromotion");
    c.desired = c1().generation(3).desired();
    c.history = HistoryBuilder().superseded(c1()).healthy(c2()).build();
    c.observed = ObservedBuilder().running(c2()).healthy().build();
    c.direction = Direction::kRollback;
    c.reason = reason::kRevertedInSource;
    c.steps = {K::kRecordIncident, K::kStartRevision, K::kHealthGate, K::kAnalysisGate,
               K::kMarkStable};
    out.push_back(c);
  }
  {
    // Reverted in Git while revision 3 is a canary beside stable 2.
    auto c = named("RevertDuringCanaryDropsTheCanaryFirst");
    c.desired = c1().generation(4).desired();
    c.history = HistoryBuilder()
                    .superseded(c1())
                    .healthy(c2())
                    .add(c2().image("shop-api:v3").generation(3), RevisionOutcome::kLive)
                    .build();
    c.observed = ObservedBuilder().running(c2()).healthy().canary_weight(10).build();
    c.direction = Direction::kRollback;
    c.reason = reason::kRevertedInSource;
    c.steps = {K::kSetTrafficWeight, K::kRecordIncident, K::kScaleDown, K::kStartRevision,
               K::kHealthGate,       K::kAnalysisGate,   K::kMarkStable};
    c.from = 2;
    c.to = 1;
    c.check = [](const Decision& d) {
      EXPECT_EQ(find_step<step::SetTrafficWeight>(d.plan)->revision, rev(3));
      EXPECT_EQ(find_step<step::ScaleDown>(d.plan)->revision, rev(3));
      EXPECT_EQ(find_step<step::StartRevision>(d.plan)->revision, rev(1));
    };
    out.push_back(c);
  }
  return out;
}

class Canary : public ::testing::TestWithParam<PlanCase> {};

TEST_P(Canary, Plans) { expect_plan(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Strategy, Canary, ::testing::ValuesIn(cases()), case_name);

TEST(Canary, EmergencyRollbackSkipsPausesAndAnalysis) {
  const auto history = HistoryBuilder().healthy(c1()).healthy(c2()).build();
  const Decision d =
      plan(c1().generation(3).desired(RollbackBuilder().to(1).emergency().build()),
           ObservedBuilder().running(c2()).healthy().canary_weight(0).build(), history, kNow);
  for (const auto& s : d.plan.steps) {
    EXPECT_NE(s.kind(), K::kPause);
    EXPECT_NE(s.kind(), K::kAnalysisGate);
    EXPECT_NE(s.kind(), K::kSmokeGate);
  }
  EXPECT_NE(find_step<step::HealthGate>(d.plan), nullptr);
}

TEST(Canary, PausedPlanWaitsForTheDuration) {
  const auto desired = c2().desired();
  const auto history = HistoryBuilder().healthy(c1()).build();
  const auto observed = ObservedBuilder().running(c1()).healthy().build();
  const Decision first = plan(desired, observed, history, kNow);
  model::History h = history;
  h.revisions.push_back(*first.new_record);
  Desired next = desired;
  next.release.status.current_revision = rev(1);
  next.release.status.progress =
      model::PlanProgress{rev(2), first.plan.hash, 3, false, std::nullopt};
  const Decision d =
      plan(next, ObservedBuilder().running(c1()).healthy().canary_weight(10).build(), h, kNow);
  ASSERT_EQ(d.plan.first_step, 3U);
  EXPECT_EQ(d.plan.next()->kind(), K::kPause);
  EXPECT_EQ(d.action, Action::requeue_after(60s));
}

}  // namespace
}  // namespace rwd::reconcile::testing
