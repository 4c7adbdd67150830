// Blue-green: new color beside the active one, switch, delayed scale-down,
// and the one-step switchback.

#include <gtest/gtest.h>

#include "rewind/reconcile/planner.hpp"

#include "builders.hpp"

namespace rwd::reconcile::testing {
namespace {

using K = StepKind;

ReleaseBuilder bg1() { return ReleaseBuilder().blue_green().image("shop-api:v1"); }
ReleaseBuilder bg2() { return ReleaseBuilder().blue_green().image("shop-api:v2").generation(2); }

std::vector<PlanCase> cases() {
  std::vector<PlanCase> out;
  {
    auto c = named("ForwardStartsIdleColorThenSwitches");
    c.desired = bg2().analysis().desired();
    c.history = HistoryBuilder().healthy(bg1()).build();
    c.observed = ObservedBuilder().running(bg1()).healthy().active(Color::kBlue).build();
    c.direction = Direction::kRollForward;
    c.reason = reason::kNewRevision;
    // The analysis window runs after the switch, on real traffic, while
    // the old color is still up.
    c.steps = {K::kStartRevision, K::kHealthGate, K::kSwitchActiveColor,
               K::kAnalysisGate,  K::kScaleDown,  K::kMarkStable};
    c.check = [](const Decision& d) {
      EXPECT_EQ(find_step<step::StartRevision>(d.plan)->color, Color::kGreen);
      EXPECT_EQ(find_step<step::HealthGate>(d.plan)->color, Color::kGreen);
      const auto* sw = find_step<step::SwitchActiveColor>(d.plan);
      EXPECT_EQ(sw->from, Color::kBlue);
      EXPECT_EQ(sw->to, Color::kGreen);
      const auto* down = find_step<step::ScaleDown>(d.plan);
      EXPECT_EQ(down->color, Color::kBlue);
      EXPECT_EQ(down->revision, rev(1));
      EXPECT_EQ(down->delay, model::Duration(10min));
      EXPECT_EQ(d.plan.steps[0].description, "start shop-api:v2 (revision 2) in green");
      EXPECT_EQ(d.plan.steps[4].description, "scale down blue (revision 1) after 10m");
    };
    out.push_back(c);
  }
  {
    auto c = named("ManualPromotionGatesTheSwitch");
    c.desired = ReleaseBuilder().blue_green(false).image("shop-api:v2").generation(2).desired();
    c.history = HistoryBuilder().healthy(bg1()).build();
    c.observed = ObservedBuilder().running(bg1()).healthy().active(Color::kGreen).build();
    c.direction = Direction::kRollForward;
    c.reason = reason::kNewRevision;
    c.steps = {K::kStartRevision,     K::kHealthGate, K::kPromote,
               K::kSwitchActiveColor, K::kScaleDown,  K::kMarkStable};
    c.check = [](const Decision& d) {
      EXPECT_EQ(find_step<step::StartRevision>(d.plan)->color, Color::kBlue);
      EXPECT_TRUE(find_step<step::Promote>(d.plan)->manual);
    };
    out.push_back(c);
  }
  {
    auto c = named("FirstDeployActivatesBlue");
    c.desired = bg1().desired();
    c.direction = Direction::kRollForward;
    c.reason = reason::kNewRevision;
    c.steps = {K::kStartRevision, K::kHealthGate, K::kSwitchActiveColor, K::kMarkStable};
    c.check = [](const Decision& d) {
      const auto* sw = find_step<step::SwitchActiveColor>(d.plan);
      EXPECT_FALSE(sw->from);
      EXPECT_EQ(sw->to, Color::kBlue);
    };
    out.push_back(c);
  }
  {
    // The new color failed its analysis while the old color is still up.
    auto c = named("SwitchbackIsASingleRouterChange");
    c.desired = bg2().analysis().notify().desired();
    c.history =
        HistoryBuilder().superseded(bg1()).failed(bg2(), RevisionOutcome::kFailedAnalysis).build();
    c.observed =
        ObservedBuilder().running(bg2()).healthy().active(Color::kGreen).standby(bg1()).build();
    c.direction = Direction::kRollback;
    c.reason = reason::kAutomatic;
    // Recorded as an incident, then one switch; the failed color stays up,
    // out of traffic. Nothing starts or stops.
    c.steps = {K::kRecordIncident, K::kSwitchActiveColor, K::kMarkStable, K::kNotify};
    c.from = 2;
    c.to = 1;
    c.check = [](const Decision& d) {
      const auto* sw = find_step<step::SwitchActiveColor>(d.plan);
      EXPECT_EQ(sw->from, Color::kGreen);
      EXPECT_EQ(sw->to, Color::kBlue);
      EXPECT_EQ(sw->revision, rev(1));
    };
    out.push_back(c);
  }
  {
    auto c = named("RollbackAfterScaleDownStartsOldColorAgain");
    c.desired = bg2().analysis().desired();
    c.history =
        HistoryBuilder().superseded(bg1()).failed(bg2(), RevisionOutcome::kFailedAnalysis).build();
    c.observed = ObservedBuilder().running(bg2()).healthy().active(Color::kGreen).build();
    c.direction = Direction::kRollback;
    c.reason = reason::kAutomatic;
    c.steps = {K::kRecordIncident, K::kStartRevision, K::kHealthGate, K::kSwitchActiveColor,
               K::kAnalysisGate,   K::kScaleDown,     K::kMarkStable};
    c.check = [](const Decision& d) {
      EXPECT_EQ(find_step<step::StartRevision>(d.plan)->color, Color::kBlue);
      EXPECT_EQ(find_step<step::ScaleDown>(d.plan)->color, Color::kGreen);
      EXPECT_EQ(find_step<step::ScaleDown>(d.plan)->revision, rev(2));
    };
    out.push_back(c);
  }
  {
    // The standby color is up, but the schema moved: the database goes back
    // first, then traffic switches to the color that is already running.
    auto c = named("StandbyWithSchemaChangeDowngradesFirst");
    c.desired = bg2().migration("0007").desired();
    c.history = HistoryBuilder()
                    .superseded(bg1().migration("0005"))
                    .failed(bg2().migration("0007"), RevisionOutcome::kFailedHealth)
                    .build();
    c.observed = ObservedBuilder()
                     .running(bg2().migration("0007"))
                     .unhealthy()
                     .active(Color::kGreen)
                     .standby(bg1().migration("0005"))
                     .build();
    c.direction = Direction::kRollback;
    c.reason = reason::kAutomatic;
    c.steps = {K::kRecordIncident,    K::kBackup,    K::kMigrate,   K::kHealthGate,
               K::kSwitchActiveColor, K::kScaleDown, K::kMarkStable};
    out.push_back(c);
  }
  {
    auto c = named("EmergencyScalesDownAtOnce");
    c.desired = bg2().analysis().desired(RollbackBuilder().to_previous().emergency().build());
    c.history = HistoryBuilder().superseded(bg1()).healthy(bg2()).build();
    c.observed = ObservedBuilder().running(bg2()).healthy().active(Color::kBlue).build();
    c.direction = Direction::kRollback;
    c.reason = reason::kRollbackResource;
    c.steps = {K::kRecordIncident,    K::kStartRevision, K::kHealthGate,
               K::kSwitchActiveColor, K::kScaleDown,     K::kMarkStable};
    c.check = [](const Decision& d) {
      EXPECT_EQ(find_step<step::ScaleDown>(d.plan)->delay, model::Duration(0));
    };
    out.push_back(c);
  }
  return out;
}

class BlueGreen : public ::testing::TestWithParam<PlanCase> {};

TEST_P(BlueGreen, Plans) { expect_plan(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Strategy, BlueGreen, ::testing::ValuesIn(cases()), case_name);

TEST(BlueGreen, ManualPromoteWaitsForAPerson) {
  const auto desired =
      ReleaseBuilder().blue_green(false).image("shop-api:v2").generation(2).desired();
  const auto history = HistoryBuilder().healthy(bg1()).build();
  const auto observed = ObservedBuilder().running(bg1()).healthy().active(Color::kBlue).build();
  const Decision first = plan(desired, observed, history, kNow);
  model::History h = history;
  h.revisions.push_back(*first.new_record);
  // Start and health are done; the next step is the promotion gate.
  Desired resumed = desired;
  resumed.release.status.progress =
      model::PlanProgress{rev(2), first.plan.hash, 2, false, std::nullopt};
  resumed.release.status.current_revision = rev(1);
  const Decision d = plan(resumed, observed, h, kNow);
  EXPECT_EQ(d.plan.first_step, 2U);
  EXPECT_EQ(d.phase, model::ReleasePhase::kPaused);
  EXPECT_TRUE(d.action.is_await_change());
}

}  // namespace
}  // namespace rwd::reconcile::testing
