#include "rewind/history/prune.hpp"

#include <chrono>
#include <vector>

#include <gtest/gtest.h>

namespace rwd::history {
namespace {

using model::RevisionNumber;
using model::RevisionOutcome;

struct Rec {
  std::int64_t n;
  RevisionOutcome outcome;
  bool healthy_once;
  bool went_live = true;
};

model::History history_of(const std::vector<Rec>& recs) {
  model::History h;
  for (const auto& r : recs) {
    model::RevisionRecord rec;
    rec.number = RevisionNumber{r.n};
    rec.outcome = r.outcome;
    if (r.went_live) rec.live_at = model::Timestamp{std::chrono::seconds(r.n)};
    if (r.healthy_once) rec.healthy_at = model::Timestamp{std::chrono::seconds(r.n + 1)};
    h.revisions.push_back(rec);
  }
  return h;
}

std::vector<std::int64_t> numbers(const model::History& h) {
  std::vector<std::int64_t> out;
  for (const auto& r : h.revisions) out.push_back(r.number.value());
  return out;
}

std::vector<std::int64_t> numbers(const std::vector<model::RevisionRecord>& v) {
  std::vector<std::int64_t> out;
  for (const auto& r : v) out.push_back(r.number.value());
  return out;
}

// Ten superseded revisions, the last one live.
model::History ten() {
  std::vector<Rec> recs;
  for (std::int64_t n = 1; n <= 9; ++n) recs.push_back({n, RevisionOutcome::kSuperseded, true});
  recs.push_back({10, RevisionOutcome::kLive, false});
  return history_of(recs);
}

TEST(PruneTest, UnderTheLimitNothingChanges) {
  const auto h = ten();
  const PruneResult r = prune_history(h, 10, {});
  EXPECT_EQ(r.history, h);
  EXPECT_TRUE(r.dropped.empty());
}

TEST(PruneTest, DropsTheOldestFirst) {
  const PruneResult r = prune_history(ten(), 4, {});
  EXPECT_EQ(numbers(r.history), (std::vector<std::int64_t>{7, 8, 9, 10}));
  EXPECT_EQ(numbers(r.dropped), (std::vector<std::int64_t>{1, 2, 3, 4, 5, 6}));
}

TEST(PruneTest, KeepsCurrentStablePinnedAndInProgress) {
  Protected keep;
  keep.current = RevisionNumber{9};
  keep.stable = RevisionNumber{2};
  keep.pinned = RevisionNumber{4};
  keep.in_progress = RevisionNumber{10};
  const PruneResult r = prune_history(ten(), 5, keep);
  EXPECT_EQ(numbers(r.history), (std::vector<std::int64_t>{2, 4, 8, 9, 10}));
}

TEST(PruneTest, KeepsTheLastKnownGoodEvenWhenOld) {
  // 1 was healthy; 2..6 never were (failed health); 7 is live.
  std::vector<Rec> recs = {{1, RevisionOutcome::kSuperseded, true}};
  for (std::int64_t n = 2; n <= 6; ++n) recs.push_back({n, RevisionOutcome::kFailedHealth, false});
  recs.push_back({7, RevisionOutcome::kLive, false});
  const PruneResult r = prune_history(history_of(recs), 3, {});
  EXPECT_EQ(numbers(r.history), (std::vector<std::int64_t>{1, 6, 7}));
}

TEST(PruneTest, KeepsThePreviousLiveRevisionForRollbackToPrevious) {
  // 3 went live; 4 and 5 were recorded but never went live; 6 is current.
  const auto h = history_of({{1, RevisionOutcome::kSuperseded, true},
                             {2, RevisionOutcome::kSuperseded, true},
                             {3, RevisionOutcome::kFailedAnalysis, true},
                             {4, RevisionOutcome::kPending, false, false},
                             {5, RevisionOutcome::kPending, false, false},
                             {6, RevisionOutcome::kLive, false}});
  Protected keep;
  keep.current = RevisionNumber{6};
  const PruneResult r = prune_history(h, 2, keep);
  // 6 current, 3 previous (went live), 2 last known good (3 failed afterwards).
  EXPECT_EQ(numbers(r.history), (std::vector<std::int64_t>{2, 3, 6}));
}

TEST(PruneTest, NeverDropsTheNewestSoNumbersKeepGrowing) {
  Protected keep;
  keep.current = RevisionNumber{3};
  const PruneResult r = prune_history(ten(), 1, keep);
  ASSERT_FALSE(r.history.revisions.empty());
  EXPECT_EQ(r.history.latest()->number, RevisionNumber{10});
  EXPECT_EQ(r.history.next_number(), RevisionNumber{11});
}

TEST(PruneTest, MayExceedTheLimitWhenEverythingIsProtected) {
  Protected keep;
  keep.current = RevisionNumber{3};
  keep.stable = RevisionNumber{2};
  keep.pinned = RevisionNumber{1};
  const auto h = history_of({{1, RevisionOutcome::kRolledBack, true},
                             {2, RevisionOutcome::kSuperseded, true},
                             {3, RevisionOutcome::kLive, false},
                             {4, RevisionOutcome::kPending, false, false}});
  const PruneResult r = prune_history(h, 1, keep);
  EXPECT_EQ(numbers(r.history), (std::vector<std::int64_t>{1, 2, 3, 4}));
  EXPECT_TRUE(r.dropped.empty());
}

TEST(PruneTest, LimitBelowOneCountsAsOne) {
  const PruneResult r = prune_history(ten(), 0, {});
  // 10 is the newest, 9 the last known good and the previous live one.
  EXPECT_EQ(numbers(r.history), (std::vector<std::int64_t>{9, 10}));
}

TEST(PruneTest, FromARelease) {
  model::Release release;
  release.spec.rollback_policy.revision_history_limit = 3;
  release.status.current_revision = RevisionNumber{10};
  release.status.stable_revision = RevisionNumber{5};
  release.status.pin = model::Pin{RevisionNumber{1}, 1, "incident"};
  release.status.progress = model::PlanProgress{RevisionNumber{10}, "h", 0, false, std::nullopt};
  const PruneResult r = prune_history(ten(), release);
  EXPECT_EQ(numbers(r.history), (std::vector<std::int64_t>{1, 5, 9, 10}));

  const Protected p = protected_revisions(release.status);
  EXPECT_EQ(p.current, RevisionNumber{10});
  EXPECT_EQ(p.stable, RevisionNumber{5});
  EXPECT_EQ(p.pinned, RevisionNumber{1});
  EXPECT_EQ(p.in_progress, RevisionNumber{10});
}

}  // namespace
}  // namespace rwd::history
