// The HTTP provider against the demo app's /health, and the command provider
// with real processes.

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rewind/analysis/judge.hpp"
#include "rewind/analysis/provider.hpp"

#include "demo_app.hpp"

namespace rwd::analysis {
namespace {

using itest::DemoApp;
using itest::Env;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using Clock = std::chrono::steady_clock;

model::MetricSpec http_metric(std::string body_match = {}, std::string fail_if = {}) {
  model::MetricSpec m;
  m.name = "health";
  m.http = model::HttpMetric{"/health", 0, 200, std::move(body_match), std::chrono::seconds(2)};
  if (!fail_if.empty()) m.fail_if = model::parse_threshold(fail_if);
  return m;
}

model::MetricSpec command_metric(std::vector<std::string> argv,
                                 model::Duration timeout = std::chrono::seconds(10)) {
  model::MetricSpec m;
  m.name = "smoke";
  m.command = model::CommandMetric{std::move(argv), timeout};
  return m;
}

Subject subject_of(const DemoApp& app, const std::string& label = "v1") {
  return Subject{model::RevisionNumber{4}, app.address(), label, {}};
}

TEST(HttpAnalysis, HealthyRevisionAnswersWithItsLatency) {
  DemoApp app(Env{{"DEMO_VERSION", "v1"}});
  HttpProvider provider;
  const Measurement m =
      provider.measure(http_metric("ok"), subject_of(app), std::chrono::seconds(5));
  ASSERT_EQ(m.kind, Measurement::Kind::kValue) << m.detail;
  EXPECT_GT(m.value, 0.0);
  EXPECT_LT(m.value, 1.0);
  EXPECT_THAT(m.detail, HasSubstr("GET http://" + app.address() + "/health: HTTP 200"));
  EXPECT_EQ(judge(http_metric("ok", "> 1"), m, std::nullopt).kind, Verdict::Kind::kPass);

  // The body must contain bodyMatch.
  const Measurement wrong_body =
      provider.measure(http_metric("healthy-and-ready"), subject_of(app), std::chrono::seconds(5));
  EXPECT_EQ(wrong_body.kind, Measurement::Kind::kFailed);
  EXPECT_THAT(wrong_body.detail, HasSubstr("does not contain \"healthy-and-ready\""));

  // A port given by the metric: /version on the same host.
  model::MetricSpec version = http_metric("v1");
  version.http->path = "/version";
  version.http->port = app.port();
  Subject elsewhere = subject_of(app);
  elsewhere.address = "127.0.0.1:1";
  const Measurement v = provider.measure(version, elsewhere, std::chrono::seconds(5));
  EXPECT_EQ(v.kind, Measurement::Kind::kValue) << v.detail;
}

TEST(HttpAnalysis, UnhealthyRevisionFailsWhateverFailIfSays) {
  DemoApp app(Env{{"DEMO_HEALTHY", "false"}});
  HttpProvider provider;
  const model::MetricSpec metric = http_metric({}, "> 100");
  const Measurement m = provider.measure(metric, subject_of(app), std::chrono::seconds(5));
  EXPECT_EQ(m.kind, Measurement::Kind::kFailed);
  EXPECT_THAT(m.detail, HasSubstr("HTTP 503, expected 200"));
  const Verdict v = judge(metric, m, std::nullopt);
  EXPECT_EQ(v.kind, Verdict::Kind::kFail);
  EXPECT_THAT(v.reason, StartsWith("health: failed: GET http://"));

  app.stop();
  const Measurement gone = provider.measure(metric, subject_of(app), std::chrono::seconds(5));
  EXPECT_EQ(gone.kind, Measurement::Kind::kFailed);
  EXPECT_THAT(gone.detail, HasSubstr("no answer"));
}

TEST(HttpAnalysis, ASlowAnswerIsCutAtTheMetricsTimeout) {
  DemoApp app(Env{{"DEMO_LATENCY_MS", "3000"}});
  HttpProvider provider;
  model::MetricSpec metric = http_metric();
  metric.http->path = "/version";  // delayed; /health never is
  metric.http->timeout = std::chrono::milliseconds(300);
  const auto start = Clock::now();
  const Measurement m = provider.measure(metric, subject_of(app), std::chrono::seconds(10));
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(m.kind, Measurement::Kind::kFailed) << m.detail;
  EXPECT_THAT(m.detail, HasSubstr("no answer"));
}

TEST(CommandAnalysis, TheExitStatusIsTheValue) {
  CommandProvider provider;
  const Subject s{model::RevisionNumber{4}, "127.0.0.1:8080", "v4", {}};
  const model::MetricSpec three = command_metric({"/bin/sh", "-c", "echo checking; exit 3"});
  const Measurement m = provider.measure(three, s, std::chrono::seconds(10));
  ASSERT_EQ(m.kind, Measurement::Kind::kValue) << m.detail;
  EXPECT_EQ(m.value, 3.0);
  EXPECT_THAT(m.detail, HasSubstr("exited with 3"));
  EXPECT_THAT(m.detail, HasSubstr("checking"));
  const Verdict v = judge(three, m, std::nullopt);  // default failIf "!= 0"
  EXPECT_EQ(v.kind, Verdict::Kind::kFail);
  EXPECT_EQ(v.reason, "smoke: 3 != 0");

  const model::MetricSpec ok = command_metric({"/bin/true"});
  const Measurement zero = provider.measure(ok, s, std::chrono::seconds(10));
  EXPECT_EQ(zero.kind, Measurement::Kind::kValue);
  EXPECT_EQ(zero.value, 0.0);
  EXPECT_EQ(judge(ok, zero, std::nullopt).kind, Verdict::Kind::kPass);
}

TEST(CommandAnalysis, PlaceholdersAndEnvironmentReachTheCommand) {
  CommandProvider provider;
  const Subject s{model::RevisionNumber{4}, "127.0.0.1:8080", "v4", {}};
  const Measurement m = provider.measure(
      command_metric({"/bin/sh", "-c", "echo \"$1 $2 $REWIND_REVISION $REWIND_ADDRESS\"", "sh",
                      "{{revision}}", "http://{{address}}/health"}),
      s, std::chrono::seconds(10));
  ASSERT_EQ(m.kind, Measurement::Kind::kValue) << m.detail;
  EXPECT_THAT(m.detail, HasSubstr("v4 http://127.0.0.1:8080/health v4 127.0.0.1:8080"));
}

TEST(CommandAnalysis, ATimeoutKillsTheCommandAndWhatItStarted) {
  char tmpl[] = "/tmp/rewind-cmd-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  CommandProvider provider;
  const Subject s{model::RevisionNumber{4}, "127.0.0.1:8080", "v4", {}};
  const model::MetricSpec slow = command_metric(
      {"/bin/sh", "-c", "sleep 30 & echo $! > " + dir + "/child; echo started; wait"},
      std::chrono::milliseconds(400));
  const auto start = Clock::now();
  const Measurement m = provider.measure(slow, s, std::chrono::seconds(10));
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(3));
  EXPECT_EQ(m.kind, Measurement::Kind::kFailed);
  EXPECT_THAT(m.detail, HasSubstr("timed out after 400ms"));
  EXPECT_THAT(m.detail, HasSubstr("started"));
  EXPECT_EQ(judge(slow, m, std::nullopt).kind, Verdict::Kind::kFail);

