// Figure 4 of the benchmarks: event to reconcile. With a fleet of Releases
// loaded and adopted, Releases are changed at 20 per second (a label, not a
// deployment); each change's latency runs from the moment it is made to the
// start of that Release's reconcile, as the controller's debug log stamps it
// ("reconcile of Release/NS/NAME started", milliseconds, the same clock).
// Directory source: the steady state of figure 5, a file renamed into place.
// Kubernetes source: Releases on the test control plane, a merge PATCH.

#include <algorithm>
#include <functional>
#include <map>
#include <random>
#include <regex>
#include <thread>

#include <gtest/gtest.h>

#include "rewind/kube/api.hpp"
#include "rewind/kube/config.hpp"

#include "bench_util.hpp"
#include "fleet.hpp"
#include "kube_bench.hpp"
#include "watcher_process.hpp"

namespace rwd::bench {
namespace {

using namespace std::chrono_literals;
using WallClock = std::chrono::system_clock;

// Milliseconds since the epoch of a log line's "2026-11-22T03:40:00.123Z".
std::optional<std::int64_t> log_time_ms(const std::string& line) {
  std::tm tm{};
  int millis = 0;
  if (line.size() < 24 || line[23] != 'Z') return std::nullopt;
  if (std::sscanf(line.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &millis) != 7) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<std::int64_t>(::timegm(&tm)) * 1000 + millis;
}

// Every "reconcile of <ref> started" in the log: ref -> start times (ms).
std::map<std::string, std::vector<std::int64_t>> reconcile_starts(
    const std::filesystem::path& log) {
  std::map<std::string, std::vector<std::int64_t>> out;
  std::istringstream in(itest::ComposeService::read_text(log));
  const std::string marker = "reconcile of ";
  std::string l;
  while (std::getline(in, l)) {
    const auto at = l.find(marker);
    if (at == std::string::npos || l.find(" started on worker", at) == std::string::npos) continue;
    const auto t = log_time_ms(l);
    if (!t) continue;
    const auto begin = at + marker.size();
    out[l.substr(begin, l.find(' ', begin) - begin)].push_back(*t);
  }
  return out;
}

struct Change {
  int release = 0;
  std::int64_t at_ms = 0;  // wall clock, just before the rename
};

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(WallClock::now().time_since_epoch())
      .count();
}

// Changes `count` of `releases` Releases in a shuffled order, one every
// `every`; `change(release, i)` makes change i.
std::vector<Change> change_at_rate(int releases, int count, std::chrono::milliseconds every,
                                   const std::function<void(int, int)>& change) {
  std::vector<int> order(static_cast<std::size_t>(releases));
  for (int i = 0; i < releases; ++i) order[static_cast<std::size_t>(i)] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937(42));
  std::vector<Change> changes;
  auto next = SteadyClock::now();
  for (int i = 0; i < count; ++i) {
    std::this_thread::sleep_until(next);
    next += every;
    const int r = order[static_cast<std::size_t>(i % releases)];
    const auto at = wall_ms();
    change(r, i);
    changes.push_back({r, at});
  }
  return changes;
}

// Each change's latency to the first reconcile of its Release that started
// at or after it; `missed` counts changes with none.
Samples latencies(const std::vector<Change>& changes, const std::filesystem::path& log,
                  const std::string& ns, int& missed) {
  const auto starts = reconcile_starts(log);
  Samples out;
  missed = 0;
  for (const Change& c : changes) {
    const auto it = starts.find("Release/" + ns + "/svc-" + std::to_string(c.release));
    if (it == starts.end()) {
      ++missed;
      continue;
    }
    const auto first = std::lower_bound(it->second.begin(), it->second.end(), c.at_ms);
    if (first == it->second.end()) {
      ++missed;
      continue;
    }
    out.add(static_cast<double>(*first - c.at_ms));
  }
  return out;
}

void report(const std::string& name, const Samples& latency, const std::string& what) {
  line(name + "_p50", latency.percentile(50), "ms", "change made -> its reconcile starts; " + what);
  line(name + "_p99", latency.percentile(99), "ms", "goal <= 10; max " + fixed(latency.max()));
}

constexpr int kChanges = 600;  // 30 s at 20 per second
constexpr auto kEvery = std::chrono::milliseconds(50);

