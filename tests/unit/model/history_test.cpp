#include "rewind/model/history.hpp"

#include <optional>
#include <string>

#include <gtest/gtest.h>

namespace rwd::model {
namespace {

RevisionRecord record(std::int64_t n, const std::string& hash, RevisionOutcome outcome,
                      bool was_healthy) {
  RevisionRecord r;
  r.number = RevisionNumber{n};
  r.hash = RevisionHash{hash};
  r.outcome = outcome;
  if (was_healthy) r.healthy_at = Timestamp{std::chrono::seconds(n)};
  return r;
}

History sample() {
  History h;
  h.revisions = {
      record(1, "aaa", RevisionOutcome::kSuperseded, true),
      record(2, "bbb", RevisionOutcome::kFailedAnalysis, true),  // healthy once, then failed
      record(3, "ccc", RevisionOutcome::kRolledBack, true),
      record(4, "aaa", RevisionOutcome::kSuperseded, true),  // same revision as 1, applied again
      record(5, "ddd", RevisionOutcome::kFailedHealth, false),
      record(6, "eee", RevisionOutcome::kLive, false),
  };
  return h;
}

TEST(HistoryTest, FindByNumber) {
  const History h = sample();
  ASSERT_NE(h.find(RevisionNumber{3}), nullptr);
  EXPECT_EQ(h.find(RevisionNumber{3})->hash.value(), "ccc");
  EXPECT_EQ(h.find(RevisionNumber{0}), nullptr);
  EXPECT_EQ(h.find(RevisionNumber{7}), nullptr);
  EXPECT_EQ(History{}.find(RevisionNumber{1}), nullptr);
}

TEST(HistoryTest, FindByHashReturnsTheNewestMatch) {
  const History h = sample();
  ASSERT_NE(h.find_by_hash(RevisionHash{"aaa"}), nullptr);
  EXPECT_EQ(h.find_by_hash(RevisionHash{"aaa"})->number, RevisionNumber{4});
  EXPECT_EQ(h.find_by_hash(RevisionHash{"ddd"})->number, RevisionNumber{5});
  EXPECT_EQ(h.find_by_hash(RevisionHash{"zzz"}), nullptr);
}

TEST(HistoryTest, Latest) {
  EXPECT_EQ(sample().latest()->number, RevisionNumber{6});
  EXPECT_EQ(History{}.latest(), nullptr);
}

TEST(HistoryTest, LastKnownGood) {
  const History h = sample();
  // 6 is live (not yet healthy), 5 failed health: 4 is the newest good one.
  ASSERT_NE(h.last_known_good(), nullptr);
  EXPECT_EQ(h.last_known_good()->number, RevisionNumber{4});
  struct Case {
    std::int64_t before;
    std::optional<std::int64_t> want;
  };
  const Case cases[] = {
      {7, 4},
      {6, 4},
      {5, 4},
      {4, 1},  // 3 was rolled back from: not known good
      {3, 1},  // 2 failed analysis after being healthy
      {2, 1},
      {1, std::nullopt},
      {0, std::nullopt},
  };
  for (const auto& c : cases) {
    const RevisionRecord* got = h.last_known_good(RevisionNumber{c.before});
    if (!c.want) {
      EXPECT_EQ(got, nullptr) << "before " << c.before;
    } else {
      ASSERT_NE(got, nullptr) << "before " << c.before;
      EXPECT_EQ(got->number, RevisionNumber{*c.want}) << "before " << c.before;
    }
  }
  EXPECT_EQ(History{}.last_known_good(), nullptr);
}

TEST(HistoryTest, HealthyOutcomeWithoutHealthyAtIsNotKnownGood) {
  History h;
  h.revisions = {record(1, "a", RevisionOutcome::kHealthy, false)};
  EXPECT_EQ(h.last_known_good(), nullptr);
}

TEST(HistoryTest, NextNumber) {
  EXPECT_EQ(History{}.next_number(), RevisionNumber{1});
  EXPECT_EQ(sample().next_number(), RevisionNumber{7});
}

TEST(RevisionOutcomeTest, NamesRoundTrip) {
  const RevisionOutcome all[] = {
      RevisionOutcome::kPending,      RevisionOutcome::kLive,           RevisionOutcome::kHealthy,
      RevisionOutcome::kFailedHealth, RevisionOutcome::kFailedAnalysis, RevisionOutcome::kAborted,
      RevisionOutcome::kRolledBack,   RevisionOutcome::kSuperseded,
  };
  const char* names[] = {"Pending",        "Live",    "Healthy",    "FailedHealth",
                         "FailedAnalysis", "Aborted", "RolledBack", "Superseded"};
  for (std::size_t i = 0; i < std::size(all); ++i) {
    EXPECT_STREQ(to_string(all[i]), names[i]);
    EXPECT_EQ(parse_revision_outcome(names[i]), all[i]);
  }
  EXPECT_EQ(parse_revision_outcome("healthy"), std::nullopt);
  EXPECT_EQ(parse_revision_outcome(""), std::nullopt);
}

TEST(RevisionOutcomeTest, IsFailed) {
  EXPECT_TRUE(is_failed(RevisionOutcome::kFailedHealth));
  EXPECT_TRUE(is_failed(RevisionOutcome::kFailedAnalysis));
  EXPECT_TRUE(is_failed(RevisionOutcome::kAborted));
  EXPECT_FALSE(is_failed(RevisionOutcome::kPending));
  EXPECT_FALSE(is_failed(RevisionOutcome::kLive));
  EXPECT_FALSE(is_failed(RevisionOutcome::kHealthy));
  EXPECT_FALSE(is_failed(RevisionOutcome::kRolledBack));
  EXPECT_FALSE(is_failed(RevisionOutcome::kSuperseded));
}

}  // namespace
}  // namespace rwd::model
