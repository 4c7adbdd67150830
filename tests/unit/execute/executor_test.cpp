// The executor against an in-memory platform: order of container
// operations, re-entrance after a crash, gates that never block.

#include "rewind/execute/executor.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rewind/model/revision.hpp"

#include "execute/fake_platform.hpp"

namespace rwd::execute {
namespace {

using ::testing::ElementsAre;
using testing::FakePlatform;
using testing::FakeProbe;
using ::testing::HasSubstr;
namespace step = reconcile::step;

const model::Timestamp kT0 = *model::parse_timestamp("2026-11-21T08:00:00Z");

model::Release release(const std::string& image) {
  model::Release r;
  r.metadata.name = "api";
  r.metadata.ns = "shop";
  r.spec.target.docker = model::DockerTarget{"shop", "api"};
  r.spec.image = model::ImageRef{image};
  r.spec.config.env = {{"LOG_LEVEL", "info"}};
  r.spec.health_check = model::HealthCheckSpec{};
  r.spec.health_check->http = model::HttpCheck{"/health", 8080, "http"};
  return r;
}

model::RevisionRecord record(std::int64_t n, const model::Release& r) {
  model::RevisionRecord rec;
  rec.number = model::RevisionNumber{n};
  rec.spec = r.spec;
  rec.revision = model::revision_of(r.spec, {});
  rec.hash = model::revision_hash(rec.revision);
  rec.created_at = kT0;
  return rec;
}

struct Fixture {
  FakePlatform platform;
  FakeProbe probe;
  Executor executor{platform, probe};
  model::Release rel = release("demo:v2");
  model::History history;
  reconcile::Plan plan;

  Fixture() {
    history.revisions.push_back(record(1, release("demo:v1")));
    history.revisions.push_back(record(2, rel));
    const auto& rec = history.revisions.back();
    plan = reconcile::make_plan(reconcile::Direction::kRollForward, model::RevisionNumber{1},
                                rec.number, "NewRevision",
                                {step::StartRevision{rec.number, rec.revision, std::nullopt, false},
                                 step::HealthGate{rec.number, std::nullopt, std::chrono::seconds(2),
                                                  std::chrono::seconds(1), 1, 3},
                                 step::MarkStable{rec.number}});
    platform.add("shop_api_1", "demo:v1", true);  // as docker compose made it
  }

