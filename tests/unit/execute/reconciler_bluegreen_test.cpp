// Blue-green on a container platform, in memory: the new color starts beside
// the active one, the router switches, the analysis window runs on real
// traffic, and the old color stays up for scaleDownDelay so that a failure is
// one router change back.

#include <gmock/gmock.h>

#include "rewind/execute/colors.hpp"

#include "execute/reconciler_loop.hpp"

namespace rwd::execute::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Loop = RoutedLoop;

const model::ObjectKey kKey{"shop", "api"};

model::Release bluegreen(const std::string& image) {
  model::Release r = release(image);
  r.spec.strategy.type = model::StrategyType::kBlueGreen;
  model::BlueGreenSpec bg;
  bg.scale_down_delay = std::chrono::minutes(10);
  r.spec.strategy.blue_green = bg;
  return r;
}

model::Release analysed(const std::string& image) {
  model::Release r = bluegreen(image);
  r.spec.analysis = error_rate_analysis(std::chrono::seconds(10), std::chrono::minutes(1));
  return r;
}

std::vector<router::Backend> live(Loop& loop) { return *loop.router.weights(kKey); }

// Runs reconciles until the plan waits at its ScaleDown step (traffic
// switched, the old color still up), without moving the clock past it.
void until_scale_down(Loop& loop, const model::Release& r) {
  for (int i = 0; i < 100; ++i) {
    const auto out = loop.reconciler.reconcile(r, {});
    const auto st = loop.status();
    if (st.progress && active_color(*loop.router.weights(kKey)) == reconcile::Color::kGreen) return;
    if (out.action.is_await_change()) break;
    loop.clock += *out.action.requeue();
  }
  ADD_FAILURE() << "never reached ScaleDown";
}

// The calls that change containers (create, start, stop, remove, rename).
std::vector<std::string> changes(const std::vector<std::string>& calls, std::size_t from = 0) {
  std::vector<std::string> out;
  for (std::size_t i = from; i < calls.size(); ++i) {
    const auto& c = calls[i];
    if (c.rfind("list", 0) == 0 || c.rfind("ensure_image", 0) == 0 || c.rfind("inspect", 0) == 0) {
      continue;
    }
    out.push_back(c);
  }
  return out;
}

// The set_weights calls the router saw, in order.
std::vector<std::vector<router::Backend>> switches(const Loop& loop) {
  std::vector<std::vector<router::Backend>> out;
  for (const auto& c : loop.router.calls()) {
    if (c.op == "set_weights") out.push_back(c.backends);
  }
  return out;
}

TEST(ReconcilerBlueGreen, ALabelSelectingRouterIsPinnedToTheServingColorBeforeTheNewOneStarts) {
  Loop loop;
  loop.router.select_by_label(true);  // as a Kubernetes Service
  ASSERT_FALSE(loop.settle(bluegreen("demo:v1")).error);
  EXPECT_TRUE(switches(loop).empty());
  until_scale_down(loop, bluegreen("demo:v2"));
  const auto seen = switches(loop);
  ASSERT_EQ(seen.size(), 2U);
  EXPECT_THAT(seen[0], ElementsAre(router::Backend{"blue", "shop-api-1:8080", 100}))
      << "pinned before green started (it would match the selector)";
  EXPECT_THAT(seen[1], ElementsAre(router::Backend{"green", "shop-api-1-green:8080", 100},
                                   router::Backend{"blue", "shop-api-1:8080", 0}));
}

TEST(ReconcilerBlueGreen, ARouterThatListsItsBackendsIsNotPinned) {
  Loop loop;  // nginx: a container gets traffic only once it is in the upstream file
  ASSERT_FALSE(loop.settle(bluegreen("demo:v1")).error);
  until_scale_down(loop, bluegreen("demo:v2"));
  EXPECT_EQ(switches(loop).size(), 1U) << "only the switch";
}

TEST(ReconcilerBlueGreen, TheNewColorStartsBesideTheComposeContainerAndTakesTheTraffic) {
  Loop loop;  // shop-api-1 runs demo:v1, made by docker compose (no color)
  ASSERT_FALSE(loop.settle(bluegreen("demo:v1")).error);
  EXPECT_TRUE(loop.router.weights(kKey)->empty()) << "nothing to switch at v1";

  until_scale_down(loop, bluegreen("demo:v2"));
  const Instance* green = loop.named("shop-api-1-green");
  ASSERT_NE(green, nullptr);
  EXPECT_TRUE(green->running);
  EXPECT_EQ(green->image.value(), "demo:v2");
  EXPECT_EQ(green->labels.at(label::kColor), "green");
  EXPECT_EQ(green->labels.at(label::kRevision), "2");
  ASSERT_FALSE(loop.platform.changes.empty());
  EXPECT_EQ(loop.platform.changes.back().publish_loopback, std::vector<int>{8080})
      << "the compose container's host port stays with it";
  EXPECT_THAT(live(loop), ElementsAre(router::Backend{"green", "shop-api-1-green:8080", 100},
                                      router::Backend{"blue", "shop-api-1:8080", 0}));
  EXPECT_TRUE(loop.named("shop-api-1")->running) << "the old color waits for scaleDownDelay";
  // Observed: green active, v1 standby.
  EXPECT_EQ(loop.status().phase, model::ReleasePhase::kProgressing);

  ASSERT_FALSE(loop.settle(bluegreen("demo:v2")).error);
  EXPECT_EQ(loop.running_images(), std::vector<std::string>{"demo:v2"});
  EXPECT_EQ(loop.named("shop-api-1"), nullptr) << "stopped after the delay, removed when stable";
  EXPECT_EQ(loop.status().stable_revision, model::RevisionNumber{2});
  EXPECT_EQ(loop.status().phase, model::ReleasePhase::kHealthy);
}

