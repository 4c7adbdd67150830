// Rounds of an analysis, the dispatch on provider kinds and the HTTP
// provider, all against in-memory providers and clients.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rewind/analysis/judge.hpp"
#include "rewind/analysis/render.hpp"

#include "fakes.hpp"

namespace rwd::analysis {
namespace {

using ::testing::ElementsAre;
using testing::FakeHttp;
using ::testing::HasSubstr;
using ::testing::Pair;
using testing::query_metric;
using testing::TableProvider;

const Subject kCandidate{model::RevisionNumber{6}, "127.0.0.1:18080", "6", {}};
const Subject kStable{model::RevisionNumber{5}, "127.0.0.1:18081", "5", {}};

std::vector<model::MetricSpec> metrics() {
  return {query_metric("error-rate", "> 0.05"), query_metric("p95", "> 3x baseline", "> 1")};
}

Round round_of(double error_rate, double p95, double p95_baseline) {
  Round r;
  r.candidate.insert_or_assign("error-rate", Measurement::of(error_rate));
  r.candidate.insert_or_assign("p95", Measurement::of(p95));
  r.baseline.insert_or_assign("p95", Measurement::of(p95_baseline));
  return r;
}

TEST(AnalysisRun, KeepsMeasuringThenPassesWhenTheWindowIsOver) {
  AnalysisRun run;
  const auto ms = metrics();
  RunDecision d = next_round(ms, run, round_of(0.01, 0.2, 0.2), false);
  EXPECT_EQ(d.kind, RunDecision::Kind::kContinue) << d.reason;
  ASSERT_EQ(d.verdicts.size(), 2U);
  EXPECT_EQ(d.verdicts[0].kind, Verdict::Kind::kPass);
  EXPECT_EQ(d.verdicts[1].reason, "p95: 0.2, not > 3x baseline 0.2 (=0.6)");
  d = next_round(ms, run, round_of(0.02, 0.3, 0.2), true);
  EXPECT_EQ(d.kind, RunDecision::Kind::kPassed) << d.reason;
  EXPECT_EQ(d.reason,
            "analysis passed: error-rate (2 judged, 0 inconclusive; last: error-rate: 0.02, not > "
            "0.05); p95 (2 judged, 0 inconclusive; last: p95: 0.3, not > 3x baseline 0.2 (=0.6))");
  EXPECT_EQ(run.tallies.at("error-rate").measurements, 2);
}

TEST(AnalysisRun, FailsOnTheFirstMetricOverItsLimit) {
  AnalysisRun run;
  const RunDecision d = next_round(metrics(), run, round_of(0.01, 2.1, 0.5), false);
  EXPECT_EQ(d.kind, RunDecision::Kind::kFailed);
  EXPECT_EQ(d.metric, "p95");
  EXPECT_EQ(d.reason,
            "analysis/p95: 1 failed measurement, more than failureLimit 0; last: p95: "
            "2.1 > 3x baseline 0.5 (=1.5)");
}

TEST(AnalysisRun, AFailureInTheLastRoundStillFails) {
  AnalysisRun run;
  const RunDecision d = next_round(metrics(), run, round_of(0.3, 0.2, 0.2), true);
  EXPECT_EQ(d.kind, RunDecision::Kind::kFailed);
  EXPECT_EQ(d.metric, "error-rate");
}

TEST(AnalysisRun, WarningsAreReportedButDoNotFail) {
  AnalysisRun run;
  const RunDecision d = next_round(metrics(), run, round_of(0.01, 1.2, 1.0), true);
  EXPECT_EQ(d.kind, RunDecision::Kind::kPassed);
  EXPECT_THAT(d.warnings, ElementsAre("p95: 1.2 > 1 (warnIf)"));
}

TEST(AnalysisRun, AMetricNotMeasuredIsInconclusive) {
  AnalysisRun run;
  auto ms = metrics();
  ms[0].inconclusive_limit = 1;
  Round r = round_of(0.01, 0.2, 0.2);
  r.candidate.erase("error-rate");
  RunDecision d = next_round(ms, run, r, false);
  EXPECT_EQ(d.kind, RunDecision::Kind::kContinue);
  EXPECT_EQ(d.verdicts[0].reason, "error-rate: inconclusive: not measured in this round");
  d = next_round(ms, run, r, false);
  EXPECT_EQ(d.kind, RunDecision::Kind::kFailed);
  EXPECT_THAT(d.reason, HasSubstr("2 inconclusive measurements, more than inconclusiveLimit 1"));
}

TEST(MeasureRound, MeasuresTheBaselineOnlyWhereNeeded) {
  TableProvider provider;
  provider.set("error-rate", "6", Measurement::of(0.01));
  provider.set("p95", "6", Measurement::of(0.3));
  provider.set("p95", "5", Measurement::of(0.2));
  const Round r = measure_round(provider, metrics(), kCandidate, kStable, std::chrono::seconds(3));
  EXPECT_THAT(provider.calls,
              ElementsAre(Pair("error-rate", "6"), Pair("p95", "6"), Pair("p95", "5")));
  EXPECT_EQ(r.candidate.size(), 2U);
  EXPECT_EQ(r.baseline.size(), 1U);
  EXPECT_EQ(r.baseline.at("p95").value, 0.2);
  EXPECT_EQ(provider.timeouts.front(), std::chrono::seconds(3));

  // Without a stable revision the baseline metric is inconclusive.
  AnalysisRun run;
  const Round alone =
      measure_round(provider, metrics(), kCandidate, std::nullopt, std::chrono::seconds(3));
  const RunDecision d = next_round(metrics(), run, alone, false);
  EXPECT_EQ(d.kind, RunDecision::Kind::kFailed);
  EXPECT_EQ(d.verdicts[1].kind, Verdict::Kind::kInconclusive);
}

class Recording : public MetricProvider {
 public:
  explicit Recording(std::string name, std::vector<std::string>& log)
      : name_(std::move(name)), log_(log) {}
  Measurement measure(const model::MetricSpec& m, const Subject& /*s*/,
                      model::Duration /*t*/) override {
    log_.push_back(name_ + ":" + m.name);
    return Measurement::of(1);
  }

