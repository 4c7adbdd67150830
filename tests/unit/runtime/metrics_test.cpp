// Metrics registry: exact text exposition output, labels, histograms,
// registration rules and concurrent updates.

#include "rewind/runtime/metrics.hpp"

#include <limits>
#include <stdexcept>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace rwd::runtime {
namespace {

TEST(Metrics, EmptyRegistryRendersNothing) {
  const Metrics m;
  EXPECT_EQ(m.render(), "");
}

TEST(Metrics, UnlabelledGaugeIsRenderedFromRegistration) {
  Metrics m;
  auto& depth = m.gauge("rewind_queue_depth", "Keys waiting in the work queue.");
  EXPECT_EQ(m.render(),
            "# HELP rewind_queue_depth Keys waiting in the work queue.\n"
            "# TYPE rewind_queue_depth gauge\n"
            "rewind_queue_depth 0\n");
  depth.with().set(7);
  depth.with().inc();
  depth.with().dec(3);
  EXPECT_EQ(m.render(),
            "# HELP rewind_queue_depth Keys waiting in the work queue.\n"
            "# TYPE rewind_queue_depth gauge\n"
            "rewind_queue_depth 5\n");
}

TEST(Metrics, LabelledCounterSeriesOrderedByLabelValues) {
  Metrics m;
  auto& r = m.counter("rewind_reconciles_total", "Reconciles by result.", {"result"});
  EXPECT_EQ(m.render(),
            "# HELP rewind_reconciles_total Reconciles by result.\n"
            "# TYPE rewind_reconciles_total counter\n");
  r.with({"success"}).inc();
  r.with({"success"}).inc(2);
  r.with({"error"}).inc();
  EXPECT_EQ(m.render(),
            "# HELP rewind_reconciles_total Reconciles by result.\n"
            "# TYPE rewind_reconciles_total counter\n"
            "rewind_reconciles_total{result=\"error\"} 1\n"
            "rewind_reconciles_total{result=\"success\"} 3\n");
}

TEST(Metrics, CounterIgnoresNegativeAndNaN) {
  Counter c;
  c.inc(1.5);
  c.inc(-1);
  c.inc(std::numeric_limits<double>::quiet_NaN());
  EXPECT_DOUBLE_EQ(c.value(), 1.5);
}

TEST(Metrics, SeveralLabelsAndEscaping) {
  Metrics m;
  auto& f =
      m.counter("rewind_source_errors_total", "Errors.\nBy source \\ kind.", {"source", "kind"});
  f.with({"dir \"a\"", "back\\slash\nnew"}).inc();
  EXPECT_EQ(m.render(),
            "# HELP rewind_source_errors_total Errors.\\nBy source \\\\ kind.\n"
            "# TYPE rewind_source_errors_total counter\n"
            "rewind_source_errors_total"
            "{source=\"dir \\\"a\\\"\",kind=\"back\\\\slash\\nnew\"} 1\n");
}

TEST(Metrics, HistogramBucketsSumCountAndInf) {
  Metrics m;
  auto& f = m.histogram("rewind_step_duration_seconds", "Step durations.", {0.5, 1, 300}, {"step"});
  auto& h = f.with({"backup"});
  h.observe(0.25);
  h.observe(0.5);  // le is inclusive
  h.observe(2);
  h.observe(1000);
  EXPECT_EQ(m.render(),
            "# HELP rewind_step_duration_seconds Step durations.\n"
            "# TYPE rewind_step_duration_seconds histogram\n"
            "rewind_step_duration_seconds_bucket{step=\"backup\",le=\"0.5\"} 2\n"
            "rewind_step_duration_seconds_bucket{step=\"backup\",le=\"1\"} 2\n"
            "rewind_step_duration_seconds_bucket{step=\"backup\",le=\"300\"} 3\n"
            "rewind_step_duration_seconds_bucket{step=\"backup\",le=\"+Inf\"} 4\n"
            "rewind_step_duration_seconds_sum{step=\"backup\"} 1002.75\n"
            "rewind_step_duration_seconds_count{step=\"backup\"} 4\n");
}

TEST(Metrics, UnlabelledHistogram) {
  Metrics m;
  m.histogram("latency_seconds", "L.", {0.1}).with().observe(0.05);
  EXPECT_EQ(m.render(),
            "# HELP latency_seconds L.\n"
            "# TYPE latency_seconds histogram\n"
            "latency_seconds_bucket{le=\"0.1\"} 1\n"
            "latency_seconds_bucket{le=\"+Inf\"} 1\n"
            "latency_seconds_sum 0.05\n"
            "latency_seconds_count 1\n");
}

TEST(Metrics, HistogramIgnoresNaN) {
  Histogram h({1});
  h.observe(std::numeric_limits<double>::quiet_NaN());
  h.observe(std::numeric_limits<double>::infinity());
  const auto s = h.snapshot();
  EXPECT_EQ(s.count, 1U);
  EXPECT_EQ(s.cumulative, (std::vector<std::uint64_t>{0, 1}));
}

TEST(Metrics, FamiliesOrderedByName) {
  Metrics m;
  m.gauge("b_gauge", "B.");
  m.counter("a_total", "A.");
  EXPECT_EQ(m.render(),
            "# HELP a_total A.\n# TYPE a_total counter\na_total 0\n"
            "# HELP b_gauge B.\n# TYPE b_gauge gauge\nb_gauge 0\n");
}

TEST(Metrics, ReRegisteringTheSameShapeReturnsTheSameFamily) {
  Metrics m;
  auto& a = m.counter("x_total", "X.", {"l"});
  auto& b = m.counter("x_total", "X.", {"l"});
  EXPECT_EQ(&a, &b);
  EXPECT_EQ(&a.with({"v"}), &b.with({"v"}));
  auto& h1 = m.histogram("h", "H.", {1, 2});
  auto& h2 = m.histogram("h", "H.", {1, 2});
  EXPECT_EQ(&h1, &h2);
}

TEST(Metrics, ConflictingRegistrationThrows) {
  Metrics m;
  m.counter("x_total", "X.", {"l"});
  EXPECT_THROW(m.gauge("x_total", "X.", {"l"}), std::invalid_argument);
  EXPECT_THROW(m.counter("x_total", "X.", {"other"}), std::invalid_argument);
  m.histogram("h", "H.", {1, 2});
  EXPECT_THROW(m.histogram("h", "H.", {1, 3}), std::invalid_argument);
}

TEST(Metrics, InvalidNamesAndLabelsThrow) {
  Metrics m;
  EXPECT_THROW(m.counter("1abc", "."), std::invalid_argument);
  EXPECT_THROW(m.counter("a-b", "."), std::invalid_argument);
  EXPECT_THROW(m.counter("ok", ".", {"__reserved"}), std::invalid_argument);
  EXPECT_THROW(m.counter("ok2", ".", {"a", "a"}), std::invalid_argument);
  EXPECT_THROW(m.histogram("h", ".", {1}, {"le"}), std::invalid_argument);
  EXPECT_THROW(m.histogram("h2", ".", {2, 1}), std::invalid_argument);
  EXPECT_THROW(m.histogram("h3", ".", {1, std::numeric_limits<double>::infinity()}),
               std::invalid_argument);
  EXPECT_EQ(m.render(), "");  // nothing half-registered
}

TEST(Metrics, WrongNumberOfLabelValuesThrows) {
  Metrics m;
  auto& f = m.counter("x_total", "X.", {"a", "b"});
  EXPECT_THROW(f.with({"only-one"}), std::invalid_argument);
  EXPECT_THROW(f.with(), std::invalid_argument);
}

TEST(Metrics, ControllerMetricsNames) {
  Metrics m;
  const auto cm = register_controller_metrics(m);
  cm.reconciles.with({"success"}).inc();
  cm.queue_depth.set(2);
  cm.rollbacks.with({"analysis/error-rate"}).inc();
  cm.step_duration.with({"backup"}).observe(3.2);
  cm.source_errors.with({"directory"}).inc();
  cm.releases.with({"Healthy"}).set(4);
  const auto text = m.render();
  EXPECT_NE(text.find("rewind_reconciles_total{result=\"success\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("rewind_queue_depth 2\n"), std::string::npos);
  EXPECT_NE(text.find("rewind_rollbacks_total{trigger=\"analysis/error-rate\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("rewind_step_duration_seconds_bucket{step=\"backup\",le=\"5\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("rewind_step_duration_seconds_bucket{step=\"backup\",le=\"2.5\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("rewind_step_duration_seconds_sum{step=\"backup\"} 3.2\n"),
            std::string::npos);
  EXPECT_NE(text.find("rewind_source_errors_total{source=\"directory\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE rewind_releases gauge\nrewind_releases{phase=\"Healthy\"} 4\n"),
            std::string::npos);
  // Registering twice (two components asking for them) is harmless.
  const auto again = register_controller_metrics(m);
  EXPECT_EQ(&again.queue_depth, &cm.queue_depth);
}

TEST(Metrics, ConcurrentUpdatesAreNotLost) {
  Metrics m;
  auto& f = m.counter("c_total", "C.", {"t"});
  auto& h = m.histogram("h", "H.", {1}).with();
  constexpr int kThreads = 4;
  constexpr int kPerThread = 10000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        f.with({t % 2 == 0 ? "even" : "odd"}).inc();
        h.observe(0.5);
        if (i % 1000 == 0) (void)m.render();
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_DOUBLE_EQ(f.with({"even"}).value() + f.with({"odd"}).value(), kThreads * kPerThread);
  EXPECT_EQ(h.snapshot().count, static_cast<std::uint64_t>(kThreads * kPerThread));
  EXPECT_DOUBLE_EQ(h.snapshot().sum, 0.5 * kThreads * kPerThread);
}

}  // namespace
}  // namespace rwd::runtime
