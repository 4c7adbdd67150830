// What `rewind rollback` prints while a watcher runs the Rollback, from
// successive reads of the stored status.

#include "rewind/cli/rollback_progress.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rwd::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::vector<PlannedStep> steps() {
  return {{"record-incident", "record incident: roll back 2 → 1 (RollbackResource)"},
          {"start-revision", "start revision 1 (demo:v1)"},
          {"mark-stable", "mark revision 1 stable"}};
}

model::Rollback rollback(model::RollbackPhase phase, std::string message = {}) {
  model::Rollback rb;
  rb.metadata.name = "api-rollback-1";
  rb.metadata.ns = "shop";
  rb.status.phase = phase;
  rb.status.message = std::move(message);
  return rb;
}

model::Release release(std::optional<int> step, std::string hash = "h1", std::string message = {}) {
  model::Release r;
  if (step)
    r.status.progress =
        model::PlanProgress{model::RevisionNumber{1}, std::move(hash), *step, false, std::nullopt};
  r.status.message = std::move(message);
  return r;
}

TEST(RollbackProgress, NothingUntilTheWatcherTakesItUp) {
  RollbackProgress p(steps(), "h1");
  EXPECT_THAT(p.update(std::nullopt, release(std::nullopt)), IsEmpty());
  EXPECT_FALSE(p.accepted());
  EXPECT_THAT(p.update(rollback(model::RollbackPhase::kPending), release(std::nullopt)),
              ElementsAre("Rollback shop/api-rollback-1 taken up by the watcher"));
  EXPECT_TRUE(p.accepted());
  EXPECT_FALSE(p.finished());
}

TEST(RollbackProgress, StepsFromTheReleaseProgressNamedAfterThePlan) {
  RollbackProgress p(steps(), "h1");
  const auto running = rollback(model::RollbackPhase::kRunning, "rollback to revision 1");
  EXPECT_THAT(p.update(running, release(1)),
              ElementsAre("Rollback shop/api-rollback-1 taken up by the watcher",
                          "running: rollback to revision 1",
                          "[1/3] record incident: roll back 2 → 1 (RollbackResource): done",
                          "[2/3] start revision 1 (demo:v1): started"));
  EXPECT_THAT(p.update(running, release(1)), IsEmpty()) << "nothing changed";
  EXPECT_THAT(p.update(running, release(1, "h1", "rollback to revision 1")), IsEmpty())
      << "the Rollback said so already";
  EXPECT_THAT(p.update(running, release(1, "h1", "health gate: 0/1 healthy")),
              ElementsAre("    health gate: 0/1 healthy"));
  EXPECT_THAT(p.update(running, release(2, "h1", "health gate: 0/1 healthy")),
              ElementsAre("[2/3] start revision 1 (demo:v1): done",
                          "[3/3] mark revision 1 stable: started"));
  // The plan ends (progress cleared), then the Rollback is marked.
  EXPECT_THAT(
      p.update(rollback(model::RollbackPhase::kSucceeded, "revision 1 runs"),
               release(std::nullopt)),
      ElementsAre("[3/3] mark revision 1 stable: done", "Rollback shop/api-rollback-1 succeeded"));
  EXPECT_TRUE(p.finished());
  EXPECT_TRUE(p.succeeded());
}

TEST(RollbackProgress, AnotherPlanHashNumbersStepsWithoutNames) {
  RollbackProgress p(steps(), "h1");
  EXPECT_THAT(p.update(rollback(model::RollbackPhase::kRunning, "m"), release(2, "other")),
              ElementsAre("Rollback shop/api-rollback-1 taken up by the watcher", "running: m",
                          "[1] step 1: done", "[2] step 2: done", "[3] step 3: started"));
}

TEST(RollbackProgress, FailureEndsIt) {
  RollbackProgress p(steps(), "h1");
  (void)p.update(rollback(model::RollbackPhase::kRunning, "m"), release(1));
  EXPECT_THAT(
      p.update(
          rollback(model::RollbackPhase::kFailed, "health gate: revision 1 never became healthy"),
          release(std::nullopt)),
      ElementsAre(
          "Rollback shop/api-rollback-1 FAILED: health gate: revision 1 never became healthy"));
  EXPECT_TRUE(p.finished());
  EXPECT_FALSE(p.succeeded());
}

TEST(RollbackProgress, StepsFromTheRollbackStatusWhenTheEngineRecordsThem) {
  RollbackProgress p({}, "");
  auto rb = rollback(model::RollbackPhase::kRunning, "m");
  const auto t0 = *model::parse_timestamp("2025-03-14T09:00:00Z");
  rb.status.plan = {
      {"record-incident", "record incident", model::StepState::kSucceeded, t0,
       t0 + std::chrono::milliseconds(40), ""},
      {"start-revision", "start revision 1", model::StepState::kRunning, t0, std::nullopt, ""},
      {"mark-stable", "mark stable", model::StepState::kPending, std::nullopt, std::nullopt, ""}};
  EXPECT_THAT(
      p.update(rb, release(1)),
      ElementsAre("Rollback shop/api-rollback-1 taken up by the watcher", "running: m",
                  "[1/3] record incident: done (40 ms)", "[2/3] start revision 1: started"));
  rb.status.plan[1].state = model::StepState::kFailed;
  rb.status.plan[1].message = "image gone";
  EXPECT_THAT(p.update(rb, release(1)), ElementsAre("[2/3] start revision 1: FAILED: image gone"));
}

TEST(FormatSeconds, MillisecondsBelowOneSecond) {
  EXPECT_EQ(format_seconds(0.04), "40 ms");
  EXPECT_EQ(format_seconds(3.21), "3.2 s");
}

}  // namespace
}  // namespace rwd::cli
