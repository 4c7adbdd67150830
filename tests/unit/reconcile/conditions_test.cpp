// set_condition keeps lastTransitionTime unless the status changes.

#include "rewind/reconcile/conditions.hpp"

#include <gtest/gtest.h>

#include "builders.hpp"

namespace rwd::reconcile::testing {
namespace {

using model::ConditionStatus;

model::Condition ready(ConditionStatus s, std::string reason, std::int64_t gen = 1) {
  return make_condition("Ready", s, std::move(reason), "msg " + std::to_string(gen), gen);
}

TEST(SetCondition, NewConditionGetsNow) {
  model::Conditions cs;
  EXPECT_TRUE(set_condition(cs, ready(ConditionStatus::kTrue, "RevisionReady"), kT0));
  ASSERT_EQ(cs.size(), 1U);
  EXPECT_EQ(cs[0].last_transition_time, kT0);
  EXPECT_EQ(cs[0].reason, "RevisionReady");
}

TEST(SetCondition, SameStatusKeepsTimeButUpdatesTheRest) {
  model::Conditions cs;
  (void)set_condition(cs, ready(ConditionStatus::kFalse, "Progressing", 1), kT0);
  EXPECT_TRUE(set_condition(cs, ready(ConditionStatus::kFalse, "Unhealthy", 2), kNow));
  ASSERT_EQ(cs.size(), 1U);
  EXPECT_EQ(cs[0].last_transition_time, kT0);
  EXPECT_EQ(cs[0].reason, "Unhealthy");
  EXPECT_EQ(cs[0].message, "msg 2");
  EXPECT_EQ(cs[0].observed_generation, 2);
}

TEST(SetCondition, StatusChangeMovesTime) {
  model::Conditions cs;
  (void)set_condition(cs, ready(ConditionStatus::kFalse, "Progressing"), kT0);
  EXPECT_TRUE(set_condition(cs, ready(ConditionStatus::kTrue, "RevisionReady"), kNow));
  EXPECT_EQ(cs[0].last_transition_time, kNow);
  EXPECT_EQ(cs[0].status, ConditionStatus::kTrue);
}

TEST(SetCondition, IdenticalConditionIsNoChange) {
  model::Conditions cs;
  (void)set_condition(cs, ready(ConditionStatus::kTrue, "RevisionReady"), kT0);
  EXPECT_FALSE(set_condition(cs, ready(ConditionStatus::kTrue, "RevisionReady"), kNow));
  EXPECT_EQ(cs[0].last_transition_time, kT0);
}

TEST(SetCondition, TimeInTheArgumentIsIgnored) {
  model::Conditions cs;
  auto c = ready(ConditionStatus::kTrue, "RevisionReady");
  c.last_transition_time = kT0 - std::chrono::hours(100);
  (void)set_condition(cs, c, kNow);
  EXPECT_EQ(cs[0].last_transition_time, kNow);
}

TEST(SetCondition, OtherTypesKeepTheirPlace) {
  model::Conditions cs;
  (void)set_condition(cs, make_condition("Progressing", ConditionStatus::kTrue, "Backup", "", 1),
                      kT0);
  (void)set_condition(cs, ready(ConditionStatus::kFalse, "Progressing"), kT0);
  (void)set_condition(cs, make_condition("Progressing", ConditionStatus::kFalse, "Settled", "", 1),
                      kNow);
  ASSERT_EQ(cs.size(), 2U);
  EXPECT_EQ(cs[0].type, "Progressing");
  EXPECT_EQ(cs[0].last_transition_time, kNow);
  EXPECT_EQ(cs[1].type, "Ready");
  EXPECT_EQ(cs[1].last_transition_time, kT0);
}

TEST(Conditions, FindIsTrueRemove) {
  model::Conditions cs;
  EXPECT_EQ(find_condition(cs, "Ready"), nullptr);
  EXPECT_FALSE(is_true(cs, "Ready"));
  (void)set_condition(cs, ready(ConditionStatus::kUnknown, "HealthUnknown"), kT0);
  EXPECT_FALSE(is_true(cs, "Ready"));
  (void)set_condition(cs, ready(ConditionStatus::kTrue, "RevisionReady"), kT0);
  EXPECT_TRUE(is_true(cs, "Ready"));
  EXPECT_TRUE(remove_condition(cs, "Ready"));
  EXPECT_FALSE(remove_condition(cs, "Ready"));
  EXPECT_TRUE(cs.empty());
}

// The planner applies the rule to the Release's conditions.
TEST(Conditions, DecisionKeepsTransitionTimeOfAnUnchangedStatus) {
  const auto v1 = ReleaseBuilder();
  auto prior = make_condition("Ready", ConditionStatus::kTrue, "RevisionReady", "old", 1);
  prior.last_transition_time = kT0;
  const Decision same = plan(ReleaseBuilder().generation(2).condition(prior).desired(),
                             ObservedBuilder().running(v1).healthy().build(),
                             HistoryBuilder().healthy(v1).build(), kNow);
  const auto* r = find_condition(same.conditions, "Ready");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->last_transition_time, kT0);
  EXPECT_EQ(r->observed_generation, 2);
  EXPECT_NE(r->message, "old");

  const Decision changed = plan(ReleaseBuilder().generation(2).condition(prior).desired(),
                                ObservedBuilder().running(v1).unhealthy().build(),
                                HistoryBuilder().healthy(v1).build(), kNow);
  r = find_condition(changed.conditions, "Ready");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, ConditionStatus::kFalse);
  EXPECT_EQ(r->last_transition_time, kNow);
}

}  // namespace
}  // namespace rwd::reconcile::testing
