#pragma once
// The reconcile loop in memory, driven the way the runtime drives it
// (requeue after the asked delay), with a clock that only moves when the
// test moves it: a fake platform, probe and database, memory stores.

#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "rewind/execute/release_reconciler.hpp"
#include "rewind/history/memory_store.hpp"
#include "rewind/router/memory_router.hpp"

#include "execute/fake_analysis.hpp"
#include "execute/fake_database.hpp"
#include "execute/fake_platform.hpp"

namespace rwd::execute::testing {

inline model::Release release(const std::string& image) {
  model::Release r;
  r.metadata.name = "api";
  r.metadata.ns = "shop";
  r.spec.target.docker = model::DockerTarget{"shop", "api"};
  r.spec.image = model::ImageRef{image};
  r.spec.health_check = model::HealthCheckSpec{};
  r.spec.health_check->http = model::HttpCheck{"/health", 8080, "http"};
  r.spec.health_check->interval = std::chrono::seconds(1);
  return r;
}

// spec.analysis with one Prometheus metric, error-rate (failIf "> 0.05"),
// measured every `interval` through `window`; FakeMetrics answers it.
inline model::AnalysisSpec error_rate_analysis(model::Duration interval, model::Duration window,
                                               std::int32_t failure_limit = 0) {
  model::AnalysisSpec a;
  a.interval = interval;
  a.window = window;
  a.prometheus = model::PrometheusSpec{"http://127.0.0.1:9090"};
  model::MetricSpec errors;
  errors.name = "error-rate";
  errors.query = "sum(rate(http_requests_total{code=~\"5..\",revision=\"{{revision}}\"}[1m]))";
  errors.fail_if = model::parse_threshold("> 0.05");
  errors.failure_limit = failure_limit;
  a.metrics.push_back(errors);
  return a;
}

template <class Platform>
struct BasicLoop {
  Platform platform;
  FakeProbe probe;
  FakeDatabase database;
  FakeMetrics metrics;
  RecordingNotifier notifier;
  router::InMemoryRouter router;  // blue-green's and canary's
  CommandBox commands;            // rewind promote/abort/retry
  history::MemoryHistoryStore histories;
  history::MemoryStatusStore statuses;
  model::Timestamp clock = *model::parse_timestamp("2026-11-21T08:00:00Z");
  ReleaseReconciler reconciler{ReconcilerDeps{
      platform, probe, histories, statuses, [this] { return clock; },
      [](const model::Release&) {
        return model::Result<model::EnvFileContents>(model::EnvFileContents{});
      },
      false, nullptr, &database, metrics.factory(), &notifier, Traffic{&router, false}, &commands}};
  std::vector<std::string> summaries;

  explicit BasicLoop(bool compose_container = true) {
    if (compose_container) platform.add("shop_api_1", "demo:v1", true);
  }

  // Runs reconciles until the controller waits for a change (or 200 passes).
  ReconcileOutcome settle(const model::Release& r, const std::vector<model::Rollback>& rbs = {}) {
    ReconcileOutcome out;
    for (int i = 0; i < 200; ++i) {
      out = reconciler.reconcile(r, rbs);
      summaries.push_back(out.summary);
      if (out.error && out.error->kind != model::ErrorKind::kTransient) return out;
      if (out.action.is_await_change()) return out;
      clock += *out.action.requeue();
    }
    ADD_FAILURE() << "did not settle; last: " << out.summary;
    return out;
  }

  // `rewind promote/abort/retry api`, as the watcher's HTTP API posts it.
  void command(CommandKind kind) { commands.post({"shop", "api"}, {kind, clock, "test"}); }

  model::History history() { return *histories.load({"shop", "api"}); }
  model::ReleaseStatus status() { return (*statuses.read_release({"shop", "api"}))->status; }
  std::vector<std::string> running_images() {
    std::vector<std::string> out;
    for (const auto* i : platform.running()) out.push_back(i->image.value());
    return out;
  }
};

// The loop for blue-green and canary: its compose container is named like a
// host ("shop-api-1"), since the fake platform's addresses are
// "<name>:<port>" and routers take host:port only.
struct RoutedLoop : BasicLoop<FakePlatform> {
  RoutedLoop() : BasicLoop<FakePlatform>(false) { platform.add("shop-api-1", "demo:v1", true); }

  // The container of that name (running or not); nullptr when there is none.
  [[nodiscard]] const Instance* named(const std::string& name) const {
    for (const auto& [id, i] : platform.containers) {
      if (i.name == name) return &i;
    }
    return nullptr;
  }
};

}  // namespace rwd::execute::testing

namespace rwd::router {
// gtest prints backends in failure messages as name@address=weight.
inline void PrintTo(const Backend& b, std::ostream* os) {
  *os << b.name << "@" << b.address << "=" << b.weight;
}
}  // namespace rwd::router