void measure(const std::string& debounce) {
  ASSERT_TRUE(itest::docker_answers());
  ASSERT_TRUE(itest::ensure_demo_images());
  itest::DockerCleanup cleanup;
  const Fleet fleet = make_fleet("bench-event", fleet_size());
  itest::WatcherOptions o;
  o.resync = "30s";  // the default
  o.args = {"--log-level", "debug", "--debounce", debounce};
  const auto log = fleet.root / "watch.log";
  itest::Watcher w(fleet.releases(), fleet.state(), log, o);
  ASSERT_TRUE(itest::eventually([&] { return fleet.stable() == fleet.count; }, 900s, 500ms))
      << fleet.stable() << " of " << fleet.count << " stable";
  std::this_thread::sleep_for(2s);

  // 20 changes per second for 30 s.
  const auto changes = change_at_rate(fleet.count, kChanges, kEvery, [&](int r, int i) {
    fleet.write(r, "{bench-change: \"" + std::to_string(i) + "\"}");
  });
  int missed = 0;
  Samples latency;
  // Until every change's reconcile has started (a resync may be ahead of it).
  (void)itest::eventually(
      [&] {
        latency = latencies(changes, log, "bench", missed);
        return missed == 0;
      },
      120s, 1s);
  keep_log(log.string(), "figure-4-watch-debounce-" + debounce + ".log");
  w.stop();
  std::error_code ec;
  std::filesystem::remove_all(fleet.root, ec);
  ASSERT_EQ(missed, 0) << "changes with no reconcile after them";
  report("event_to_reconcile_dir_debounce_" + debounce, latency,
         std::to_string(fleet.count) + " Release files, " + std::to_string(changes.size()) +
             " renamed into place at 20/s, --debounce " + debounce + ", resync 30s");
}

TEST(Figure4, EventToReconcileDirectoryDefaultDebounce) { measure("100ms"); }
TEST(Figure4, EventToReconcileDirectoryNoDebounce) { measure("0"); }

TEST(Figure4, EventToReconcileKubernetes) {
  auto& k = kube_itest::cluster_with_crds();
  const std::string ns = "bench-event";
  kube_itest::ensure_namespace(k, ns);
  const int n = count_from_env(1000);
  std::vector<Json> deployments;
  std::vector<Json> releases;
  for (int i = 0; i < n; ++i) {
    const std::string name = "svc-" + std::to_string(i);
    deployments.push_back(kube_itest::deployment_json(ns, name, "rewind-demo:v0", 1));
    releases.push_back(kube_itest::release_json(ns, name, "rewind-demo:v1"));
  }
  apply_list(k, deployments);
  apply_list(k, releases);
  const std::string log = k.dir() + "/bench-event-controller.log";
  ControllerProcess c(k, log, "bench-event",
                      {"--leader-elect=false", "--resync", "30s", "--log-level", "debug"});
  // Until every Release has settled: a Ready condition (True, or False when
  // its pods were too slow on this harness) and no plan in flight.
  ASSERT_TRUE(itest::eventually([&] { return settled_count(k, ns) == n; }, 1800s, 2s))
      << settled_count(k, ns) << " of " << n << " settled";
  std::this_thread::sleep_for(2s);

  auto cluster = kube::load_kubeconfig(k.kubeconfig(), "");
  ASSERT_TRUE(cluster) << cluster.error().message;
  kube::Api api(*cluster);
  int failed = 0;
  const auto changes = change_at_rate(n, kChanges, kEvery, [&](int r, int i) {
    const Json patch = {{"metadata", {{"labels", {{"bench-change", std::to_string(i)}}}}}};
    if (!api.patch(kube::path_of(kube::kReleases, ns, "svc-" + std::to_string(r)), patch,
                   kube::PatchType::kMerge)) {
      ++failed;
    }
  });
  int missed = 0;
  Samples latency;
  (void)itest::eventually(
      [&] {
        latency = latencies(changes, log, ns, missed);
        return missed == 0;
      },
      120s, 1s);
  keep_log(log, "figure-4-controller.log");
  EXPECT_EQ(c.stop(), 0);
  ASSERT_EQ(failed, 0) << "PATCHes that failed";
  ASSERT_EQ(missed, 0) << "changes with no reconcile after them";
  report("event_to_reconcile_k8s", latency,
         std::to_string(n) + " Releases on the test control plane, " +
             std::to_string(changes.size()) +
             " label PATCHes at 20/s, resync 30s; the PATCH's "
             "round trip is included");
}

}  // namespace
}  // namespace rwd::bench
