// Plan assembly (ids, hash) and Action.

#include "rewind/reconcile/plan.hpp"

#include <gtest/gtest.h>

#include "builders.hpp"

namespace rwd::reconcile::testing {
namespace {

std::vector<step::Detail> details() {
  return {step::SetTrafficWeight{rev(2), 10}, step::Pause{std::chrono::seconds(60)},
          step::SetTrafficWeight{rev(2), 50}, step::MarkStable{rev(2)}};
}

TEST(MakePlan, GivesUniqueStableIds) {
  const Plan p =
      make_plan(Direction::kRollForward, rev(1), rev(2), reason::kNewRevision, details());
  ASSERT_EQ(p.steps.size(), 4U);
  EXPECT_EQ(p.steps[0].id, "set-traffic-weight");
  EXPECT_EQ(p.steps[1].id, "pause");
  EXPECT_EQ(p.steps[2].id, "set-traffic-weight-2");
  EXPECT_EQ(p.steps[3].id, "mark-stable");
  EXPECT_EQ(p.steps[1].description, "pause 1m");
  EXPECT_EQ(p.first_step, 0U);
  EXPECT_EQ(p.remaining().size(), 4U);
  EXPECT_EQ(p.next()->kind(), StepKind::kSetTrafficWeight);
}

TEST(PlanHash, IsDeterministicAndSixteenHexDigits) {
  const Plan a = make_plan(Direction::kRollForward, rev(1), rev(2), "x", details());
  const Plan b = make_plan(Direction::kRollForward, rev(1), rev(2), "x", details());
  EXPECT_EQ(a.hash, b.hash);
  EXPECT_EQ(a.hash.size(), 16U);
  EXPECT_EQ(a.hash.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(a.hash, plan_hash(rev(2), a.steps));
}

TEST(PlanHash, ChangesWithAnyStepParameterOrTheTarget) {
  const auto base = make_plan(Direction::kRollForward, rev(1), rev(2), "x", details()).hash;
  auto changed = details();
  changed[2] = step::SetTrafficWeight{rev(2), 60};
  EXPECT_NE(make_plan(Direction::kRollForward, rev(1), rev(2), "x", changed).hash, base);
  EXPECT_NE(make_plan(Direction::kRollForward, rev(1), rev(3), "x", details()).hash, base);
  auto fewer = details();
  fewer.pop_back();
  EXPECT_NE(make_plan(Direction::kRollForward, rev(1), rev(2), "x", fewer).hash, base);
}

TEST(MakePlan, EmptyPlanHasNoHash) {
  const Plan p = make_plan(Direction::kNone, rev(1), rev(1), "x", {});
  EXPECT_TRUE(p.empty());
  EXPECT_TRUE(p.hash.empty());
  EXPECT_EQ(p.next(), nullptr);
  EXPECT_TRUE(p.remaining().empty());
}

TEST(Plan, FirstStepMarksTheRest) {
  Plan p = make_plan(Direction::kRollForward, rev(1), rev(2), "x", details());
  p.first_step = 3;
  EXPECT_FALSE(p.empty());
  EXPECT_EQ(p.remaining().size(), 1U);
  EXPECT_EQ(p.next()->id, "mark-stable");
  p.first_step = 4;
  EXPECT_TRUE(p.empty());
}

TEST(Action, RequeueOrAwait) {
  EXPECT_TRUE(Action::await_change().is_await_change());
  EXPECT_FALSE(Action::requeue_after(std::chrono::seconds(5)).is_await_change());
  EXPECT_EQ(Action::requeue_after(std::chrono::seconds(5)).requeue(),
            model::Duration(std::chrono::seconds(5)));
  EXPECT_EQ(to_string(Action::requeue_after(std::chrono::seconds(90))), "requeue after 1m30s");
  EXPECT_EQ(to_string(Action::await_change()), "await change");
}

}  // namespace
}  // namespace rwd::reconcile::testing
