// The whole loop in memory: source spec -> plan -> steps -> history and
// status, driven the way the runtime drives it (requeue after the asked
// delay), with a clock that only moves when the test moves it.

#include "rewind/execute/release_reconciler.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "execute/fake_platform.hpp"
#include "rewind/history/memory_store.hpp"
#include "rewind/reconcile/conditions.hpp"

namespace rwd::execute {
namespace {

using testing::FakePlatform;
using testing::FakeProbe;

model::Release release(const std::string& image) {
  model::Release r;
  r.metadata.name = "api";
  r.metadata.ns = "shop";
  r.spec.target.docker = model::DockerTarget{"shop", "api"};
  r.spec.image = model::ImageRef{image};
  r.spec.health_check = model::HealthCheckSpec{};
  r.spec.health_check->http = model::HttpCheck{"/health", 8080, "http"};
  r.spec.health_check->interval = std::chrono::seconds(1);
  return r;
}

struct Loop {
  FakePlatform platform;
  FakeProbe probe;
  history::MemoryHistoryStore histories;
  history::MemoryStatusStore statuses;
  model::Timestamp clock = *model::parse_timestamp("2026-11-21T08:00:00Z");
  ReleaseReconciler reconciler{ReconcilerDeps{
      platform, probe, histories, statuses, [this] { return clock; },
      [](const model::Release&) { return model::Result<model::EnvFileContents>(model::EnvFileContents{}); },
      false, nullptr}};
  std::vector<std::string> summaries;

  Loop() { platform.add("shop_api_1", "demo:v1", true); }

  // Runs reconciles until the controller waits for a change (or 200 passes).
  ReconcileOutcome settle(const model::Release& r, const std::vector<model::Rollback>& rbs = {}) {
    ReconcileOutcome out;
    for (int i = 0; i < 200; ++i) {
      out = reconciler.reconcile(r, rbs);
      summaries.push_back(out.summary);
      if (out.error && out.error->kind != model::ErrorKind::kTransient) return out;
      if (out.action.is_await_change()) return out;
      clock += *out.action.requeue();
    }
    ADD_FAILURE() << "did not settle; last: " << out.summary;
    return out;
  }