  StepResult run(std::size_t index, model::Timestamp now = kT0) {
    return executor.run(StepInput{rel, history, plan, index, now});
  }
};

TEST(Executor, RecreateCreatesStopsOldThenStartsNew) {
  Fixture f;
  const StepResult r = f.run(0);
  ASSERT_EQ(r.state, StepState::kDone) << r.message;
  EXPECT_THAT(f.platform.calls,
              ElementsAre("list", "ensure_image demo:v2", "create shop_api_1-rewind-r2 demo:v2",
                          "stop shop_api_1", "start shop_api_1-rewind-r2"));
  const auto running = f.platform.running();
  ASSERT_EQ(running.size(), 1U);
  EXPECT_EQ(running[0]->image.value(), "demo:v2");
  EXPECT_EQ(running[0]->env.at("LOG_LEVEL"), "info");
  EXPECT_EQ(running[0]->labels.at(label::kRevision), "2");
  EXPECT_EQ(running[0]->labels.at(label::kRelease), "shop/api");
  EXPECT_EQ(running[0]->labels.at(label::kConfigHash), f.history.revisions[1].revision.config_hash);
}

TEST(Executor, StartRevisionAfterACrashFinishesInsteadOfCreatingTwice) {
  Fixture f;
  ASSERT_EQ(f.run(0).state, StepState::kDone);
  // Crash between "stop old" and "start new": the new container is stopped.
  for (auto& [id, c] : f.platform.containers) c.running = false;
  f.platform.calls.clear();
  ASSERT_EQ(f.run(0).state, StepState::kDone);
  EXPECT_THAT(f.platform.calls, ElementsAre("list", "start shop_api_1-rewind-r2"));
  EXPECT_EQ(f.platform.containers.size(), 2U);
}

TEST(Executor, HealthGatePassesAfterSuccessThreshold) {
  Fixture f;
  ASSERT_EQ(f.run(0).state, StepState::kDone);
  const StepResult r = f.run(1);
  EXPECT_EQ(r.state, StepState::kDone) << r.message;
  EXPECT_THAT(f.probe.probes, ElementsAre("shop_api_1-rewind-r2:8080/health"));
}

TEST(Executor, AGateThatPassedStartsAfreshWhenTheSamePlanRunsAgain) {
  Fixture f;
  ASSERT_EQ(f.run(0).state, StepState::kDone);
  ASSERT_EQ(f.run(1).state, StepState::kDone);
  // The container is removed and created anew (same plan, same step): its
  // Docker healthcheck says "starting", which must not pass on the old count.
  for (auto& [id, c] : f.platform.containers) {
    if (c.running) c.health = HealthStatus::kStarting;
  }
  const StepResult r = f.run(1, kT0 + std::chrono::seconds(10));
  EXPECT_EQ(r.state, StepState::kWaiting) << r.message;
  EXPECT_THAT(r.message, HasSubstr("starting"));
}

TEST(Executor, HealthGateWaitsThenFailsAfterFailureThreshold) {
  Fixture f;
  ASSERT_EQ(f.run(0).state, StepState::kDone);
  f.probe.healthy_by_image_name["shop_api_1-rewind-r2"] = false;
  StepResult r = f.run(1, kT0);
  EXPECT_EQ(r.state, StepState::kWaiting);
  EXPECT_EQ(r.retry_after, std::chrono::seconds(2));
  r = f.run(1, kT0 + std::chrono::seconds(2));
  EXPECT_EQ(r.state, StepState::kWaiting);
  r = f.run(1, kT0 + std::chrono::seconds(4));
  EXPECT_EQ(r.state, StepState::kFailed);
  EXPECT_EQ(r.outcome, model::RevisionOutcome::kFailedHealth);
  EXPECT_THAT(r.message, HasSubstr("failed 3 health checks in a row"));
  EXPECT_THAT(r.message, HasSubstr("503"));
}

TEST(Executor, HealthGateFailsAtTheProgressDeadline) {
  Fixture f;
  ASSERT_EQ(f.run(0).state, StepState::kDone);
  for (auto& [id, c] : f.platform.containers) {
    if (c.running) c.health = HealthStatus::kStarting;
  }
  EXPECT_EQ(f.run(1, kT0).state, StepState::kWaiting);
  const StepResult r = f.run(1, kT0 + std::chrono::minutes(5));
  EXPECT_EQ(r.state, StepState::kFailed);
  EXPECT_THAT(r.message, HasSubstr("did not become healthy within 5m"));
}

TEST(Executor, DockerHealthcheckIsUsedWhenTheContainerHasOne) {
  Fixture f;
  ASSERT_EQ(f.run(0).state, StepState::kDone);
  for (auto& [id, c] : f.platform.containers) {
    if (c.running) c.health = HealthStatus::kHealthy;
  }
  EXPECT_EQ(f.run(1).state, StepState::kDone);
  EXPECT_TRUE(f.probe.probes.empty());
}

TEST(Executor, MarkStableRemovesTheOldContainerAndTakesItsName) {
  Fixture f;
  ASSERT_EQ(f.run(0).state, StepState::kDone);
  f.platform.calls.clear();
  ASSERT_EQ(f.run(2).state, StepState::kDone);
  EXPECT_THAT(f.platform.calls,
              ElementsAre("list", "remove shop_api_1", "rename shop_api_1-rewind-r2 shop_api_1"));
  ASSERT_EQ(f.platform.containers.size(), 1U);
  EXPECT_EQ(f.platform.containers.begin()->second.name, "shop_api_1");
}

// The Engine restarted during the health gate and started the old container
// again (compose `restart: always` starts stopped containers too): it is
// stopped and removed before the new one takes the compose name, instead of
// the rename failing on the name for ever with two versions running.
TEST(Executor, MarkStableStopsAnOldContainerTheEngineStartedAgain) {
  Fixture f;
  ASSERT_EQ(f.run(0).state, StepState::kDone);
  for (auto& [id, c] : f.platform.containers) c.running = true;
  ASSERT_EQ(f.platform.running().size(), 2U);
  f.platform.calls.clear();
  const StepResult r = f.run(2);
  ASSERT_EQ(r.state, StepState::kDone) << r.message;
  EXPECT_THAT(f.platform.calls, ElementsAre("list", "stop shop_api_1", "remove shop_api_1",
                                            "rename shop_api_1-rewind-r2 shop_api_1"));
  const auto running = f.platform.running();
  ASSERT_EQ(running.size(), 1U);
  EXPECT_EQ(running[0]->name, "shop_api_1");
  EXPECT_EQ(running[0]->image.value(), "demo:v2");
}

// A one-off container of the service (`docker compose run api ...`) that runs
// is not an old revision: mark stable leaves it alone.
TEST(Executor, MarkStableLeavesARunningOneOffAlone) {
  Fixture f;
  ASSERT_EQ(f.run(0).state, StepState::kDone);
  f.platform.add("shop_api_run_1", "demo:v1", true);
  for (auto& [id, c] : f.platform.containers) {
    if (c.name == "shop_api_run_1") c.labels[label::kComposeOneOff] = "True";
  }
  f.platform.calls.clear();
  ASSERT_EQ(f.run(2).state, StepState::kDone);
  EXPECT_THAT(f.platform.calls,
              ElementsAre("list", "remove shop_api_1", "rename shop_api_1-rewind-r2 shop_api_1"));
  EXPECT_EQ(f.platform.running().size(), 2U);
}

// Without a StartRevision in the plan (a running container adopted as it
// is) nothing was stopped by rewind: a second running container of the
// service (`docker compose up --scale api=2`) is left as it is.
TEST(Executor, MarkStableWithoutARecreateLeavesRunningContainersAlone) {
  Fixture f;
  f.platform.add("shop_api_2", "demo:v1", true);
  const auto& rec1 = f.history.revisions[0];
  f.plan = reconcile::make_plan(reconcile::Direction::kRollForward, model::RevisionNumber{1},
                                rec1.number, "NewRevision", {step::MarkStable{rec1.number}});
  ASSERT_EQ(f.run(0).state, StepState::kDone);
  EXPECT_THAT(f.platform.calls, ElementsAre("list"));
  EXPECT_EQ(f.platform.running().size(), 2U);
}

TEST(Executor, RollbackReusesTheStoppedContainerOfTheOldRevision) {
  Fixture f;
  ASSERT_EQ(f.run(0).state, StepState::kDone);
  // Back to revision 1 before the old container was removed.
  const auto& rec1 = f.history.revisions[0];
  f.plan = reconcile::make_plan(
      reconcile::Direction::kRollback, model::RevisionNumber{2}, rec1.number, "Automatic",
      {step::StartRevision{rec1.number, rec1.revision, std::nullopt, false}});
  f.platform.calls.clear();
  ASSERT_EQ(f.run(0).state, StepState::kDone);
  EXPECT_THAT(f.platform.calls,
              ElementsAre("list", "stop shop_api_1-rewind-r2", "start shop_api_1"));
}

// `docker rm -f shop_api_1`: the container is made again from what the
// platform last saw of the service, under the compose name.
TEST(Executor, AContainerRemovedByHandIsCreatedAgainUnderItsComposeName) {
  Fixture f;
  ASSERT_TRUE(f.platform.list(f.rel.spec.target).ok());  // any reconcile lists first
  f.platform.containers.clear();
  f.platform.calls.clear();
  const StepResult r = f.run(0);
  ASSERT_EQ(r.state, StepState::kDone) << r.message;
  EXPECT_THAT(f.platform.calls, ElementsAre("list", "ensure_image demo:v2", "create-for-service",
                                            "create shop_api_1 demo:v2", "start shop_api_1"));
  const auto running = f.platform.running();
  ASSERT_EQ(running.size(), 1U);
  EXPECT_EQ(running[0]->image.value(), "demo:v2");
  EXPECT_EQ(running[0]->env.at("LOG_LEVEL"), "info");
  EXPECT_EQ(running[0]->labels.at(label::kRevision), "2");
  EXPECT_EQ(running[0]->labels.at(label::kComposeService), "api");
}

TEST(Executor, ARemovedReplacementComesBackWithoutTheRevisionSuffix) {
  Fixture f;
  ASSERT_EQ(f.run(0).state, StepState::kDone);  // shop_api_1-rewind-r2 serves
  ASSERT_TRUE(f.platform.list(f.rel.spec.target).ok());
  f.platform.containers.clear();
  f.platform.calls.clear();
  ASSERT_EQ(f.run(0).state, StepState::kDone);
  ASSERT_EQ(f.platform.running().size(), 1U);
  EXPECT_EQ(f.platform.running()[0]->name, "shop_api_1");
}

TEST(Executor, ACrashAfterCreatingTheRemovedContainerStartsItWithoutASecond) {
  Fixture f;
  ASSERT_TRUE(f.platform.list(f.rel.spec.target).ok());
  f.platform.containers.clear();
  ASSERT_EQ(f.run(0).state, StepState::kDone);
  for (auto& [id, c] : f.platform.containers) c.running = false;  // killed before start
  f.platform.calls.clear();
  ASSERT_EQ(f.run(0).state, StepState::kDone);
  EXPECT_THAT(f.platform.calls, ElementsAre("list", "start shop_api_1"));
  EXPECT_EQ(f.platform.containers.size(), 1U);
}

TEST(Executor, AServiceNeverSeenIsAClearErrorAndChangesNothing) {
  Fixture f;
  f.platform.containers.clear();  // gone before the platform ever listed it
  const StepResult r = f.run(0);
  EXPECT_EQ(r.state, StepState::kFailed);
  EXPECT_THAT(r.message, HasSubstr("no container of compose service shop/api was ever seen"));
  EXPECT_EQ(r.error_kind, model::ErrorKind::kTerminal);
  EXPECT_FALSE(r.outcome.has_value()) << "says nothing about the revision";
  EXPECT_TRUE(f.platform.containers.empty());
}

TEST(Executor, MissingImageFailsBeforeAnythingChanges) {
  Fixture f;
  f.platform.images = {"demo:v1"};
  const StepResult r = f.run(0);
  EXPECT_EQ(r.state, StepState::kFailed);
  EXPECT_THAT(r.message, HasSubstr("demo:v2 is not present"));
  EXPECT_EQ(f.platform.running().size(), 1U);
  EXPECT_EQ(f.platform.running()[0]->name, "shop_api_1");
}

TEST(Executor, DaemonAwayIsTransient) {
  Fixture f;
  f.platform.daemon_down = true;
  const StepResult r = f.run(0);
  EXPECT_EQ(r.state, StepState::kFailed);
  EXPECT_EQ(r.error_kind, model::ErrorKind::kTransient);
  EXPECT_FALSE(r.outcome.has_value());
}

TEST(Executor, TrafficStepsWithoutARouterSayWhatIsMissing) {
  Fixture f;  // no router
  f.plan = reconcile::make_plan(reconcile::Direction::kRollForward, std::nullopt,
                                model::RevisionNumber{2}, "NewRevision",
                                {step::SetTrafficWeight{model::RevisionNumber{2}, 10}});
  const StepResult r = f.run(0);
  EXPECT_EQ(r.state, StepState::kFailed);
  EXPECT_EQ(r.error_kind, model::ErrorKind::kTerminal);
  EXPECT_THAT(r.message, HasSubstr("--nginx-upstream-dir"));
}

TEST(Executor, ASchemaStepWithoutADatabaseSaysWhatIsMissing) {
  Fixture f;  // no database target
  f.plan = reconcile::make_plan(reconcile::Direction::kRollForward, std::nullopt,
                                model::RevisionNumber{2}, "NewRevision",
                                {step::Backup{"/var/backups", true}});
  const StepResult r = f.run(0);
  EXPECT_EQ(r.state, StepState::kFailed);
  EXPECT_EQ(r.error_kind, model::ErrorKind::kTerminal);
  EXPECT_THAT(r.message, HasSubstr("a backup needs spec.migration"));
}

TEST(Names, CanonicalNameStripsTheRevisionSuffix) {
  EXPECT_EQ(canonical_name("shop_api_1-rewind-r12"), "shop_api_1");
  EXPECT_EQ(canonical_name("shop_api_1"), "shop_api_1");
  EXPECT_EQ(canonical_name("a-rewind-rx"), "a-rewind-rx");
  EXPECT_EQ(revision_container_name("shop-api-1", model::RevisionNumber{3}),
            "shop-api-1-rewind-r3");
}

}  // namespace
}  // namespace rwd::execute