 private:
  std::string name_;
  std::vector<std::string>& log_;
};

TEST(ProviderSet, DispatchesOnTheMetricsProvider) {
  std::vector<std::string> log;
  ProviderSet set(std::make_unique<Recording>("prometheus", log),
                  std::make_unique<Recording>("http", log),
                  std::make_unique<Recording>("command", log));
  model::MetricSpec q = query_metric("q", "> 1");
  model::MetricSpec h;
  h.name = "h";
  h.http = model::HttpMetric{};
  model::MetricSpec c;
  c.name = "c";
  c.command = model::CommandMetric{{"x"}, std::chrono::seconds(1)};
  for (const auto* m : {&q, &h, &c}) (void)set.measure(*m, kCandidate, std::chrono::seconds(1));
  EXPECT_THAT(log, ElementsAre("prometheus:q", "http:h", "command:c"));

  ProviderSet without(nullptr, std::make_unique<Recording>("http", log), nullptr);
  const Measurement m = without.measure(q, kCandidate, std::chrono::seconds(1));
  EXPECT_EQ(m.kind, Measurement::Kind::kInconclusive);
  EXPECT_THAT(m.detail, HasSubstr("no prometheus"));
  model::MetricSpec none;
  none.name = "none";
  EXPECT_EQ(without.measure(none, kCandidate, std::chrono::seconds(1)).kind,
            Measurement::Kind::kInconclusive);
}

model::MetricSpec http_metric(std::int32_t port = 0, std::string body_match = {}) {
  model::MetricSpec m;
  m.name = "health";
  m.http = model::HttpMetric{"/health", port, 200, std::move(body_match), std::chrono::seconds(2)};
  return m;
}

TEST(HttpProvider, MeasuresLatencyOfTheExpectedStatus) {
  FakeHttp fake;
  HttpProvider provider(fake.factory());
  fake.answer(200, "ok\n");
  const Measurement m = provider.measure(http_metric(), kCandidate, std::chrono::seconds(10));
  EXPECT_EQ(m.kind, Measurement::Kind::kValue) << m.detail;
  EXPECT_GE(m.value, 0.0);
  EXPECT_LT(m.value, 1.0);
  EXPECT_THAT(m.detail, HasSubstr("GET http://127.0.0.1:18080/health: HTTP 200 in "));
  ASSERT_EQ(fake.endpoints.size(), 1U);
  EXPECT_EQ(fake.endpoints[0].host, "127.0.0.1");
  EXPECT_EQ(fake.endpoints[0].port, 18080);
  EXPECT_EQ(fake.requests[0].target, "/health");
  EXPECT_EQ(fake.timeouts[0], std::chrono::seconds(2));  // the metric's own, shorter
}

TEST(HttpProvider, WrongStatusMissingBodyOrNoAnswerFail) {
  FakeHttp fake;
  HttpProvider provider(fake.factory());
  fake.answer(503, "unhealthy\n");
  Measurement m = provider.measure(http_metric(), kCandidate, std::chrono::milliseconds(500));
  EXPECT_EQ(m.kind, Measurement::Kind::kFailed);
  EXPECT_THAT(m.detail, HasSubstr("HTTP 503, expected 200"));
  EXPECT_EQ(fake.timeouts[0], std::chrono::milliseconds(500));  // the caller's, shorter

  fake.answer(200, "degraded\n");
  m = provider.measure(http_metric(0, "ok"), kCandidate, std::chrono::seconds(5));
  EXPECT_EQ(m.kind, Measurement::Kind::kFailed);
  EXPECT_THAT(m.detail, HasSubstr("does not contain \"ok\""));

  fake.fail(model::Error::transient("connect: Connection refused"));
  m = provider.measure(http_metric(), kCandidate, std::chrono::seconds(5));
  EXPECT_EQ(m.kind, Measurement::Kind::kFailed);
  EXPECT_THAT(m.detail, HasSubstr("no answer: connect: Connection refused"));

  // A query string in the path is sent but never shown.
  model::MetricSpec keyed = http_metric();
  keyed.http->path = "/health?key=s3cret";
  fake.answer(500, "");
  m = provider.measure(keyed, kCandidate, std::chrono::seconds(5));
  EXPECT_EQ(fake.requests.back().target, "/health?key=s3cret");
  EXPECT_THAT(m.detail, HasSubstr("GET http://127.0.0.1:18080/health: HTTP 500"));
  EXPECT_THAT(m.detail, ::testing::Not(HasSubstr("s3cret")));
}

TEST(HttpProvider, APortIsLookedUpInThePublishedPorts) {
  FakeHttp fake;
  HttpProvider provider(fake.factory());
  Subject s = kCandidate;
  s.ports = {{9000, "127.0.0.1:32768"}};
  fake.answer(200, "");
  fake.answer(200, "");
  (void)provider.measure(http_metric(9000), s, std::chrono::seconds(1));
  (void)provider.measure(http_metric(9100), s, std::chrono::seconds(1));
  ASSERT_EQ(fake.endpoints.size(), 2U);
  EXPECT_EQ(fake.endpoints[0].port, 32768);
  EXPECT_EQ(fake.endpoints[1].host, "127.0.0.1");
  EXPECT_EQ(fake.endpoints[1].port, 9100);
}

TEST(Render, FillsInPlaceholders) {
  EXPECT_EQ(render_query(R"(demo_info{version="{{revision}}"})", "v2"),
            R"(demo_info{version="v2"})");
  EXPECT_EQ(render_query("a{r=\"{{revision}}\"} / b{r=\"{{revision}}\"}", "7"),
            "a{r=\"7\"} / b{r=\"7\"}");
  EXPECT_EQ(render_query(R"(x{v="{{revision}}"})", R"(a"b\c)"), R"(x{v="a\"b\\c"})");
  EXPECT_EQ(render_query("no placeholder {{other}}", "v"), "no placeholder {{other}}");
  EXPECT_EQ(render_argument("http://{{address}}/r/{{revision}}{{", "v3", "10.0.0.1:80"),
            "http://10.0.0.1:80/r/v3{{");
}

}  // namespace
}  // namespace rwd::analysis
