// The Prometheus provider and the judge against a real Prometheus scraping
// real demo apps every second.

#include "rewind/analysis/prometheus.hpp"

#include <chrono>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rewind/analysis/judge.hpp"
#include "rewind/analysis/provider.hpp"
#include "rewind/model/codec.hpp"

#include "demo_app.hpp"
#include "prometheus_server.hpp"

namespace rwd::analysis {
namespace {

using itest::DemoApp;
using itest::Env;
using itest::PrometheusServer;
using itest::ScrapeTarget;
using ::testing::HasSubstr;

constexpr auto kWait = std::chrono::seconds(20);
constexpr auto kTimeout = std::chrono::seconds(2);

// The metrics of examples/releases/api.yaml, decoded the way rewind reads it.
std::vector<model::MetricSpec> api_yaml_metrics() {
  std::ifstream in(std::string(REWIND_SOURCE_DIR) + "/examples/releases/api.yaml");
  std::ostringstream text;
  text << in.rdbuf();
  const auto parsed = model::parse_resources(text.str(), "examples/releases/api.yaml");
  EXPECT_TRUE(parsed.ok());
  const auto& release = std::get<model::Release>(parsed.objects.at(0).object);
  return release.spec.analysis->metrics;
}

const model::MetricSpec& metric_named(const std::vector<model::MetricSpec>& ms,
                                      const std::string& name) {
  for (const auto& m : ms) {
    if (m.name == name) return m;
  }
  throw std::runtime_error("no metric " + name);
}

std::unique_ptr<PrometheusProvider> provider_for(const PrometheusServer& prom) {
  auto client = make_prometheus_client(prom.address());
  EXPECT_TRUE(client) << client.error().message;
  return std::make_unique<PrometheusProvider>(std::move(client).value());
}

Subject subject(const std::string& label, const std::string& address = "127.0.0.1:1") {
  return Subject{model::RevisionNumber{1}, address, label, {}};
}

// Waits until Prometheus has scraped every target at least once.
void wait_scraped(PrometheusServer& prom, std::size_t targets) {
  auto client = make_prometheus_client(prom.address());
  ASSERT_TRUE(client);
  const bool scraped = itest::poll_until(kWait, [&] {
    auto s = (*client)->query("count(up == 1)", kTimeout);
    return s && s->value && *s->value >= static_cast<double>(targets);
  });
  ASSERT_TRUE(scraped) << "targets not scraped:\n" << prom.log();
}

// Measures until the measurement has a value (Prometheus needs two scrapes
// after the traffic for a rate) or the deadline passes.
Measurement measure_value(MetricProvider& provider, const model::MetricSpec& metric,
                          const Subject& s) {
  Measurement m;
  itest::poll_until(kWait, [&] {
    m = provider.measure(metric, s, kTimeout);
    return m.kind == Measurement::Kind::kValue;
  });
  return m;
}

TEST(PrometheusAnalysis, ErrorRateOfAFaultyRevisionFailsTheApiYamlThreshold) {
  DemoApp app(Env{{"DEMO_ERROR_RATE", "0.25"}, {"DEMO_VERSION", "v2"}});
  PrometheusServer prom({ScrapeTarget{app.address(), {}}});
  wait_scraped(prom, 1);
  const auto answers = app.traffic(200);
  EXPECT_EQ(answers.at(500), 50);
  EXPECT_EQ(answers.at(200), 150);

  const auto metrics = api_yaml_metrics();
  const model::MetricSpec& error_rate = metric_named(metrics, "error-rate");
  auto provider = provider_for(prom);
  const Measurement m = measure_value(*provider, error_rate, subject("v2"));
  ASSERT_EQ(m.kind, Measurement::Kind::kValue) << m.detail << "\n" << prom.log();
  EXPECT_NEAR(m.value, 0.25, 0.02);

  const Verdict v = judge(error_rate, m, std::nullopt);
  EXPECT_EQ(v.kind, Verdict::Kind::kFail) << v.reason;
  EXPECT_THAT(v.reason, HasSubstr("error-rate: 0.25"));
  EXPECT_THAT(v.reason, HasSubstr("> 0.05"));

  AnalysisRun run;
  Round round;
  round.candidate.insert_or_assign("error-rate", m);
  const RunDecision d = next_round({error_rate}, run, round, false);
  EXPECT_EQ(d.kind, RunDecision::Kind::kFailed);
  EXPECT_EQ(d.metric, "error-rate");
}

TEST(PrometheusAnalysis, AHealthyRevisionPassesBothApiYamlMetrics) {
  DemoApp app(Env{{"DEMO_VERSION", "v1"}, {"DEMO_LATENCY_MS", "20"}});
  PrometheusServer prom({ScrapeTarget{app.address(), {}}});
  wait_scraped(prom, 1);
  EXPECT_EQ(app.traffic(100).at(200), 100);

  const auto metrics = api_yaml_metrics();
  auto provider = provider_for(prom);
  AnalysisRun run;
  Round round;
  for (const auto& metric : metrics) {
    const Measurement m = measure_value(*provider, metric, subject("v1"));
    ASSERT_EQ(m.kind, Measurement::Kind::kValue) << metric.name << ": " << m.detail;
    round.candidate.insert_or_assign(metric.name, m);
  }
  EXPECT_EQ(round.candidate.at("error-rate").value, 0.0);
  // 20 ms per request: the 0.95 quantile lies in the (0.01, 0.025] bucket.
  EXPECT_GT(round.candidate.at("p95-latency").value, 0.01);
  EXPECT_LE(round.candidate.at("p95-latency").value, 0.025);
  const RunDecision d = next_round(metrics, run, round, true);
  EXPECT_EQ(d.kind, RunDecision::Kind::kPassed) << d.reason;
  for (const auto& v : d.verdicts) EXPECT_EQ(v.kind, Verdict::Kind::kPass) << v.reason;
}

TEST(PrometheusAnalysis, AnEmptyResultIsInconclusiveAndSoIsAStoppedPrometheus) {
  PrometheusServer prom(std::vector<ScrapeTarget>{});
  auto provider = provider_for(prom);
  model::MetricSpec metric;
  metric.name = "missing";
  metric.query = R"(sum(rate(no_such_series_total{version="{{revision}}"}[1m])))";
  metric.fail_if = model::parse_threshold("> 0");

  const Measurement empty = provider->measure(metric, subject("v1"), kTimeout);
  EXPECT_EQ(empty.kind, Measurement::Kind::kInconclusive) << empty.detail;
  EXPECT_EQ(empty.detail, "empty result");
  EXPECT_EQ(judge(metric, empty, std::nullopt).kind, Verdict::Kind::kInconclusive);

  // A query Prometheus refuses is an error, not a pass.
  model::MetricSpec broken = metric;
  broken.query = "sum(rate(x[1m]";
  const Measurement refused = provider->measure(broken, subject("v1"), kTimeout);
  EXPECT_EQ(refused.kind, Measurement::Kind::kInconclusive);
  EXPECT_THAT(refused.detail, HasSubstr("bad_data"));

  // Several series: the query must aggregate.
  model::MetricSpec many = metric;
  many.query = "vector(1) or label_replace(vector(2), \"x\", \"y\", \"\", \"\")";
  const Measurement two = provider->measure(many, subject("v1"), kTimeout);
  EXPECT_EQ(two.kind, Measurement::Kind::kInconclusive);
  EXPECT_THAT(two.detail, HasSubstr("2 series"));

  prom.stop();
  const auto start = std::chrono::steady_clock::now();
  const Measurement gone = provider->measure(metric, subject("v1"), kTimeout);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_EQ(gone.kind, Measurement::Kind::kInconclusive);
  EXPECT_THAT(gone.detail, HasSubstr("did not answer"));
  AnalysisRun run;
  Round round;
  round.candidate.insert_or_assign("missing", gone);
  EXPECT_EQ(next_round({metric}, run, round, true).kind, RunDecision::Kind::kFailed);
}

TEST(PrometheusAnalysis, RevisionPlaceholderSelectsTheRevisionsSeries) {
  DemoApp v1(Env{{"DEMO_VERSION", "v1"}});
  DemoApp v2(Env{{"DEMO_VERSION", "v2"}});
  PrometheusServer prom({ScrapeTarget{v1.address(), {{"revision", "1"}}},
                         ScrapeTarget{v2.address(), {{"revision", "2"}}}});
  wait_scraped(prom, 2);
  auto provider = provider_for(prom);

  model::MetricSpec info;
  info.name = "version";
  info.query = R"(sum(demo_info{version="{{revision}}"}))";
  info.fail_if = model::parse_threshold("!= 1");
  const Measurement m2 = measure_value(*provider, info, subject("v2"));
  ASSERT_EQ(m2.kind, Measurement::Kind::kValue) << m2.detail;
  EXPECT_EQ(m2.value, 1.0);
  EXPECT_EQ(judge(info, m2, std::nullopt).kind, Verdict::Kind::kPass);
  // A version nobody runs: sum() of nothing is an empty result.
  EXPECT_EQ(provider->measure(info, subject("v9"), kTimeout).kind,
            Measurement::Kind::kInconclusive);

  // The target label: which demo_info belongs to revision "1".
  model::MetricSpec which;
  which.name = "which";
  which.query = R"(demo_info{revision="{{revision}}"})";
  which.fail_if = model::parse_threshold("!= 1");
  const Measurement r1 = measure_value(*provider, which, subject("1"));
  ASSERT_EQ(r1.kind, Measurement::Kind::kValue) << r1.detail;
  EXPECT_THAT(r1.detail, HasSubstr("version=\"v1\""));
  EXPECT_THAT(r1.detail, HasSubstr("revision=\"1\""));
}

// Latencies chosen so that the histogram buckets (..., 0.05, 0.1, ...,
// 0.5, 1, ...) keep the verdicts apart on a loaded machine: 60 ms apps land
// in 0.05-0.1 (ratio under 2 whatever the interpolation), 700 ms in 0.5-1.
TEST(PrometheusAnalysis, BaselineComparisonCatchesASlowerRevision) {
  DemoApp stable(Env{{"DEMO_VERSION", "v1"}, {"DEMO_LATENCY_MS", "60"}});
  DemoApp slow(Env{{"DEMO_VERSION", "v2"}, {"DEMO_LATENCY_MS", "700"}});
  DemoApp same(Env{{"DEMO_VERSION", "v3"}, {"DEMO_LATENCY_MS", "60"}});
  PrometheusServer prom({ScrapeTarget{stable.address(), {{"revision", "1"}}},
                         ScrapeTarget{slow.address(), {{"revision", "2"}}},
                         ScrapeTarget{same.address(), {{"revision", "3"}}}});
  wait_scraped(prom, 3);
  std::thread a([&] { (void)stable.traffic(60, 6); });
  std::thread b([&] { (void)slow.traffic(60, 6); });
  (void)same.traffic(60, 6);
  a.join();
  b.join();

  model::MetricSpec p95;
  p95.name = "p95-latency";
  p95.query =
      "histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket"
      "{revision=\"{{revision}}\"}[1m])) by (le))";
  p95.fail_if = model::parse_threshold("> 3x baseline");
  ASSERT_TRUE(needs_baseline(p95));
  auto provider = provider_for(prom);
  const Subject s1{model::RevisionNumber{1}, stable.address(), "1", {}};
  const Subject s2{model::RevisionNumber{2}, slow.address(), "2", {}};
  const Subject s3{model::RevisionNumber{3}, same.address(), "3", {}};
  for (const auto* s : {&s1, &s2, &s3}) {
    ASSERT_EQ(measure_value(*provider, p95, *s).kind, Measurement::Kind::kValue) << s->label;
  }

  // Through measure_round, as the executor will call it.
  AnalysisRun run;
  Round slower = measure_round(*provider, {p95}, s2, s1, kTimeout);
  ASSERT_EQ(slower.baseline.count("p95-latency"), 1U);
  EXPECT_LE(slower.baseline.at("p95-latency").value, 0.1);
  EXPECT_GT(slower.candidate.at("p95-latency").value, 0.3);
  const RunDecision failed = next_round({p95}, run, slower, false);
  ASSERT_EQ(failed.kind, RunDecision::Kind::kFailed) << failed.reason;
  EXPECT_THAT(failed.reason, HasSubstr("> 3x baseline"));

  AnalysisRun run2;
  const Round alike = measure_round(*provider, {p95}, s3, s1, kTimeout);
  const RunDecision passed = next_round({p95}, run2, alike, true);
  EXPECT_EQ(passed.kind, RunDecision::Kind::kPassed) << passed.verdicts.at(0).reason;
}

}  // namespace
}  // namespace rwd::analysis
