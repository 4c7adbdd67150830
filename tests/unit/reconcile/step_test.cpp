// Step names and descriptions.

#include "rewind/reconcile/step.hpp"

#include <gtest/gtest.h>

#include "builders.hpp"

namespace rwd::reconcile::testing {
namespace {

struct DescribeCase {
  step::Detail detail;
  std::string text;
};

TEST(Describe, EveryKind) {
  const model::Revision tuple{model::ImageRef("rewind-demo:v1"), "c", "0005"};
  const std::vector<DescribeCase> cases = {
      {step::RecordIncident{rev(6), rev(5), "Automatic"},
       "record incident: roll back revision 6 → 5 (Automatic)"},
      {step::Backup{"/b", true}, "back up the database to /b and verify the dump"},
      {step::Quiesce{{"worker", "cron"}}, "quiesce worker, cron"},
      {step::Migrate{MigrateDirection::kDown, "0007", "0005"}, "down-migrate schema 0007 → 0005"},
      {step::Migrate{MigrateDirection::kUp, "0005", "0007"}, "up-migrate schema 0005 → 0007"},
      {step::RestoreBackup{"/b/x.dump", "0005", rev(6)},
       "restore backup /b/x.dump (schema 0005, taken before revision 6)"},
      {step::VerifyRowCounts{{"users"}}, "verify row counts of users"},
      {step::StartRevision{rev(1), tuple, std::nullopt, false},
       "start rewind-demo:v1 (revision 1)"},
      {step::StartRevision{rev(1), tuple, Color::kGreen, false},
       "start rewind-demo:v1 (revision 1) in green"},
      {step::StartRevision{rev(2), tuple, std::nullopt, true},
       "start rewind-demo:v1 (revision 2) as canary"},
      {step::HealthGate{rev(1), std::nullopt, {}, {}, 1, 3},
       "wait until revision 1 is healthy (fails after 3 failed checks in a row)"},
      {step::SmokeGate{rev(1), {"./smoke.sh", "-v"}, std::chrono::seconds(30)},
       "smoke test revision 1: ./smoke.sh -v (timeout 30s)"},
      {step::SetTrafficWeight{rev(2), 0}, "send 0% of traffic to revision 2"},
      {step::Pause{std::nullopt}, "pause until promoted"},
      {step::AnalysisGate{rev(2), {"error-rate"}, std::chrono::minutes(5), {}},
       "analyse revision 2 for 5m (error-rate)"},
      {step::Promote{rev(2), false}, "promote revision 2: weight 100, replaces stable"},
      {step::Promote{rev(2), true}, "wait for `rewind promote` of revision 2"},
      {step::SwitchActiveColor{Color::kBlue, Color::kGreen, rev(2)},
       "switch traffic blue → green (revision 2)"},
      {step::ScaleDown{rev(1), Color::kBlue, std::chrono::minutes(10)},
       "scale down blue (revision 1) after 10m"},
      {step::ScaleDown{rev(2), std::nullopt, {}}, "scale down canary (revision 2)"},
      {step::MarkStable{rev(2)}, "mark revision 2 stable"},
      {step::Notify{"api: ok", 2}, "notify 2 targets: api: ok"},
      {step::Unquiesce{{"worker"}}, "un-quiesce worker"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(describe(c.detail), c.text);
  }
}

TEST(StepNames, CamelAndKebab) {
  EXPECT_STREQ(to_string(StepKind::kSwitchActiveColor), "SwitchActiveColor");
  EXPECT_STREQ(step_name(StepKind::kSwitchActiveColor), "switch-active-color");
  EXPECT_STREQ(to_string(StepKind::kUnquiesce), "Unquiesce");
  EXPECT_EQ(kind_of(step::Unquiesce{}), StepKind::kUnquiesce);
  EXPECT_EQ(kind_of(step::RecordIncident{}), StepKind::kRecordIncident);
}

TEST(Colors, Other) {
  EXPECT_EQ(other(Color::kBlue), Color::kGreen);
  EXPECT_EQ(other(Color::kGreen), Color::kBlue);
  EXPECT_STREQ(to_string(Color::kGreen), "green");
}

}  // namespace
}  // namespace rwd::reconcile::testing