TEST(ReconcilerBlueGreen, ColorsAlternateAndKeepTheirNames) {
  Loop loop;
  ASSERT_FALSE(loop.settle(bluegreen("demo:v1")).error);
  ASSERT_FALSE(loop.settle(bluegreen("demo:v2")).error);
  ASSERT_FALSE(loop.settle(bluegreen("demo:v3")).error);
  const Instance* blue = loop.named("shop-api-1-blue");
  ASSERT_NE(blue, nullptr);
  EXPECT_EQ(blue->image.value(), "demo:v3");
  EXPECT_EQ(loop.named("shop-api-1-green"), nullptr) << "v2's color, stopped then removed";
  EXPECT_THAT(live(loop), ElementsAre(router::Backend{"blue", "shop-api-1-blue:8080", 100},
                                      router::Backend{"green", "shop-api-1-green:8080", 0}));
  EXPECT_EQ(loop.running_images(), std::vector<std::string>{"demo:v3"});
  EXPECT_EQ(loop.status().stable_revision, model::RevisionNumber{3});
}

TEST(ReconcilerBlueGreen, FailedAnalysisAfterTheSwitchIsOneRouterChangeBack) {
  Loop loop;
  ASSERT_FALSE(loop.settle(analysed("demo:v1")).error);
  loop.metrics.values["error-rate 2"] = analysis::Measurement::of(0.30);
  const std::size_t calls_before = loop.platform.calls.size();
  (void)loop.settle(analysed("demo:v2"));

  EXPECT_THAT(live(loop), ElementsAre(router::Backend{"blue", "shop-api-1:8080", 100},
                                      router::Backend{"green", "shop-api-1-green:8080", 0}));
  const auto h = loop.history();
  ASSERT_EQ(h.revisions.size(), 2U);
  EXPECT_EQ(h.revisions[1].outcome, model::RevisionOutcome::kFailedAnalysis);
  EXPECT_EQ(loop.status().current_revision, model::RevisionNumber{1});
  // The switchback created and started nothing: v1 never stopped.
  EXPECT_THAT(changes(loop.platform.calls, calls_before),
              ElementsAre("create shop-api-1-green demo:v2", "start shop-api-1-green"));
  EXPECT_TRUE(loop.named("shop-api-1")->running);
}

TEST(ReconcilerBlueGreen, ARevertWithinTheDelayIsASwitchback) {
  Loop loop;
  ASSERT_FALSE(loop.settle(bluegreen("demo:v1")).error);
  until_scale_down(loop, bluegreen("demo:v2"));
  const std::size_t calls_before = loop.platform.calls.size();
  // The Release file reverted to v1 (GitOps) while blue still runs.
  ASSERT_FALSE(loop.settle(bluegreen("demo:v1")).error);
  EXPECT_EQ(live(loop).front(), (router::Backend{"blue", "shop-api-1:8080", 100}));
  EXPECT_THAT(changes(loop.platform.calls, calls_before), ::testing::IsEmpty())
      << "no container created, started or stopped";
  EXPECT_EQ(loop.status().current_revision, model::RevisionNumber{1});
}

TEST(ReconcilerBlueGreen, AutoPromoteFalseWaitsWithTheNewColorUpUntilPromoted) {
  Loop loop;
  model::Release v1 = bluegreen("demo:v1");
  v1.spec.strategy.blue_green->auto_promote = false;
  model::Release v2 = v1;
  v2.spec.image = model::ImageRef{"demo:v2"};
  ASSERT_FALSE(loop.settle(v1).error);
  ASSERT_FALSE(loop.settle(v2).error);
  EXPECT_EQ(loop.status().phase, model::ReleasePhase::kPaused);
  ASSERT_NE(loop.named("shop-api-1-green"), nullptr);
  EXPECT_TRUE(loop.named("shop-api-1-green")->running) << "up and healthy, without traffic";
  EXPECT_TRUE(loop.router.weights(kKey)->empty());
  loop.command(CommandKind::kPromote);
  ASSERT_FALSE(loop.settle(v2).error);
  EXPECT_EQ(live(loop).front(), (router::Backend{"green", "shop-api-1-green:8080", 100}));
  EXPECT_EQ(loop.status().stable_revision, model::RevisionNumber{2});
}

TEST(ReconcilerBlueGreen, WithoutARouterThePlanStopsBeforeTouchingAnything) {
  FakePlatform platform;
  platform.add("shop-api-1", "demo:v1", true);
  FakeProbe probe;
  history::MemoryHistoryStore histories;
  history::MemoryStatusStore statuses;
  model::Timestamp clock = *model::parse_timestamp("2026-11-21T08:00:00Z");
  ReleaseReconciler reconciler{
      ReconcilerDeps{platform, probe, histories, statuses, [&clock] { return clock; },
                     [](const model::Release&) {
                       return model::Result<model::EnvFileContents>(model::EnvFileContents{});
                     },
                     false, nullptr, nullptr, MetricsFactory{}, nullptr, Traffic{}, nullptr}};
  (void)reconciler.reconcile(bluegreen("demo:v1"), {});
  const auto calls_before = platform.calls.size();
  (void)reconciler.reconcile(bluegreen("demo:v2"), {});
  EXPECT_THAT(changes(platform.calls, calls_before), ::testing::IsEmpty());
  const auto st = (*statuses.read_release(kKey))->status;
  EXPECT_THAT(st.message, HasSubstr("--nginx-upstream-dir"));
}

}  // namespace
}  // namespace rwd::execute::testing