  // The background sleep went with it.
  std::ifstream in(dir + "/child");
  pid_t child = 0;
  in >> child;
  ASSERT_GT(child, 0);
  const bool gone = itest::poll_until(std::chrono::seconds(2), [&] {
    std::ifstream stat("/proc/" + std::to_string(child) + "/stat");
    std::string pid, comm, state;
    stat >> pid >> comm >> state;
    return !stat || state == "Z";  // gone, or a zombie waiting for its reaper
  });
  EXPECT_TRUE(gone) << "sleep " << child << " outlived the timeout";
  std::filesystem::remove_all(dir);

  // The caller's budget applies when it is shorter than the metric's.
  const auto start2 = Clock::now();
  const Measurement cut =
      provider.measure(command_metric({"sleep", "30"}), s, std::chrono::milliseconds(200));
  EXPECT_LT(Clock::now() - start2, std::chrono::seconds(2));
  EXPECT_EQ(cut.kind, Measurement::Kind::kFailed);
}

TEST(CommandAnalysis, KeepsTheLast4KiBOfOutput) {
  CommandProvider provider;
  const Subject s{model::RevisionNumber{4}, "127.0.0.1:8080", "v4", {}};
  const Measurement m = provider.measure(
      command_metric({"/bin/sh", "-c",
                      "i=0; while [ $i -lt 2000 ]; do echo line-$i; i=$((i+1)); done; "
                      "printf 'bad \\377 byte\\n' >&2; echo the-end; exit 1"}),
      s, std::chrono::seconds(10));
  ASSERT_EQ(m.kind, Measurement::Kind::kValue) << m.detail;
  EXPECT_EQ(m.value, 1.0);
  EXPECT_THAT(m.detail, HasSubstr("line-1999"));
  EXPECT_THAT(m.detail, Not(HasSubstr("line-10\n")));
  EXPECT_THAT(m.detail, EndsWith("the-end\n"));
  EXPECT_THAT(m.detail, HasSubstr("bad ? byte"));
  EXPECT_LE(m.detail.size(), 4096U + 200U);
}

TEST(CommandAnalysis, ACommandThatCannotStartIsInconclusive) {
  CommandProvider provider;
  const Subject s{model::RevisionNumber{4}, "127.0.0.1:8080", "v4", {}};
  const Measurement m =
      provider.measure(command_metric({"/nonexistent/smoke-test"}), s, std::chrono::seconds(5));
  EXPECT_EQ(m.kind, Measurement::Kind::kInconclusive);
  EXPECT_THAT(m.detail, HasSubstr("cannot start /nonexistent/smoke-test"));
}

}  // namespace
}  // namespace rwd::analysis
