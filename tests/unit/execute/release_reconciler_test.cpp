// The whole loop in memory: source spec -> plan -> steps -> history and
// status, driven the way the runtime drives it (requeue after the asked
// delay), with a clock that only moves when the test moves it.

#include "rewind/execute/release_reconciler.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rewind/reconcile/conditions.hpp"

#include "execute/reconciler_loop.hpp"

namespace rwd::execute {
namespace {

using testing::BasicLoop;
using testing::FakePlatform;
using testing::FakeProbe;
using testing::release;

using Loop = BasicLoop<FakePlatform>;

const model::Condition* cond(const model::ReleaseStatus& s, const char* type) {
  return reconcile::find_condition(s.conditions, type);
}
// The condition points into `s`: a temporary status would leave it dangling.
const model::Condition* cond(model::ReleaseStatus&& s, const char* type) = delete;

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
  EXPECT_EQ(loop.platform.containers.size(), 1U)
      << "the old container is removed once v2 is stable";
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

TEST(ReleaseReconciler, AFailedFirstChangeRollsBackOntoTheAdoptedComposeContainerOnce) {
  Loop loop;
  ASSERT_FALSE(loop.settle(release("demo:v1")).error);
  const std::string compose_id = loop.platform.containers.begin()->first;
  loop.probe.healthy_by_image_name["shop_api_1-rewind-r2"] = false;
  const auto out = loop.settle(release("demo:v2"));
  ASSERT_FALSE(out.error) << out.error->message;
  EXPECT_TRUE(out.action.is_await_change()) << "settled, not rolling back over and over";
  EXPECT_EQ(loop.running_images(), std::vector<std::string>{"demo:v1"});
  ASSERT_EQ(loop.platform.running().size(), 1U);
  EXPECT_EQ(loop.platform.running()[0]->id, compose_id) << "the compose container started again";
  const auto st = loop.status();
  ASSERT_TRUE(st.last_rollback);
  EXPECT_EQ(st.last_rollback->from, model::RevisionNumber{2}) << "one rollback, from 2";
  EXPECT_EQ(st.current_revision, model::RevisionNumber{1});
  EXPECT_EQ(st.phase, model::ReleasePhase::kRolledBack);
  std::size_t plans_done = 0;
  for (const auto& s : loop.summaries) plans_done += s.rfind("plan done", 0) == 0 ? 1U : 0U;
  EXPECT_EQ(plans_done, 2U) << "adoption and the rollback: "
                            << ::testing::PrintToString(loop.summaries);
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
  rb.spec.to =
      model::RollbackTarget{model::RollbackTarget::Kind::kRevision, model::RevisionNumber{1}};
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

TEST(ReleaseReconciler, RollbackStatusShowsEachStepWithItsResultAndTiming) {
  Loop loop;
  ASSERT_FALSE(loop.settle(release("demo:v1")).error);
  ASSERT_FALSE(loop.settle(release("demo:v2")).error);
  model::Rollback rb;
  rb.metadata = {"incident-43", "shop", "", 1, "", {}, {}};
  rb.spec.release_name = "api";
  rb.spec.to = model::RollbackTarget{model::RollbackTarget::Kind::kPrevious, {}};
  rb.spec.emergency = true;
  const model::Timestamp started = loop.clock;
  ASSERT_FALSE(loop.settle(release("demo:v2"), {rb}).error);
  const auto stored = *loop.statuses.read_rollback({"shop", "incident-43"});
  ASSERT_TRUE(stored);
  const auto& plan = stored->status.plan;
  ASSERT_GE(plan.size(), 3U);
  std::vector<std::string> names;
  for (const auto& step : plan) {
    names.push_back(step.name);
    EXPECT_EQ(step.state, model::StepState::kSucceeded) << step.description;
    ASSERT_TRUE(step.started_at && step.finished_at) << step.description;
    EXPECT_LE(started, *step.started_at);
    EXPECT_LE(*step.started_at, *step.finished_at);
  }
  EXPECT_THAT(names, ::testing::Contains("start-revision"));
  EXPECT_THAT(names, ::testing::Contains("health-gate"));
  EXPECT_EQ(names.front(), "record-incident");
  EXPECT_EQ(names.back(), "mark-stable");
  const auto st = loop.status();
  ASSERT_TRUE(st.last_rollback);
  EXPECT_TRUE(st.last_rollback->emergency) << "the incident record says it was an emergency";
}

TEST(ReleaseReconciler, DerivedGenerationGrowsOnlyWhenTheSpecChanges) {
  const model::Release a = release("demo:v1");
  model::Release stored = a;
  stored.metadata.generation = 4;
  EXPECT_EQ(derive_generation(a, std::nullopt), 1);
  EXPECT_EQ(derive_generation(a, stored), 4);
  EXPECT_EQ(derive_generation(release("demo:v2"), stored), 5);
}

// ---- Releases from Docker labels -----------------------------------------
// The label source makes the desired state what `docker compose up` created
// last: the newest compose container's image and environment, with the health
// check and analysis window from its labels. These tests drive the reconciler
// with such Releases, as the watcher does.

constexpr model::Duration kWindow = std::chrono::seconds(30);

using Env = std::map<std::string, std::string>;

// The Release DockerLabelSource reads from a compose container.
model::Release from_labels(const Instance& c) {
  model::Release r = release(c.image.value());
  r.metadata.annotations[kSourceAnnotation] = kDockerLabelsSource;
  r.spec.config.env = c.env;
  r.spec.analysis = model::AnalysisSpec{};
  r.spec.analysis->window = kWindow;
  r.spec.analysis->interval = std::chrono::seconds(5);
  return r;
}

// The environment of a replacement the way the Docker platform makes it:
// the old container's, less the keys rewind manages, plus the revision's.
// Forwards to a MemoryStatusStore, except that the write recording step
// `index` of a plan as done fails, once: as if the controller died after the
// step and before its progress was written.
class LosesOneStepRecord final : public history::StatusStore {
 public:
  LosesOneStepRecord(history::MemoryStatusStore& inner, std::int32_t index)
      : inner_(inner), index_(index) {}
  model::Status write(const model::Release& r) override {
    if (!lost_ && r.status.progress && r.status.progress->step_index == index_) {
      lost_ = true;
      return model::Error::transient("the controller died here");
    }
    return inner_.write(r);
  }
  model::Status write(const model::Rollback& r) override { return inner_.write(r); }
  model::Result<std::optional<model::Release>> read_release(const model::ObjectKey& k) override {
    return inner_.read_release(k);
  }
  model::Result<std::optional<model::Rollback>> read_rollback(const model::ObjectKey& k) override {
    return inner_.read_rollback(k);
  }
  model::Result<std::vector<model::ObjectKey>> list(history::StatusKind kind) override {
    return inner_.list(kind);
  }
  model::Status remove(history::StatusKind kind, const model::ObjectKey& k) override {
    return inner_.remove(kind, k);
  }
  model::Result<std::string> quarantine(history::StatusKind kind,
                                        const model::ObjectKey& k) override {
    return inner_.quarantine(kind, k);
  }
  [[nodiscard]] bool lost() const { return lost_; }

 private:
  history::MemoryStatusStore& inner_;
  std::int32_t index_;
  bool lost_ = false;
};

// A step whose progress was not written runs again; it is reported (on_step:
// the Kubernetes controller's StepSucceeded Event) once, when it is recorded.
TEST(ReleaseReconciler, AStepRunAgainBecauseItsRecordWasLostIsReportedOnce) {
  Loop loop;
  ASSERT_FALSE(loop.settle(release("demo:v1")).error);
  LosesOneStepRecord statuses(loop.statuses, 1);  // step 1 of 3: start revision 2
  std::vector<std::string> reported;
  ReleaseReconciler reconciler{ReconcilerDeps{
      loop.platform, loop.probe, loop.histories, statuses, [&loop] { return loop.clock; },
      [](const model::Release&) -> model::Result<model::EnvFileContents> {
        return model::EnvFileContents{};
      },
      false,
      [&reported](const model::ObjectKey&, const reconcile::Step& step, const StepResult& r,
                  model::Duration) {
        if (r.state == StepState::kDone) reported.push_back(step.description);
      }}};
  // As the runtime drives it: again after an error, after the asked delay otherwise.
  ReconcileOutcome out;
  for (int i = 0; i < 50; ++i) {
    out = reconciler.reconcile(release("demo:v2"), {});
    if (!out.error && out.action.is_await_change()) break;
    if (!out.error) loop.clock += *out.action.requeue();
  }
  ASSERT_FALSE(out.error) << out.error->message;
  ASSERT_TRUE(statuses.lost());
  EXPECT_EQ(loop.running_images(), std::vector<std::string>{"demo:v2"});
  EXPECT_EQ(loop.history().revisions.back().outcome, model::RevisionOutcome::kHealthy);
  EXPECT_THAT(reported, ::testing::ElementsAre("start demo:v2 (revision 2)",
                                               ::testing::StartsWith("wait until revision 2"),
                                               "mark revision 2 stable"));
}

class EnvPlatform : public FakePlatform {
 public:
  model::Result<std::string> create_replacement(const Instance& from,
                                                const ContainerChange& change) override {
    auto id = FakePlatform::create_replacement(from, change);
    if (!id) return id;
    std::map<std::string, std::string> env = from.env;
    std::erase_if(env, [&](const auto& e) { return change.managed_before.contains(e.first); });
    for (const auto& [k, v] : change.env) env[k] = v;
    containers.at(*id).env = env;
    return id;
  }
};

class LabelFlow : public ::testing::Test {
 protected:
  // `docker compose up` after the service's config changed: its containers
  // go, a new one takes the compose name.
  Instance& compose_up(const std::string& image, Env env) {
    loop.platform.containers.clear();
    Instance& c = loop.platform.add("shop-api-1", image, true, {{"rewind.dev/release", "api"}});
    c.env = std::move(env);
    return c;
  }

  // Calls that changed containers since call number `from`.
  std::vector<std::string> changes_since(std::size_t from) const {
    std::vector<std::string> out;
    for (std::size_t i = from; i < loop.platform.calls.size(); ++i) {
      const std::string& c = loop.platform.calls[i];
      for (const char* verb : {"create ", "start ", "stop ", "remove ", "rename "}) {
        if (c.rfind(verb, 0) == 0) out.push_back(c);
      }
    }
    return out;
  }

  const Instance& only_running() {
    const auto running = loop.platform.running();
    EXPECT_EQ(running.size(), 1U);
    return *running.front();
  }

  // compose created v2 (adopted, stable), then v3, whose Docker healthcheck
  // fails: rewind rolls the service back to v2 on its own.
  model::Release v3_rolled_back() {
    const Instance v2 = compose_up("demo:v2", env2);
    EXPECT_FALSE(loop.settle(from_labels(v2)).error);
    Instance& v3 = compose_up("demo:v3", env3);
    v3.health = HealthStatus::kUnhealthy;
    const model::Release desired = from_labels(v3);
    const auto out = loop.settle(desired);
    EXPECT_FALSE(out.error) << out.error->message;
    return desired;
  }

  const Env env2{{"DEMO_PORT", "8080"}, {"LOG_LEVEL", "info"}};
  const Env env3{{"DEMO_PORT", "8080"}, {"LOG_LEVEL", "debug"}, {"FEATURE_X", "on"}};
  BasicLoop<EnvPlatform> loop{/*compose_container=*/false};
};

TEST_F(LabelFlow, TheFirstComposeContainerIsAdoptedGatedAndWatchedWithoutARestart) {
  const Instance v2 = compose_up("demo:v2", env2);
  const auto out = loop.settle(from_labels(v2));
  ASSERT_FALSE(out.error) << out.error->message;
  EXPECT_THAT(changes_since(0), ::testing::IsEmpty()) << "adopted as it runs";
  EXPECT_EQ(only_running().id, v2.id);
  const auto h = loop.history();
  ASSERT_EQ(h.revisions.size(), 1U);
  const auto& r1 = h.revisions[0];
  EXPECT_EQ(r1.revision.image.value(), "demo:v2");
  EXPECT_EQ(r1.outcome, model::RevisionOutcome::kHealthy);
  ASSERT_TRUE(r1.live_at && r1.healthy_at);
  EXPECT_GE(*r1.healthy_at - *r1.live_at, kWindow) << "watched through the analysis window";
  EXPECT_THAT(loop.probe.probes, ::testing::Contains("shop-api-1:8080/health"));
  const auto st = loop.status();
  EXPECT_EQ(st.phase, model::ReleasePhase::kHealthy);
  EXPECT_EQ(st.current_revision, model::RevisionNumber{1});
  EXPECT_EQ(st.stable_revision, model::RevisionNumber{1});
}

TEST_F(LabelFlow, ANewComposeContainerIsANewRevisionWatchedWhereItRuns) {
  ASSERT_FALSE(loop.settle(from_labels(compose_up("demo:v2", env2))).error);
  const std::size_t mark = loop.platform.calls.size();
  const Instance v3 = compose_up("demo:v3", env3);
  const auto out = loop.settle(from_labels(v3));
  ASSERT_FALSE(out.error) << out.error->message;
  EXPECT_THAT(changes_since(mark), ::testing::IsEmpty()) << "compose already runs v3";
  EXPECT_EQ(only_running().id, v3.id);
  const auto h = loop.history();
  ASSERT_EQ(h.revisions.size(), 2U);
  EXPECT_EQ(h.revisions[0].outcome, model::RevisionOutcome::kSuperseded);
  const auto& r2 = h.revisions[1];
  EXPECT_EQ(r2.revision.image.value(), "demo:v3");
  EXPECT_EQ(r2.spec.config.env, env3);
  EXPECT_EQ(r2.outcome, model::RevisionOutcome::kHealthy);
  ASSERT_TRUE(r2.live_at && r2.healthy_at);
  EXPECT_GE(*r2.healthy_at - *r2.live_at, kWindow);
  const auto st = loop.status();
  EXPECT_EQ(st.phase, model::ReleasePhase::kHealthy);
  EXPECT_EQ(st.stable_revision, model::RevisionNumber{2});
  EXPECT_FALSE(st.last_rollback);
}

TEST_F(LabelFlow, AFailingComposeContainerIsRolledBackAndTheFailedSpecStaysDesired) {
  const model::Release desired = v3_rolled_back();
  // A replacement with v2's image and environment serves; v3 is gone.
  const Instance& serving = only_running();
  EXPECT_EQ(serving.image.value(), "demo:v2");
  EXPECT_EQ(serving.env, env2);
  EXPECT_EQ(serving.labels.at(label::kRevision), "1");
  EXPECT_EQ(serving.name, "shop-api-1") << "the compose name, once v2 is stable again";
  EXPECT_EQ(loop.platform.containers.size(), 1U);

  const auto h = loop.history();
  ASSERT_EQ(h.revisions.size(), 2U);
  EXPECT_EQ(h.revisions[1].outcome, model::RevisionOutcome::kFailedHealth);
  EXPECT_EQ(h.revisions[0].outcome, model::RevisionOutcome::kHealthy);
  const auto st = loop.status();
  EXPECT_EQ(st.phase, model::ReleasePhase::kRolledBack);
  EXPECT_EQ(st.current_revision, model::RevisionNumber{1});
  ASSERT_TRUE(st.last_rollback);
  EXPECT_EQ(st.last_rollback->from, model::RevisionNumber{2});
  EXPECT_EQ(st.last_rollback->to, model::RevisionNumber{1});
  EXPECT_EQ(st.last_rollback->trigger, "Automatic");
  const auto* rolled = cond(st, "RolledBack");
  ASSERT_NE(rolled, nullptr);
  EXPECT_EQ(rolled->status, model::ConditionStatus::kTrue);
  EXPECT_EQ(rolled->reason, "Automatic");
  const auto* ready = cond(st, "Ready");
  ASSERT_NE(ready, nullptr);
  EXPECT_EQ(ready->status, model::ConditionStatus::kFalse);
  EXPECT_EQ(ready->reason, "RevisionFailed") << "the desired revision does not run";
  EXPECT_EQ(cond(st, "Degraded")->status, model::ConditionStatus::kFalse)
      << "what runs (revision 1) is healthy";
  EXPECT_THAT(st.message, ::testing::HasSubstr("revision 2 failed (FailedHealth)"));
  const auto stored = *loop.statuses.read_release({"shop", "api"});
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->spec.image.value(), "demo:v3") << "desired stays what compose created";

  // Not retried: the same desired state, again and after a controller restart.
  const std::size_t mark = loop.platform.calls.size();
  EXPECT_FALSE(loop.settle(desired).error);
  ReleaseReconciler restarted{ReconcilerDeps{
      loop.platform, loop.probe, loop.histories, loop.statuses, [this] { return loop.clock; },
      [](const model::Release&) -> model::Result<model::EnvFileContents> {
        return model::EnvFileContents{};
      },
      false, nullptr}};
  for (int i = 0; i < 3; ++i) {
    const auto out = restarted.reconcile(desired, {});
    EXPECT_FALSE(out.error);
    loop.clock += std::chrono::minutes(1);
  }
  EXPECT_THAT(changes_since(mark), ::testing::IsEmpty());
  EXPECT_EQ(loop.history().revisions.size(), 2U);
  EXPECT_EQ(loop.status().phase, model::ReleasePhase::kRolledBack);
}

TEST_F(LabelFlow, ComposeDownLeavesNothingToRecreate) {
  const model::Release desired = from_labels(compose_up("demo:v2", env2));
  ASSERT_FALSE(loop.settle(desired).error);
  loop.platform.containers.clear();  // docker compose down
  const std::size_t mark = loop.platform.calls.size();
  const auto out = loop.reconciler.reconcile(desired, {});
  EXPECT_FALSE(out.error);
  EXPECT_TRUE(out.action.is_await_change());
  EXPECT_THAT(out.summary, ::testing::HasSubstr("docker compose down"));
  EXPECT_THAT(changes_since(mark), ::testing::IsEmpty())
      << "the label source deletes the Release; until then nothing is created";
}

TEST_F(LabelFlow, AnotherComposeSpecAfterARollbackIsANewRevision) {
  (void)v3_rolled_back();
  // compose again, v3 with its feature turned off: a new revision.
  Env fixed = env3;
  fixed["FEATURE_X"] = "off";
  std::size_t mark = loop.platform.calls.size();
  const Instance v3b = compose_up("demo:v3", fixed);
  auto out = loop.settle(from_labels(v3b));
  ASSERT_FALSE(out.error) << out.error->message;
  EXPECT_THAT(changes_since(mark), ::testing::IsEmpty());
  auto h = loop.history();
  ASSERT_EQ(h.revisions.size(), 3U);
  EXPECT_EQ(h.revisions[2].spec.config.env, fixed);
  EXPECT_EQ(h.revisions[2].outcome, model::RevisionOutcome::kHealthy);
  auto st = loop.status();
  EXPECT_EQ(st.phase, model::ReleasePhase::kHealthy);
  EXPECT_EQ(st.stable_revision, model::RevisionNumber{3});
  EXPECT_EQ(cond(st, "RolledBack")->status, model::ConditionStatus::kFalse);
  EXPECT_EQ(cond(st, "Degraded")->status, model::ConditionStatus::kFalse);

  // And an image never seen before.
  mark = loop.platform.calls.size();
  const Instance v1 = compose_up("demo:v1", env2);
  out = loop.settle(from_labels(v1));
  ASSERT_FALSE(out.error) << out.error->message;
  EXPECT_THAT(changes_since(mark), ::testing::IsEmpty());
  h = loop.history();
  ASSERT_EQ(h.revisions.size(), 4U);
  EXPECT_EQ(h.revisions[3].revision.image.value(), "demo:v1");
  EXPECT_EQ(loop.status().stable_revision, model::RevisionNumber{4});
}

}  // namespace
}  // namespace rwd::execute
