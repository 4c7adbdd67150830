// The status around a decision: RollbackReady, Ready, Degraded, phase, action.

#include <gtest/gtest.h>

#include "rewind/reconcile/conditions.hpp"
#include "rewind/reconcile/planner.hpp"

#include "builders.hpp"

namespace rwd::reconcile::testing {
namespace {

using model::ConditionStatus;
namespace ct = model::condition_type;

ReleaseBuilder v1() { return ReleaseBuilder().migration("0005"); }
ReleaseBuilder v2() {
  return ReleaseBuilder().image("shop-api:v2").migration("0007").generation(2);
}

struct ReadyCase {
  std::string name;
  ReleaseBuilder release;
  model::History history;
  Observed observed;
  ConditionStatus status;
  std::string reason;
};
// Test names stay readable: gtest would print the struct's bytes.
inline void PrintTo(const ReadyCase& c, std::ostream* os) { *os << c.name; }

std::vector<ReadyCase> rollback_ready_cases() {
  const auto two = HistoryBuilder().superseded(v1()).healthy(v2()).build();
  const auto fresh = kNow - std::chrono::hours(1);
  return {
      {"Ready", v2().drill(true), two,
       ObservedBuilder().running(v2()).healthy().image(v1()).backup(fresh).build(),
       ConditionStatus::kTrue, "PreviousRevisionReady"},
      {"NoPreviousRevision", v1(), HistoryBuilder().healthy(v1()).build(),
       ObservedBuilder().running(v1()).healthy().backup(fresh).build(), ConditionStatus::kFalse,
       "NoPreviousRevision"},
      {"ImageMissing", v2(), two, ObservedBuilder().running(v2()).healthy().backup(fresh).build(),
       ConditionStatus::kFalse, "ImageMissing"},
      {"BackupTooOld", v2(), two,
       ObservedBuilder()
           .running(v2())
           .healthy()
           .image(v1())
           .backup(kNow - std::chrono::hours(30))
           .build(),
       ConditionStatus::kFalse, "BackupTooOld"},
      {"BackupWithinCustomMaxAge", v2().backup_max_age(std::chrono::hours(48)).drill(true), two,
       ObservedBuilder()
           .running(v2())
           .healthy()
           .image(v1())
           .backup(kNow - std::chrono::hours(30))
           .build(),
       ConditionStatus::kTrue, "PreviousRevisionReady"},
      {"BackupNotVerified", v2(), two,
       ObservedBuilder().running(v2()).healthy().image(v1()).backup(fresh, false).build(),
       ConditionStatus::kFalse, "NoVerifiedBackup"},
      {"NoDrill", v2(), two,
       ObservedBuilder().running(v2()).healthy().image(v1()).backup(fresh).build(),
       ConditionStatus::kFalse, "NoDrill"},
      {"DrillFailed", v2().drill(false), two,
       ObservedBuilder().running(v2()).healthy().image(v1()).backup(fresh).build(),
       ConditionStatus::kFalse, "DrillFailed"},
      {"NoBackupAtAll", v2(), two, ObservedBuilder().running(v2()).healthy().image(v1()).build(),
       ConditionStatus::kFalse, "NoVerifiedBackup"},
      {"NoMigrationNeedsNoBackup", ReleaseBuilder().image("shop-api:v2").generation(2),
       HistoryBuilder()
           .superseded(ReleaseBuilder())
           .healthy(ReleaseBuilder().image("shop-api:v2"))
           .build(),
       ObservedBuilder()
           .running(ReleaseBuilder().image("shop-api:v2"))
           .healthy()
           .image(ReleaseBuilder())
           .build(),
       ConditionStatus::kTrue, "PreviousRevisionReady"},
  };
}

class RollbackReady : public ::testing::TestWithParam<ReadyCase> {};

TEST_P(RollbackReady, Condition) {
  const auto& c = GetParam();
  const Decision d = plan(c.release.desired(), c.observed, c.history, kNow);
  const auto* r = find_condition(d.conditions, ct::kRollbackReady);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, c.status) << r->message;
  EXPECT_EQ(r->reason, c.reason) << r->message;
}

std::string ready_case_name(const ::testing::TestParamInfo<ReadyCase>& p) { return p.param.name; }

INSTANTIATE_TEST_SUITE_P(Status, RollbackReady, ::testing::ValuesIn(rollback_ready_cases()),
                         ready_case_name);

TEST(Status, SettledAndHealthy) {
  const Decision d = plan(v1().desired(), ObservedBuilder().running(v1()).healthy().build(),
                          HistoryBuilder().healthy(v1()).build(), kNow);
  EXPECT_EQ(d.phase, model::ReleasePhase::kHealthy);
  EXPECT_TRUE(is_true(d.conditions, ct::kReady));
  EXPECT_FALSE(is_true(d.conditions, ct::kProgressing));
  EXPECT_FALSE(is_true(d.conditions, ct::kDegraded));
  EXPECT_FALSE(is_true(d.conditions, ct::kRolledBack));
  EXPECT_FALSE(is_true(d.conditions, ct::kPinned));
  EXPECT_TRUE(d.action.is_await_change());
  for (const auto& c : d.conditions) EXPECT_EQ(c.observed_generation, 1) << c.type;
}

TEST(Status, RequeuesWhileTheAnalysisWindowIsOpen) {
  const auto history = HistoryBuilder()
                           .healthy(v1().analysis(std::chrono::minutes(5)))
                           .live_at(kNow - std::chrono::minutes(2))
                           .build();
  const Decision d = plan(v1().analysis(std::chrono::minutes(5)).desired(),
                          ObservedBuilder().running(v1()).healthy().build(), history, kNow);
  EXPECT_TRUE(d.plan.empty());
  EXPECT_EQ(d.action, Action::requeue_after(std::chrono::minutes(3)));
}

TEST(Status, UnhealthyRunningRevisionIsDegraded) {
  const Decision d = plan(v1().desired(), ObservedBuilder().running(v1()).unhealthy().build(),
                          HistoryBuilder().healthy(v1()).build(), kNow);
  EXPECT_TRUE(d.plan.empty());
  EXPECT_EQ(d.phase, model::ReleasePhase::kDegraded);
  const auto* deg = find_condition(d.conditions, ct::kDegraded);
  ASSERT_TRUE(deg);
  EXPECT_EQ(deg->status, ConditionStatus::kTrue);
  EXPECT_EQ(deg->reason, "Unhealthy");
  EXPECT_FALSE(is_true(d.conditions, ct::kReady));
  EXPECT_EQ(d.action, Action::requeue_after(std::chrono::seconds(30)));
}

TEST(Status, UnknownHealthMakesReadyUnknown) {
  const Decision d = plan(v1().desired(), ObservedBuilder().running(v1()).build(),
                          HistoryBuilder().healthy(v1()).build(), kNow);
  const auto* r = find_condition(d.conditions, ct::kReady);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, ConditionStatus::kUnknown);
  EXPECT_EQ(d.action, Action::requeue_after(std::chrono::seconds(10)));
}

TEST(Status, ProgressingNamesTheNextStep) {
  const Decision d = plan(v2().desired(), ObservedBuilder().running(v1()).healthy().build(),
                          HistoryBuilder().healthy(v1()).build(), kNow);
  const auto* p = find_condition(d.conditions, ct::kProgressing);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->status, ConditionStatus::kTrue);
  EXPECT_EQ(p->reason, "Backup");
  EXPECT_EQ(p->message, d.plan.steps[0].description);
  EXPECT_FALSE(is_true(d.conditions, ct::kReady));
}

}  // namespace
}  // namespace rwd::reconcile::testing