  model::History history() { return *histories.load({"shop", "api"}); }
  model::ReleaseStatus status() { return (*statuses.read_release({"shop", "api"}))->status; }
  std::vector<std::string> running_images() {
    std::vector<std::string> out;
    for (const auto* i : platform.running()) out.push_back(i->image.value());
    return out;
  }
};

const model::Condition* cond(const model::ReleaseStatus& s, const char* type) {
  return reconcile::find_condition(s.conditions, type);
}

TEST(ReleaseReconciler, AdoptsTheComposeContainerThenUpgradesThenRevertsInSource) {
  Loop loop;
  auto out = loop.settle(release("demo:v1"));
  ASSERT_FALSE(out.error) << out.error->message;
  EXPECT_EQ(loop.running_images(), std::vector<std::string>{"demo:v1"});
  EXPECT_EQ(loop.platform.containers.size(), 1U) << "adoption must not recreate";
  ASSERT_EQ(loop.history().revisions.size(), 1U);
  EXPECT_EQ(loop.history().revisions[0].outcome, model::RevisionOutcome::kHealthy);

  out = loop.settle(release("demo:v2"));
  ASSERT_FALSE(out.error) << out.error->message;
  EXPECT_EQ(loop.running_images(), std::vector<std::string>{"demo:v2"});
  EXPECT_EQ(loop.platform.containers.size(), 1U) << "the old container is removed once v2 is stable";
  EXPECT_EQ(loop.platform.containers.begin()->second.name, "shop_api_1");
  auto h = loop.history();
  ASSERT_EQ(h.revisions.size(), 2U);
  EXPECT_EQ(h.revisions[0].outcome, model::RevisionOutcome::kSuperseded);
  EXPECT_EQ(h.revisions[1].outcome, model::RevisionOutcome::kHealthy);
  EXPECT_EQ(loop.status().current_revision, model::RevisionNumber{2});

  // git revert: the file says v1 again.
  out = loop.settle(release("demo:v1"));
  ASSERT_FALSE(out.error) << out.error->message;
  EXPECT_EQ(loop.running_images(), std::vector<std::string>{"demo:v1"});
  h = loop.history();
  ASSERT_EQ(h.revisions.size(), 2U) << "a revert is not a new revision";
  EXPECT_EQ(h.revisions[1].outcome, model::RevisionOutcome::kRolledBack);
  const auto st = loop.status();
  EXPECT_EQ(st.current_revision, model::RevisionNumber{1});
  ASSERT_TRUE(st.last_rollback);
  EXPECT_EQ(st.last_rollback->trigger, "RevertedInSource");
  EXPECT_TRUE(st.last_rollback->finished_at.has_value());
  const auto* rolled = cond(st, "RolledBack");
  ASSERT_NE(rolled, nullptr);
  EXPECT_EQ(rolled->status, model::ConditionStatus::kTrue);
  EXPECT_EQ(rolled->reason, "RevertedInSource");
}

TEST(ReleaseReconciler, UnhealthyRevisionIsRolledBackAutomaticallyAndNotRetried) {
  Loop loop;
  ASSERT_FALSE(loop.settle(release("demo:v1")).error);
  ASSERT_FALSE(loop.settle(release("demo:v2")).error);
  loop.probe.healthy_by_image_name["shop_api_1-rewind-r3"] = false;
  const auto out = loop.settle(release("demo:v3"));
  EXPECT_EQ(loop.running_images(), std::vector<std::string>{"demo:v2"});
  const auto h = loop.history();
  ASSERT_EQ(h.revisions.size(), 3U);
  EXPECT_EQ(h.revisions[2].outcome, model::RevisionOutcome::kFailedHealth);
  EXPECT_THAT(h.revisions[2].outcome_reason, ::testing::HasSubstr("health checks in a row"));
  const auto st = loop.status();
  EXPECT_EQ(st.current_revision, model::RevisionNumber{2});
  ASSERT_TRUE(st.last_rollback);
  EXPECT_EQ(st.last_rollback->trigger, "Automatic");
  // Same spec again: nothing is retried.
  const std::size_t creates_before = loop.platform.calls.size();
  (void)loop.settle(release("demo:v3"));
  for (std::size_t i = creates_before; i < loop.platform.calls.size(); ++i) {
    EXPECT_THAT(loop.platform.calls[i], ::testing::Not(::testing::HasSubstr("create")));
  }
}

TEST(ReleaseReconciler, RollbackResourceRunsOnceAndPinsTheRelease) {
  Loop loop;
  ASSERT_FALSE(loop.settle(release("demo:v1")).error);
  ASSERT_FALSE(loop.settle(release("demo:v2")).error);
  model::Rollback rb;
  rb.metadata = {"incident-42", "shop", "", 1, "", {}, {}};
  rb.spec.release_name = "api";
  rb.spec.to = model::RollbackTarget{model::RollbackTarget::Kind::kRevision, model::RevisionNumber{1}};
  const auto out = loop.settle(release("demo:v2"), {rb});
  ASSERT_FALSE(out.error) << out.error->message;
  EXPECT_EQ(loop.running_images(), std::vector<std::string>{"demo:v1"});
  const auto stored = *loop.statuses.read_rollback({"shop", "incident-42"});
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->status.phase, model::RollbackPhase::kSucceeded);
  EXPECT_EQ(stored->status.to_revision, model::RevisionNumber{1});
  const auto st = loop.status();
  ASSERT_TRUE(st.pin);
  EXPECT_EQ(st.pin->revision, model::RevisionNumber{1});
  // The spec changes: the pin is dropped and the new spec rolls out.
  (void)loop.settle(release("demo:v3"), {rb});
  EXPECT_EQ(loop.running_images(), std::vector<std::string>{"demo:v3"});
}

TEST(ReleaseReconciler, DerivedGenerationGrowsOnlyWhenTheSpecChanges) {
  const model::Release a = release("demo:v1");
  model::Release stored = a;
  stored.metadata.generation = 4;
  EXPECT_EQ(derive_generation(a, std::nullopt), 1);
  EXPECT_EQ(derive_generation(a, stored), 4);
  EXPECT_EQ(derive_generation(release("demo:v2"), stored), 5);
}

}  // namespace
}  // namespace rwd::execute
