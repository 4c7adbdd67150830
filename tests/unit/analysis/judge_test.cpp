// judge() and record(): table-driven, no I/O.

#include "rewind/analysis/judge.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fakes.hpp"

namespace rwd::analysis {
namespace {

using ::testing::HasSubstr;
using testing::query_metric;
using K = Verdict::Kind;

struct Case {
  const char* name;
  model::MetricSpec metric;
  Measurement candidate;
  std::optional<Measurement> baseline;
  K expected;
  const char* reason;  // the whole reason
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class JudgeCase : public ::testing::TestWithParam<Case> {};

TEST_P(JudgeCase, GivesTheVerdictAndReason) {
  const Case& c = GetParam();
  const Verdict v = judge(c.metric, c.candidate, c.baseline);
  EXPECT_EQ(to_string(v.kind), std::string(to_string(c.expected))) << v.reason;
  EXPECT_EQ(v.reason, c.reason);
}

model::MetricSpec command_metric(const char* fail_if = "") {
  model::MetricSpec m;
  m.name = "smoke";
  m.command = model::CommandMetric{{"/bin/true"}, std::chrono::seconds(5)};
  if (*fail_if != '\0') m.fail_if = model::parse_threshold(fail_if);
  return m;
}

model::MetricSpec http_metric() {
  model::MetricSpec m;
  m.name = "health";
  m.http = model::HttpMetric{};
  return m;
}

INSTANTIATE_TEST_SUITE_P(
    Judge, JudgeCase,
    ::testing::Values(
        Case{"above", query_metric("error-rate", "> 0.05"), Measurement::of(0.12), std::nullopt,
             K::kFail, "error-rate: 0.12 > 0.05"},
        Case{"below", query_metric("error-rate", "> 0.05"), Measurement::of(0.01), std::nullopt,
             K::kPass, "error-rate: 0.01, not > 0.05"},
        Case{"equal is not greater", query_metric("error-rate", "> 0.05"), Measurement::of(0.05),
             std::nullopt, K::kPass, "error-rate: 0.05, not > 0.05"},
        Case{"greater-equal", query_metric("e", ">= 0.05"), Measurement::of(0.05), std::nullopt,
             K::kFail, "e: 0.05 >= 0.05"},
        Case{"less", query_metric("rps", "< 10"), Measurement::of(3), std::nullopt, K::kFail,
             "rps: 3 < 10"},
        Case{"less-equal", query_metric("rps", "<= 10"), Measurement::of(10.5), std::nullopt,
             K::kPass, "rps: 10.5, not <= 10"},
        Case{"equal", query_metric("up", "== 0"), Measurement::of(0), std::nullopt, K::kFail,
             "up: 0 == 0"},
        Case{"not equal", query_metric("info", "!= 1"), Measurement::of(1), std::nullopt, K::kPass,
             "info: 1, not != 1"},
        Case{"baseline fires", query_metric("p95", "> 3x baseline"), Measurement::of(2.1),
             Measurement::of(0.5), K::kFail, "p95: 2.1 > 3x baseline 0.5 (=1.5)"},
        Case{"baseline holds", query_metric("p95", "> 3x baseline"), Measurement::of(1.2),
             Measurement::of(0.5), K::kPass, "p95: 1.2, not > 3x baseline 0.5 (=1.5)"},
        Case{"baseline missing", query_metric("p95", "> 3x baseline"), Measurement::of(2.1),
             std::nullopt, K::kInconclusive, "p95: 2.1, no baseline measured for > 3x baseline"},
        Case{"baseline inconclusive", query_metric("p95", "> 3x baseline"), Measurement::of(2.1),
             Measurement::inconclusive("empty result"), K::kInconclusive,
             "p95: 2.1, baseline inconclusive: empty result"},
        Case{"baseline failed", query_metric("p95", "> 3x baseline"), Measurement::of(2.1),
             Measurement::failed("HTTP 503\nmore"), K::kInconclusive,
             "p95: 2.1, baseline failed: HTTP 503"},
        Case{"warn only", query_metric("p95", "> 5", "> 2"), Measurement::of(3), std::nullopt,
             K::kWarn, "p95: 3 > 2 (warnIf)"},
        Case{"fail beats warn", query_metric("p95", "> 5", "> 2"), Measurement::of(6), std::nullopt,
             K::kFail, "p95: 6 > 5"},
        Case{"warnIf alone passes", query_metric("p95", "", "> 2"), Measurement::of(1),
             std::nullopt, K::kPass, "p95: 1"},
        Case{"warn against baseline without one", query_metric("p95", "> 5", "> 2x baseline"),
             Measurement::of(1), std::nullopt, K::kInconclusive,
             "p95: 1, no baseline measured for > 2x baseline"},
        Case{"failed measurement", query_metric("e", "> 0.05"),
             Measurement::failed("HTTP 503, expected 200\nbody"), std::nullopt, K::kFail,
             "e: failed: HTTP 503, expected 200"},
        Case{"inconclusive measurement", query_metric("e", "> 0.05"),
             Measurement::inconclusive("empty result"), std::nullopt, K::kInconclusive,
             "e: inconclusive: empty result"},
        Case{"command default failIf", command_metric(), Measurement::of(3), std::nullopt, K::kFail,
             "smoke: 3 != 0"},
        Case{"command default passes", command_metric(), Measurement::of(0), std::nullopt, K::kPass,
             "smoke: 0, not != 0"},
        Case{"command own failIf", command_metric("> 1"), Measurement::of(1), std::nullopt,
             K::kPass, "smoke: 1, not > 1"},
        Case{"http without threshold passes", http_metric(), Measurement::of(0.012), std::nullopt,
             K::kPass, "health: 0.012"},
        Case{"http wrong status fails whatever failIf says", http_metric(),
             Measurement::failed("GET http://a:1/health: HTTP 503, expected 200", 0.001),
             std::nullopt, K::kFail,
             "health: failed: GET http://a:1/health: HTTP 503, expected 200"}),
    [](const ::testing::TestParamInfo<Case>& param) {
      std::string n = param.param.name;
      for (char& c : n) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return n;
    });

TEST(Judge, DefaultsAndBaselineNeeds) {
  EXPECT_EQ(fail_threshold(command_metric()),
            (model::Threshold{model::Comparator::kNotEqual, 0, false}));
  EXPECT_FALSE(fail_threshold(http_metric()));
  EXPECT_FALSE(needs_baseline(query_metric("e", "> 0.05")));
  EXPECT_TRUE(needs_baseline(query_metric("p95", "> 3x baseline")));
  EXPECT_TRUE(needs_baseline(query_metric("p95", "> 5", ">= 2x baseline")));
}

TEST(Record, FailsOnlyAboveTheFailureLimit) {
  model::MetricSpec m = query_metric("error-rate", "> 0.05");
  m.failure_limit = 1;
  MetricTally t;
  const Verdict fail{K::kFail, "error-rate: 0.12 > 0.05"};
  EXPECT_EQ(record(t, m, fail).state, MetricState::kRunning);
  EXPECT_EQ(record(t, m, Verdict{K::kPass, "error-rate: 0.01"}).state, MetricState::kRunning);
  const MetricOutcome o = record(t, m, fail);
  EXPECT_EQ(o.state, MetricState::kFailed);
  EXPECT_EQ(o.reason,
            "2 failed measurements, more than failureLimit 1; last: error-rate: 0.12 > 0.05");
  EXPECT_EQ(t.measurements, 3);
  EXPECT_EQ(t.failures, 2);
  EXPECT_EQ(t.last, "error-rate: 0.12 > 0.05");
  // Once failed, it stays failed.
  EXPECT_EQ(record(t, m, Verdict{K::kPass, "error-rate: 0"}).state, MetricState::kFailed);
}

TEST(Record, InconclusiveHasItsOwnLimit) {
  model::MetricSpec m = query_metric("error-rate", "> 0.05");
  MetricTally t;
  const MetricOutcome o = record(t, m, Verdict{K::kInconclusive, "error-rate: inconclusive: x"});
  EXPECT_EQ(o.state, MetricState::kFailed);
  EXPECT_EQ(o.reason,
            "1 inconclusive measurement, more than inconclusiveLimit 0; last: "
            "error-rate: inconclusive: x");
  m.inconclusive_limit = 2;
  MetricTally t2;
  EXPECT_EQ(record(t2, m, Verdict{K::kInconclusive, "x"}).state, MetricState::kRunning);
  EXPECT_EQ(record(t2, m, Verdict{K::kInconclusive, "x"}).state, MetricState::kRunning);
  EXPECT_EQ(record(t2, m, Verdict{K::kInconclusive, "x"}).state, MetricState::kFailed);
  EXPECT_EQ(t2.inconclusive, 3);
}

TEST(Record, WarningLastsWhileTheWarnVerdictDoes) {
  model::MetricSpec m = query_metric("p95", "> 5", "> 2");
  MetricTally t;
  EXPECT_EQ(record(t, m, Verdict{K::kWarn, "p95: 3 > 2 (warnIf)"}).state, MetricState::kWarning);
  EXPECT_EQ(record(t, m, Verdict{K::kPass, "p95: 1"}).state, MetricState::kRunning);
  EXPECT_EQ(t.warnings, 1);
  EXPECT_EQ(t.failures, 0);
}

}  // namespace
}  // namespace rwd::analysis
