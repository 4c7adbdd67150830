// format_plan and to_json(Decision).

#include <gtest/gtest.h>

#include "rewind/reconcile/format.hpp"

#include "builders.hpp"

namespace rwd::reconcile::testing {
namespace {

ReleaseBuilder v1() { return ReleaseBuilder().migration("0005"); }
ReleaseBuilder v2() {
  return ReleaseBuilder().image("shop-api:v2").migration("0007").generation(2);
}

Decision rollback() {
  return plan(v1().generation(3).desired(), ObservedBuilder().running(v2()).healthy().build(),
              HistoryBuilder().superseded(v1()).healthy(v2()).build(), kNow);
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(FormatPlan, HeaderAndNumberedSteps) {
  const std::string text = format_plan(rollback());
  EXPECT_TRUE(contains(text, "roll back to revision 1 from 2 (reason RevertedInSource)")) << text;
  EXPECT_TRUE(contains(text, "#  STEP")) << text;
  EXPECT_TRUE(contains(text, "1  record-incident")) << text;
  EXPECT_TRUE(contains(text, "3  migrate          down-migrate schema 0007 → 0005")) << text;
  EXPECT_TRUE(contains(text, "then requeue after 5s")) << text;
}

TEST(FormatPlan, ResumedStepsAreMarkedDone) {
  Decision d = rollback();
  d.plan.first_step = 2;
  const std::string text = format_plan(d);
  EXPECT_TRUE(contains(text, "resuming at step 3 of")) << text;
  EXPECT_TRUE(contains(text, "(done) back up")) << text;
  EXPECT_FALSE(contains(text, "(done) down-migrate")) << text;
}

TEST(FormatPlan, NothingToDoAndErrorsAndDryRun) {
  const Decision idle = plan(v1().desired(), ObservedBuilder().running(v1()).healthy().build(),
                             HistoryBuilder().healthy(v1()).build(), kNow);
  EXPECT_TRUE(contains(format_plan(idle), "no changes: revision 1")) << format_plan(idle);

  const Decision err =
      plan(v1().desired(RollbackBuilder().to_previous().build()),
           ObservedBuilder().running(v1()).build(), HistoryBuilder().healthy(v1()).build(), kNow);
  EXPECT_TRUE(contains(format_plan(err), "error: Rollback shop/api-incident-42: spec.to: previous"))
      << format_plan(err);

  const Decision dry = plan(v2().desired(RollbackBuilder().to_previous().dry_run().build()),
                            ObservedBuilder().running(v2()).build(),
                            HistoryBuilder().superseded(v1()).healthy(v2()).build(), kNow);
  EXPECT_TRUE(contains(format_plan(dry), "[dry run: nothing is executed]")) << format_plan(dry);
}

TEST(FormatPlan, MentionsHistoryAndPinChanges) {
  const Decision d =
      plan(v2().desired(RollbackBuilder().to_previous().components({Component::kImage}).build()),
           ObservedBuilder().running(v2()).build(),
           HistoryBuilder().superseded(v1()).healthy(v2()).build(), kNow);
  const std::string text = format_plan(d);
  EXPECT_TRUE(contains(text, "history: record revision 3 (shop-api:v1)")) << text;
  EXPECT_TRUE(contains(text, "pin: revision 3 (Rollback api-incident-42)")) << text;
}

TEST(ToJson, Decision) {
  const Decision d = rollback();
  const model::Json j = to_json(d);
  EXPECT_EQ(j["plan"]["direction"], "rollback");
  EXPECT_EQ(j["plan"]["from"], 2);
  EXPECT_EQ(j["plan"]["to"], 1);
  EXPECT_EQ(j["plan"]["reason"], "RevertedInSource");
  EXPECT_EQ(j["plan"]["hash"], d.plan.hash);
  ASSERT_EQ(j["plan"]["steps"].size(), d.plan.steps.size());
  const auto& migrate = j["plan"]["steps"][2];
  EXPECT_EQ(migrate["id"], "migrate");
  EXPECT_EQ(migrate["kind"], "Migrate");
  EXPECT_EQ(migrate["direction"], "down");
  EXPECT_EQ(migrate["from"], "0007");
  EXPECT_EQ(migrate["to"], "0005");
  EXPECT_EQ(j["action"]["requeueAfter"], "5s");
  EXPECT_TRUE(j["newRevision"].is_null());
  EXPECT_EQ(j["progress"]["planHash"], d.plan.hash);
  EXPECT_EQ(j["progress"]["stepIndex"], 0);
  EXPECT_TRUE(j["error"].is_null());
  ASSERT_TRUE(j["conditions"].is_array());
  bool found = false;
  for (const auto& c : j["conditions"]) {
    if (c["type"] == "Progressing") {
      found = true;
      EXPECT_EQ(c["status"], "True");
      EXPECT_EQ(c["reason"], "RecordIncident");
      EXPECT_EQ(c["lastTransitionTime"], "2024-05-03T00:00:00Z");
    }
  }
  EXPECT_TRUE(found);
}

TEST(ToJson, NewRecordAndAwaitChange) {
  const Decision d = plan(ReleaseBuilder().blue_green(false).desired(), Observed{}, {}, kNow);
  const model::Json j = to_json(d);
  EXPECT_EQ(j["newRevision"]["number"], 1);
  const Decision e = plan(v1().desired(RollbackBuilder().to(7).build()), Observed{},
                          HistoryBuilder().healthy(v1()).build(), kNow);
  const model::Json k = to_json(e);
  EXPECT_EQ(k["action"]["awaitChange"], true);
  EXPECT_EQ(k["error"]["kind"], model::to_string(model::ErrorKind::kTerminal));
}

}  // namespace
}  // namespace rwd::reconcile::testing
