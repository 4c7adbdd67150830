// spec.analysis in the reconcile loop: metrics measured through the window
// after a revision goes live, the smoke command, and the notifications of
// spec.notify — all in memory.

#include <gmock/gmock.h>

#include "execute/reconciler_loop.hpp"

namespace rwd::execute::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Loop = BasicLoop<FakePlatform>;

model::Release analysed(const std::string& image) {
  model::Release r = release(image);
  r.spec.analysis = error_rate_analysis(std::chrono::seconds(10), std::chrono::minutes(1), 1);
  r.spec.notify.push_back(model::NotifySpec{model::WebhookSpec{"http://127.0.0.1:8099/hook"}});
  return r;
}

std::size_t count_of(const std::vector<std::string>& v, const std::string& prefix) {
  std::size_t n = 0;
  for (const auto& s : v) n += s.rfind(prefix, 0) == 0 ? 1U : 0U;
  return n;
}

TEST(ReconcilerAnalysis, MetricsWithinTheirThresholdsThroughTheWindowMakeTheRevisionStable) {
  Loop loop;
  ASSERT_FALSE(loop.settle(analysed("demo:v1")).error);
  loop.metrics.measured.clear();
  loop.metrics.values["error-rate"] = analysis::Measurement::of(0.01);
  ASSERT_FALSE(loop.settle(analysed("demo:v2")).error);
  EXPECT_EQ(loop.running_images(), std::vector<std::string>{"demo:v2"});
  EXPECT_EQ(loop.status().stable_revision, model::RevisionNumber{2});
  // A minute at 10 s: measured on every round, on v2's container, with
  // {{revision}} = the revision's number.
  EXPECT_GE(count_of(loop.metrics.measured, "error-rate 2 shop_api_1-rewind-r2:8080"), 6U)
      << ::testing::PrintToString(loop.metrics.measured);
  EXPECT_EQ(count_of(loop.metrics.measured, "error-rate 1"), 0U);
}

// Kubernetes: no container addresses. Metrics that need none (Prometheus
// queries) are still measured; the health check's port is not asked for.
TEST(ReconcilerAnalysis, MetricsThatNeedNoAddressAreMeasuredWhereThereAreNone) {
  Loop loop;
  ASSERT_FALSE(loop.settle(analysed("demo:v1")).error);
  loop.platform.addresses = false;
  loop.metrics.measured.clear();
  loop.metrics.values["error-rate"] = analysis::Measurement::of(0.01);
  ASSERT_FALSE(loop.settle(analysed("demo:v2")).error);
  EXPECT_EQ(loop.status().stable_revision, model::RevisionNumber{2});
  EXPECT_GE(count_of(loop.metrics.measured, "error-rate 2"), 6U)
      << ::testing::PrintToString(loop.metrics.measured);
}

TEST(ReconcilerAnalysis, AMetricBeyondFailIfMoreOftenThanItsFailureLimitRollsBack) {
  Loop loop;
  ASSERT_FALSE(loop.settle(analysed("demo:v1")).error);
  loop.metrics.values["error-rate 2"] = analysis::Measurement::of(0.25);
  (void)loop.settle(analysed("demo:v2"));
  EXPECT_EQ(loop.running_images(), std::vector<std::string>{"demo:v1"});
  const auto h = loop.history();
  ASSERT_EQ(h.revisions.size(), 2U);
  EXPECT_EQ(h.revisions[1].outcome, model::RevisionOutcome::kFailedAnalysis);
  EXPECT_THAT(h.revisions[1].outcome_reason, HasSubstr("error-rate"));
  EXPECT_THAT(h.revisions[1].outcome_reason, HasSubstr("0.25 > 0.05"));
  // failureLimit 1: the second failed measurement decides, not the first.
  EXPECT_EQ(count_of(loop.metrics.measured, "error-rate 2"), 2U);
  EXPECT_EQ(loop.status().stable_revision, model::RevisionNumber{1});
  EXPECT_GE(count_of(loop.metrics.measured, "error-rate 1"), 6U)
      << "v1's window after the rollback";
}

TEST(ReconcilerAnalysis, InconclusiveMeasurementsBeyondTheirLimitFailTheRevision) {
  Loop loop;
  ASSERT_FALSE(loop.settle(analysed("demo:v1")).error);
  loop.metrics.values["error-rate 2"] = analysis::Measurement::inconclusive("empty result");
  (void)loop.settle(analysed("demo:v2"));
  EXPECT_EQ(loop.running_images(), std::vector<std::string>{"demo:v1"}) << "no data is not a pass";
  EXPECT_EQ(loop.history().revisions[1].outcome, model::RevisionOutcome::kFailedAnalysis);
}

TEST(ReconcilerAnalysis, AFailingSmokeCommandRollsBackBeforeTheWindow) {
  Loop loop;
  ASSERT_FALSE(loop.settle(analysed("demo:v1")).error);
  model::Release v2 = analysed("demo:v2");
  v2.spec.analysis->smoke =
      model::SmokeSpec{{"curl", "--fail", "http://{{address}}/health"}, std::chrono::seconds(30)};
  loop.metrics.values["smoke 2"] = analysis::Measurement::of(22, "curl: (22) 503");
  (void)loop.settle(v2);
  EXPECT_EQ(loop.running_images(), std::vector<std::string>{"demo:v1"});
  const auto history = loop.history();
  const auto& rec = history.revisions[1];
  EXPECT_EQ(rec.outcome, model::RevisionOutcome::kFailedAnalysis);
  EXPECT_THAT(rec.outcome_reason, HasSubstr("smoke test"));
  EXPECT_THAT(rec.outcome_reason, HasSubstr("curl: (22) 503"));
  EXPECT_EQ(count_of(loop.metrics.measured, "smoke 2 shop_api_1-rewind-r2:8080"), 1U);
  EXPECT_EQ(count_of(loop.metrics.measured, "error-rate 2"), 0U) << "the smoke test comes first";
}

