#pragma once
// The reconcile loop in memory, driven the way the runtime drives it
// (requeue after the asked delay), with a clock that only moves when the
// test moves it: a fake platform, probe and database, memory stores.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "execute/fake_analysis.hpp"
#include "execute/fake_database.hpp"
#include "execute/fake_platform.hpp"
#include "rewind/execute/release_reconciler.hpp"
#include "rewind/history/memory_store.hpp"
#include "rewind/router/memory_router.hpp"

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
      [](const model::Release&) { return model::Result<model::EnvFileContents>(model::EnvFileContents{}); },
      false, nullptr, &database, metrics.factory(), &notifier, Traffic{&router, false},
      &commands}};
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

}  // namespace rwd::execute::testing
