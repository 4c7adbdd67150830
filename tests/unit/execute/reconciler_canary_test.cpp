// Canary on a container platform, in memory: the canary container starts
// beside the stable track, the router gives it its share step by step, a
// failed analysis takes its traffic away at once, and the promotion makes it
// the stable track.

#include <gmock/gmock.h>

#include "execute/reconciler_loop.hpp"

namespace rwd::execute::testing {
namespace {

using router::Backend;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const model::ObjectKey kKey{"shop", "api"};

using Loop = RoutedLoop;

model::Release canary(const std::string& image, bool with_analysis = false) {
  model::Release r = release(image);
  r.spec.strategy.type = model::StrategyType::kCanary;
  model::CanarySpec c;
  c.steps.emplace_back(model::SetWeightStep{10});
  c.steps.emplace_back(model::PauseStep{std::chrono::seconds(30)});
  if (with_analysis) c.steps.emplace_back(model::AnalysisStep{});
  c.steps.emplace_back(model::SetWeightStep{50});
  c.steps.emplace_back(model::PauseStep{std::chrono::seconds(30)});
  r.spec.strategy.canary = c;
  if (with_analysis) {
    r.spec.analysis = error_rate_analysis(std::chrono::seconds(5), std::chrono::seconds(20));
  }
  return r;
}

// The weights of every set_weights call, in order.
std::vector<std::vector<Backend>> switches(const Loop& loop) {
  std::vector<std::vector<Backend>> out;
  for (const auto& c : loop.router.calls()) {
    if (c.op == "set_weights") out.push_back(c.backends);
  }
  return out;
}

TEST(ReconcilerCanary, WeightsFollowTheStepsThenTheCanaryBecomesTheStableTrack) {
  Loop loop;
  ASSERT_FALSE(loop.settle(canary("demo:v1")).error);
  ASSERT_FALSE(loop.settle(canary("demo:v2")).error);

  EXPECT_THAT(switches(loop),
              ElementsAre(ElementsAre(Backend{"stable", "shop-api-1:8080", 90},
                                      Backend{"canary", "shop-api-1-rewind-r2:8080", 10}),
                          ElementsAre(Backend{"stable", "shop-api-1:8080", 50},
                                      Backend{"canary", "shop-api-1-rewind-r2:8080", 50}),
                          ElementsAre(Backend{"stable", "shop-api-1-rewind-r2:8080", 100})));
  EXPECT_EQ(loop.running_images(), std::vector<std::string>{"demo:v2"});
  ASSERT_NE(loop.named("shop-api-1"), nullptr) << "the canary took the compose name";
  EXPECT_EQ(loop.named("shop-api-1")->image.value(), "demo:v2");
  EXPECT_EQ(loop.platform.changes.back().publish_loopback, std::vector<int>{8080});
  EXPECT_EQ(loop.status().stable_revision, model::RevisionNumber{2});
  EXPECT_EQ(loop.status().phase, model::ReleasePhase::kHealthy);
}

TEST(ReconcilerCanary, ALabelSelectingRouterIsPinnedToTheStableTrackBeforeTheCanaryStarts) {
  Loop loop;
  loop.router.select_by_label(true);  // as a Kubernetes Service
  ASSERT_FALSE(loop.settle(canary("demo:v1")).error);
  ASSERT_FALSE(loop.settle(canary("demo:v2")).error);
  const auto seen = switches(loop);
  ASSERT_EQ(seen.size(), 4U);
  EXPECT_THAT(seen[0], ElementsAre(Backend{"stable", "shop-api-1:8080", 100}));
  EXPECT_THAT(seen[1], ElementsAre(Backend{"stable", "shop-api-1:8080", 90},
                                   Backend{"canary", "shop-api-1-rewind-r2:8080", 10}));
}

TEST(ReconcilerCanary, PausesWaitTheirDurationOnTheClock) {
  Loop loop;
  ASSERT_FALSE(loop.settle(canary("demo:v1")).error);
  const model::Timestamp began = loop.clock;
  ASSERT_FALSE(loop.settle(canary("demo:v2")).error);
  EXPECT_GE(loop.clock - began, std::chrono::seconds(60)) << "two pauses of 30 s";
}

TEST(ReconcilerCanary, AFailedAnalysisTakesTheCanarysTrafficAwayAndStopsIt) {
  Loop loop;
  ASSERT_FALSE(loop.settle(canary("demo:v1", true)).error);
  loop.metrics.values["error-rate 2"] = analysis::Measurement::of(0.30);
  (void)loop.settle(canary("demo:v2", true));

  const auto all = switches(loop);
  ASSERT_GE(all.size(), 2U);
  EXPECT_THAT(all[0], ElementsAre(Backend{"stable", "shop-api-1:8080", 90},
                                  Backend{"canary", "shop-api-1-rewind-r2:8080", 10}));
  EXPECT_THAT(all[1], ElementsAre(Backend{"stable", "shop-api-1:8080", 100},
                                  Backend{"canary", "shop-api-1-rewind-r2:8080", 0}))
      << "the first thing after the failure: weight 0";
  EXPECT_EQ(all.size(), 2U) << "never 50%";
  EXPECT_EQ(loop.running_images(), std::vector<std::string>{"demo:v1"});
  const auto h = loop.history();
  ASSERT_EQ(h.revisions.size(), 2U);
  EXPECT_EQ(h.revisions[1].outcome, model::RevisionOutcome::kFailedAnalysis);
  EXPECT_EQ(loop.status().phase, model::ReleasePhase::kRolledBack);
  EXPECT_EQ(loop.status().current_revision, model::RevisionNumber{1});
  ASSERT_TRUE(loop.status().last_rollback);
  EXPECT_EQ(loop.status().last_rollback->from, model::RevisionNumber{2});
  // The same spec again is not retried: no new canary, no new weights.
  const auto creates = loop.platform.changes.size();
  (void)loop.settle(canary("demo:v2", true));
  EXPECT_EQ(switches(loop).size(), 2U);
  EXPECT_EQ(loop.platform.changes.size(), creates);
}

model::Release canary_against_baseline(const std::string& image) {
  model::Release r = canary(image, true);
  r.spec.analysis->metrics[0].name = "p95";
  r.spec.analysis->metrics[0].fail_if = model::parse_threshold("> 3x baseline");
  return r;
}

TEST(ReconcilerCanary, ABaselineThresholdComparesWithTheStableTrackMeasuredAtTheSameTime) {
  Loop loop;
  ASSERT_FALSE(loop.settle(canary("demo:v1")).error);
  loop.metrics.values["p95 1"] = analysis::Measurement::of(0.2);  // the stable track
  loop.metrics.values["p95 2"] = analysis::Measurement::of(0.9);  // more than 3 x 0.2
  (void)loop.settle(canary_against_baseline("demo:v2"));
  const auto h = loop.history();
  ASSERT_EQ(h.revisions.size(), 2U);
  EXPECT_EQ(h.revisions[1].outcome, model::RevisionOutcome::kFailedAnalysis);
  EXPECT_THAT(h.revisions[1].outcome_reason, HasSubstr("baseline"));
  // Both sides measured: the canary on its container, the stable track on
  // the compose container with {{revision}} = the stable revision.
  EXPECT_THAT(loop.metrics.measured, ::testing::Contains("p95 2 shop-api-1-rewind-r2:8080"));
  EXPECT_THAT(loop.metrics.measured, ::testing::Contains("p95 1 shop-api-1:8080"));
}

TEST(ReconcilerCanary, WithinThreeTimesTheBaselineTheCanaryIsPromoted) {
  Loop loop;
  ASSERT_FALSE(loop.settle(canary("demo:v1")).error);
  loop.metrics.values["p95 1"] = analysis::Measurement::of(0.2);
  loop.metrics.values["p95 2"] = analysis::Measurement::of(0.5);
  ASSERT_FALSE(loop.settle(canary_against_baseline("demo:v2")).error);
  EXPECT_EQ(loop.status().stable_revision, model::RevisionNumber{2});
}

model::Release paused_canary(const std::string& image) {
  model::Release r = canary(image);
  r.spec.strategy.canary->steps = {model::SetWeightStep{10}, model::PauseStep{std::nullopt},
                                   model::SetWeightStep{50}};
  return r;
}

TEST(ReconcilerCanary, AnIndefinitePauseWaitsForPromote) {
  Loop loop;
  ASSERT_FALSE(loop.settle(paused_canary("demo:v1")).error);
  ASSERT_FALSE(loop.settle(paused_canary("demo:v2")).error);
  loop.clock += std::chrono::hours(3);
  ASSERT_FALSE(loop.settle(paused_canary("demo:v2")).error);
  EXPECT_EQ(loop.status().phase, model::ReleasePhase::kPaused);
  EXPECT_EQ(switches(loop).size(), 1U) << "10 %, then nothing for hours";
  EXPECT_THAT(loop.status().message, HasSubstr("rewind promote api"));

  loop.command(CommandKind::kPromote);
  ASSERT_FALSE(loop.settle(paused_canary("demo:v2")).error);
  EXPECT_EQ(switches(loop).size(), 3U) << "50 %, then the promotion";
  EXPECT_EQ(loop.status().stable_revision, model::RevisionNumber{2});
  EXPECT_EQ(loop.running_images(), std::vector<std::string>{"demo:v2"});
}

TEST(ReconcilerCanary, AbortTakesTheTrafficAwayAndRetryTriesTheSameSpecAgain) {
  Loop loop;
  ASSERT_FALSE(loop.settle(paused_canary("demo:v1")).error);
  ASSERT_FALSE(loop.settle(paused_canary("demo:v2")).error);  // paused at 10 %
  loop.command(CommandKind::kAbort);
  ASSERT_FALSE(loop.settle(paused_canary("demo:v2")).error);
  const auto all = switches(loop);
  ASSERT_EQ(all.size(), 2U);
  EXPECT_THAT(all[1], ElementsAre(Backend{"stable", "shop-api-1:8080", 100},
                                  Backend{"canary", "shop-api-1-rewind-r2:8080", 0}));
  EXPECT_EQ(loop.history().revisions[1].outcome, model::RevisionOutcome::kAborted);
  EXPECT_EQ(loop.running_images(), std::vector<std::string>{"demo:v1"});
  EXPECT_EQ(loop.status().phase, model::ReleasePhase::kRolledBack);
  // Not tried again by itself...
  ASSERT_FALSE(loop.settle(paused_canary("demo:v2")).error);
  EXPECT_EQ(switches(loop).size(), 2U);
  // ...until someone asks.
  loop.command(CommandKind::kRetry);
  ASSERT_FALSE(loop.settle(paused_canary("demo:v2")).error);
  EXPECT_EQ(switches(loop).size(), 3U) << "10 % again";
  EXPECT_EQ(loop.status().phase, model::ReleasePhase::kPaused);
  EXPECT_THAT(loop.running_images(), ::testing::UnorderedElementsAre("demo:v1", "demo:v2"));
  loop.command(CommandKind::kPromote);
  ASSERT_FALSE(loop.settle(paused_canary("demo:v2")).error);
  EXPECT_EQ(loop.status().stable_revision, model::RevisionNumber{2});
}

TEST(ReconcilerCanary, CommandsWithNothingToActOnChangeNothing) {
  Loop loop;
  ASSERT_FALSE(loop.settle(paused_canary("demo:v1")).error);
  const auto before = loop.status();
  loop.command(CommandKind::kPromote);
  loop.command(CommandKind::kAbort);
  loop.command(CommandKind::kRetry);
  ASSERT_FALSE(loop.settle(paused_canary("demo:v1")).error);
  EXPECT_EQ(loop.status().stable_revision, before.stable_revision);
  EXPECT_EQ(loop.history().revisions.size(), 1U);
  EXPECT_TRUE(switches(loop).empty());
}

TEST(ReconcilerCanary, AnAnalysisStepAfterALongPauseStillGetsItsWholeWindow) {
  Loop loop;
  model::Release v1 = canary("demo:v1", true);  // analysis: every 5 s for 20 s
  v1.spec.strategy.canary->steps = {
      model::SetWeightStep{10}, model::PauseStep{std::chrono::minutes(10)}, model::AnalysisStep{}};
  model::Release v2 = v1;
  v2.spec.image = model::ImageRef{"demo:v2"};
  ASSERT_FALSE(loop.settle(v1).error);
  loop.metrics.measured.clear();
  ASSERT_FALSE(loop.settle(v2).error);
  // 20 s at 5 s: at least 4 rounds in the step, and 4 more after the promotion.
  std::size_t rounds = 0;
  for (const auto& m : loop.metrics.measured) rounds += m.rfind("error-rate 2 ", 0) == 0 ? 1U : 0U;
  EXPECT_GE(rounds, 8U) << ::testing::PrintToString(loop.metrics.measured);
  EXPECT_EQ(loop.status().stable_revision, model::RevisionNumber{2});
}

TEST(ReconcilerCanary, ARestartedControllerResumesTheSamePause) {
  Loop loop;
  ASSERT_FALSE(loop.settle(canary("demo:v1")).error);
  // Up to the first pause: the canary has 10%.
  for (int i = 0; i < 20 && switches(loop).empty(); ++i) {
    const auto out = loop.reconciler.reconcile(canary("demo:v2"), {});
    loop.clock += out.action.requeue().value_or(model::Duration{});
  }
  ASSERT_EQ(switches(loop).size(), 1U);
  const auto progress = loop.status().progress;
  ASSERT_TRUE(progress);
  const auto creates = loop.platform.changes.size();

  // A new controller over the same stores, platform and router.
  ReleaseReconciler restarted{ReconcilerDeps{
      loop.platform, loop.probe, loop.histories, loop.statuses, [&loop] { return loop.clock; },
      [](const model::Release&) {
        return model::Result<model::EnvFileContents>(model::EnvFileContents{});
      },
      false, nullptr, &loop.database, loop.metrics.factory(), &loop.notifier,
      Traffic{&loop.router, false}, &loop.commands}};
  const auto out = restarted.reconcile(canary("demo:v2"), {});
  EXPECT_FALSE(out.error);
  EXPECT_EQ(loop.status().progress->step_index, progress->step_index) << "still the pause";
  EXPECT_EQ(loop.status().progress->plan_hash, progress->plan_hash);
  EXPECT_EQ(loop.platform.changes.size(), creates) << "no second canary container";
  EXPECT_EQ(switches(loop).size(), 1U) << "the weight was not set again";
  EXPECT_EQ(loop.status().phase, model::ReleasePhase::kProgressing);
}

}  // namespace
}  // namespace rwd::execute::testing