TEST(ReconcilerAnalysis, NotificationsFollowTheRolloutAndTheRollback) {
  Loop loop;
  ASSERT_FALSE(loop.settle(analysed("demo:v1")).error);
  loop.notifier.events.clear();
  ASSERT_FALSE(loop.settle(analysed("demo:v2")).error);
  EXPECT_THAT(loop.notifier.types(), ElementsAre("rollout-started", "promoted"));
  EXPECT_EQ(loop.notifier.events.back().to_revision, 2);
  EXPECT_EQ(loop.notifier.events.back().release.str(), "shop/api");

  loop.notifier.events.clear();
  loop.metrics.values["error-rate 3"] = analysis::Measurement::of(0.5);
  (void)loop.settle(analysed("demo:v3"));
  EXPECT_THAT(loop.notifier.types(),
              ElementsAre("rollout-started", "rollback-started", "rolled-back"));
  const notify::Event& back = loop.notifier.events.back();
  EXPECT_EQ(back.from_revision, 3);
  EXPECT_EQ(back.to_revision, 2);
  EXPECT_EQ(back.trigger, "Automatic");
  ASSERT_TRUE(back.seconds);
  EXPECT_GE(*back.seconds, 0.0);
}

TEST(ReconcilerAnalysis, ARollbackWhoseTargetFailsTooIsAFailedRollbackAndSaysSo) {
  Loop loop;
  ASSERT_FALSE(loop.settle(analysed("demo:v1")).error);
  loop.notifier.events.clear();
  loop.metrics.values["error-rate"] = analysis::Measurement::of(0.3);  // every revision
  (void)loop.settle(analysed("demo:v2"));
  const auto types = loop.notifier.types();
  ASSERT_GE(types.size(), 3U) << ::testing::PrintToString(types);
  EXPECT_EQ(types[0], "rollout-started");
  EXPECT_EQ(types[1], "rollback-started");
  EXPECT_EQ(types[2], "rollback-failed");
  EXPECT_THAT(loop.notifier.events[2].message, HasSubstr("revision 1 failed its analysis"));
}

TEST(ReconcilerAnalysis, NoNotifyTargetsNoEvents) {
  Loop loop;
  model::Release r = analysed("demo:v1");
  r.spec.notify.clear();
  ASSERT_FALSE(loop.settle(r).error);
  r.spec.image = model::ImageRef{"demo:v2"};
  ASSERT_FALSE(loop.settle(r).error);
  EXPECT_TRUE(loop.notifier.events.empty());
}

}  // namespace
}  // namespace rwd::execute::testing

namespace rwd::execute::testing {
namespace {

std::optional<model::Condition> degraded(const model::ReleaseStatus& s) {
  for (const auto& c : s.conditions) {
    if (c.type == model::condition_type::kDegraded) return c;
  }
  return std::nullopt;
}

TEST(ReconcilerAnalysis, AWarnIfCrossedSetsDegradedWithoutFailingTheRevision) {
  BasicLoop<FakePlatform> loop;
  ASSERT_FALSE(loop.settle(analysed("demo:v1")).error);
  model::Release r = analysed("demo:v2");
  r.spec.analysis->metrics[0].warn_if = model::parse_threshold("> 0.01");
  loop.metrics.values["error-rate 2"] = analysis::Measurement::of(0.02);  // warns, does not fail

  // Into the window: a few rounds.
  for (int i = 0; i < 6; ++i) {
    const auto out = loop.reconciler.reconcile(r, {});
    loop.clock += out.action.requeue().value_or(model::Duration{});
  }
  const auto during = degraded(loop.status());
  ASSERT_TRUE(during);
  EXPECT_EQ(during->status, model::ConditionStatus::kTrue);
  EXPECT_EQ(during->reason, "AnalysisWarning");
  EXPECT_THAT(during->message, HasSubstr("error-rate"));
  EXPECT_THAT(during->message, HasSubstr("0.02"));
  EXPECT_EQ(loop.status().phase, model::ReleasePhase::kProgressing) << "still going";

  // A round without a warning clears it.
  loop.metrics.values["error-rate 2"] = analysis::Measurement::of(0.0);
  const auto out = loop.reconciler.reconcile(r, {});
  loop.clock += out.action.requeue().value_or(model::Duration{});
  ASSERT_TRUE(degraded(loop.status()));
  EXPECT_EQ(degraded(loop.status())->status, model::ConditionStatus::kFalse);

  ASSERT_FALSE(loop.settle(r).error);
  EXPECT_EQ(loop.status().stable_revision, model::RevisionNumber{2}) << "warnings never roll back";
  EXPECT_EQ(degraded(loop.status())->status, model::ConditionStatus::kFalse);
}

}  // namespace
}  // namespace rwd::execute::testing
