// Figure 6 of the benchmarks: the Kubernetes controller against the real
// control plane of the test harness (etcd, kube-apiserver, controller-manager,
// scheduler, kwok nodes): many Releases and Rollbacks applied at once, the API
// requests they cost, and one Rollback's latency against a direct PATCH.

#include <regex>

#include <gtest/gtest.h>

#include "rewind/kube/api.hpp"
#include "rewind/kube/config.hpp"

#include "bench_util.hpp"
#include "kube_bench.hpp"

namespace rwd::bench {
namespace {

using namespace std::chrono_literals;
using kube_itest::ControllerProcess;
using kube_itest::Json;

TEST(Figure6, KubernetesConvergence) {
  auto& k = kube_itest::cluster_with_crds();
  const std::string ns = "bench";
  kube_itest::ensure_namespace(k, ns);
  const int n = count_from_env(1000);
  std::vector<Json> deployments;
  std::vector<Json> releases_v1;
  std::vector<Json> releases_v2;
  for (int i = 0; i < n; ++i) {
    const std::string name = "svc-" + std::to_string(i);
    deployments.push_back(kube_itest::deployment_json(ns, name, "rewind-demo:v0", 1));
    releases_v1.push_back(kube_itest::release_json(ns, name, "rewind-demo:v1"));
    releases_v2.push_back(kube_itest::release_json(ns, name, "rewind-demo:v2"));
  }
  apply_list(k, deployments);
  const std::string log = k.dir() + "/bench-controller.log";
  ControllerProcess c(k, log, "bench",
                      {"--leader-elect=false", "--workers", "8", "--resync", "30s"});
  int port = 0;
  ASSERT_TRUE(itest::eventually([&] { return (port = http_port(c)) != 0; }, 30s)) << c.log();

  // 1. N Releases at once, until all are Ready (each Deployment patched and
  // its pod rolled by kwok).
  const double before = api_requests(port);
  auto t0 = SteadyClock::now();
  apply_list(k, releases_v1);
  ASSERT_TRUE(itest::eventually([&] { return ready_count(k, ns, 1) == n; }, 1800s, 1s))
      << ready_count(k, ns, 1) << " of " << n << " Ready\n"
      << c.log().substr(0, 3000);
  const double converge_s = ms_since(t0) / 1000.0;
  const double per_release = (api_requests(port) - before) / n;

  // A second revision, so that each Release has one to roll back from.
  apply_list(k, releases_v2);
  ASSERT_TRUE(itest::eventually([&] { return ready_count(k, ns, 2) == n; }, 1800s, 1s));

  // 2. N Rollbacks at once, until all Succeeded.
  std::vector<Json> rollbacks;
  for (int i = 0; i < n; ++i) {
    rollbacks.push_back(
        kube_itest::rollback_json(ns, "undo-" + std::to_string(i), "svc-" + std::to_string(i)));
  }
  const double before_rb = api_requests(port);
  t0 = SteadyClock::now();
  apply_list(k, rollbacks);
  ASSERT_TRUE(itest::eventually([&] { return succeeded_count(k, ns) == n; }, 1800s, 1s))
      << succeeded_count(k, ns) << " of " << n << " Succeeded";
  const double rollbacks_s = ms_since(t0) / 1000.0;
  const double per_rollback = (api_requests(port) - before_rb) / n;

  // 3. One Rollback: created through the API (what kubectl apply sends) ->
  // the Deployment's pod template patched, polled every 2 ms; the floor is
  // one direct PATCH of a Deployment.
  auto cluster = kube::load_kubeconfig(k.kubeconfig(), "");
  ASSERT_TRUE(cluster) << cluster.error().message;
  kube::Api api(*cluster);
  const std::string one_ns = "bench-one";
  kube_itest::ensure_namespace(k, one_ns);
  kube_itest::kubectl_apply(k, kube_itest::deployment_json(one_ns, "api", "rewind-demo:v0", 1));
  ASSERT_TRUE(kube_itest::apply_until_ready(
      k, kube_itest::release_json(one_ns, "api", "rewind-demo:v1"), 1));
  Samples latency;
  Samples floor;
  const int runs_one = runs(5);
  const std::string dpath = kube::path_of(kube::kDeployments, one_ns, "api");
  auto image_of = [&]() -> std::string {
    auto d = api.get(dpath);
    return d ? (*d)["spec"]["template"]["spec"]["containers"][0].value("image", "") : "";
  };
  for (int i = 0; i < runs_one; ++i) {
    const std::string from = i % 2 == 0 ? "rewind-demo:v2" : "rewind-demo:v3";
    ASSERT_TRUE(kube_itest::apply_until_ready(
        k, kube_itest::release_json(one_ns, "api", from, "run" + std::to_string(i)), i + 2));
    Json rb = kube_itest::rollback_json(one_ns, "one-" + std::to_string(i), "api");
    const auto t = SteadyClock::now();
    auto created = api.create(kube::path_of(kube::kRollbacks, one_ns), rb);
    ASSERT_TRUE(created) << created.error().message;
    ASSERT_TRUE(itest::eventually([&] { return image_of() != from; }, 60s, 2ms));
    latency.add(ms_since(t));
    // The floor: one PATCH of the same Deployment's annotations.
    const Json patch = {{"metadata", {{"annotations", {{"bench/touch", std::to_string(i)}}}}}};
    const auto f = SteadyClock::now();
    ASSERT_TRUE(api.patch(dpath, patch, kube::PatchType::kMerge));
    floor.add(ms_since(f));
    ASSERT_TRUE(itest::eventually(
        [&] {
          return kube_itest::rollback_phase(k, one_ns, "one-" + std::to_string(i)) == "Succeeded";
        },
        60s));
  }
  const std::string nn = std::to_string(n);
  line("k8s_releases_ready", converge_s, "s",
       nn + " Releases applied at once -> all Ready (Deployments patched, kwok pods rolled)");
  line(
      "k8s_api_requests_per_release", per_release, "requests",
      "API requests the controller sent for those, per Release (watches, status, events included)");
  line("k8s_rollbacks_succeeded", rollbacks_s, "s",
       nn + " Rollbacks applied at once -> all Succeeded");
  line("k8s_api_requests_per_rollback", per_rollback, "requests", "per Rollback");
  summary("k8s_rollback_to_patch", latency, "ms",
          "one Rollback created -> its Deployment's pod template patched (polled every 2 ms)");
  summary("k8s_rollback_to_patch_floor", floor, "ms", "one direct PATCH of the Deployment");
  line("k8s_rollback_to_patch_ratio", latency.median() / floor.median(), "x", "", 2);
  EXPECT_EQ(c.stop(), 0);
}

}  // namespace
}  // namespace rwd::bench
