// Blue-green and canary on a real control plane: rewind's copies of the
// operator's Deployment get their pods from kwok, the Service's selector is
// the router, and the Service's Endpoints (made by kube-controller-manager)
// say which pods really get the traffic.

#include <chrono>
#include <fstream>
#include <iostream>
#include <regex>
#include <string>

#include <gtest/gtest.h>

#include "controller_process.hpp"

namespace rwd::kube_itest {
namespace {

using namespace std::chrono_literals;

Json service_json(const std::string& ns, const std::string& name) {
  return Json{{"apiVersion", "v1"},
              {"kind", "Service"},
              {"metadata", {{"name", name}, {"namespace", ns}}},
              {"spec",
               {{"selector", {{"app", name}}},
                {"ports", Json::array({{{"port", 80}, {"targetPort", 8080}}})}}}};
}

Json strategy_release(const std::string& ns, const std::string& name, const std::string& image,
                      const Json& strategy) {
  Json r = release_json(ns, name, image);
  r["spec"]["strategy"] = strategy;
  return r;
}

struct TrafficTest : ::testing::Test {
  KubeCluster& k = cluster_with_crds();
  std::string ns;
  std::string log;

  void SetUp() override {
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    ns = "t-" + name.substr(0, 40);
    ensure_namespace(k, ns);
    log = k.dir() + "/" + ns + ".log";
  }
  void TearDown() override {
    if (HasFailure()) std::cerr << "--- controller log " << log << ":\n" << read_text(log) << "\n";
  }

  Json selector(const std::string& svc) {
    const Json s = get_object(k, "service", ns, svc);
    return s.is_object() ? s["spec"].value("selector", Json::object()) : Json();
  }
  // The names of the pods behind the Service's ready endpoints, sorted.
  std::vector<std::string> endpoint_pods(const std::string& svc) {
    std::vector<std::string> out;
    const Json e = get_object(k, "endpoints", ns, svc);
    if (!e.is_object()) return out;
    for (const auto& subset : e.value("subsets", Json::array())) {
      for (const auto& a : subset.value("addresses", Json::array())) {
        out.push_back(a.value("targetRef", Json::object()).value("name", ""));
      }
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  // How many of those pods belong to Deployment `d` (pod names are
  // <deployment>-<hash>-<suffix>; the hash has no '-').
  int pods_of(const std::vector<std::string>& pods, const std::string& d) {
    int n = 0;
    for (const auto& p : pods) {
      const auto last = p.rfind('-');
      const auto hash = last == std::string::npos ? last : p.rfind('-', last - 1);
      if (hash != std::string::npos && p.substr(0, hash) == d) ++n;
    }
    return n;
  }
  std::int64_t replicas(const std::string& d) {
    const Json j = get_object(k, "deployment", ns, d);
    return j.is_object() ? j["spec"].value("replicas", -1) : -1;
  }
  bool ready_at_revision(const std::string& name, std::int64_t rev) {
    const Json r = get_object(k, "release", ns, name);
    return condition(r, "Ready") == "True" && r.contains("status") &&
           r["status"].value("currentRevision", 0) == rev;
  }
  std::string phase(const std::string& name) {
    const Json r = get_object(k, "release", ns, name);
    return r.is_object() && r.contains("status") ? r["status"].value("phase", "") : "";
  }
};

TEST_F(TrafficTest, BlueGreenSwitchesTheServiceSelectorAndARollbackSwitchesItBack) {
  kubectl_apply(k, deployment_json(ns, "web", "rewind-demo:v1", 2));
  kubectl_apply(k, service_json(ns, "web"));
  ControllerProcess c(k, log, "solo", {"--leader-elect=false"});
  const Json strategy = {{"type", "BlueGreen"}, {"blueGreen", {{"scaleDownDelay", "10m"}}}};
  ASSERT_TRUE(apply_until_ready(k, strategy_release(ns, "web", "rewind-demo:v1", strategy), 1));
  EXPECT_EQ(selector("web"), (Json{{"app", "web"}})) << "nothing to switch at the first revision";

  kubectl_apply(k, strategy_release(ns, "web", "rewind-demo:v2", strategy));
  // v2 runs in a copy, web-green, with the operator's Deployment's labels
  // and one of its own; once its rollout is healthy the Service selects
  // only its pods (the plan then waits out scaleDownDelay).
  const Json want_green = {{"app", "web"}, {"rewind.dev/deployment", "web-green"}};
  ASSERT_TRUE(eventually([&] { return selector("web") == want_green; }, 120s))
      << selector("web").dump() << "\n"
      << get_object(k, "release", ns, "web").dump(2);
  const Json green = get_object(k, "deployment", ns, "web-green");
  ASSERT_TRUE(green.is_object());
  EXPECT_EQ(green["spec"]["template"]["spec"]["containers"][0]["image"], "rewind-demo:v2");
  EXPECT_EQ(green["metadata"]["labels"]["rewind.dev/copy-of"], "web");
  EXPECT_EQ(green["spec"]["replicas"], 2);
  EXPECT_EQ(get_object(k, "release", ns, "web")["status"].value("currentRevision", 0), 2);
  std::vector<std::string> pods;
  EXPECT_TRUE(eventually(
      [&] {
        pods = endpoint_pods("web");
        return pods.size() == 2 && pods_of(pods, "web-green") == 2;
      },
      60s))
      << "endpoints: " << ::testing::PrintToString(pods);
  // The old color stays up, out of traffic, for scaleDownDelay.
  EXPECT_EQ(deployment_image(k, ns, "web"), "rewind-demo:v1");
  EXPECT_EQ(replicas("web"), 2);

  // The switchback: a Rollback is one Service write back to the old pods.
  kubectl_apply(k, rollback_json(ns, "back", "web"));
  ASSERT_TRUE(eventually([&] { return rollback_phase(k, ns, "back") == "Succeeded"; }, 90s))
      << get_object(k, "rollback", ns, "back").dump(2);
  const Json back = selector("web");
  EXPECT_EQ(back.value("app", ""), "web");
  EXPECT_FALSE(back.contains("rewind.dev/deployment")) << back.dump();
  EXPECT_TRUE(back.contains("pod-template-hash"))
      << "the operator's pods, not the copy's: " << back.dump();
  EXPECT_TRUE(eventually(
      [&] {
        pods = endpoint_pods("web");
        return pods.size() == 2 && pods_of(pods, "web") == 2;
      },
      60s))
      << "endpoints: " << ::testing::PrintToString(pods);
  const Json rb = get_object(k, "rollback", ns, "back");
  std::string steps;
  for (const auto& s : rb["status"]["plan"]) steps += s.value("name", "") + " ";
  EXPECT_EQ(steps.find("StartRevision"), std::string::npos) << "no pod started: " << rb.dump(2);
  for (const auto& s : rb["status"]["plan"]) {
    std::cout << "switchback step " << s.value("name", "") << ": " << s.value("message", "") << " ("
              << s.value("startedAt", "") << " .. " << s.value("finishedAt", "") << ")\n";
  }
  EXPECT_EQ(replicas("web-green"), 2) << "the failed color stays up, out of traffic";
  EXPECT_EQ(c.stop(), 0) << c.log();
}

TEST_F(TrafficTest, ACanaryWeightIsAReplicaRatioAndPromotionMovesTheService) {
  kubectl_apply(k, deployment_json(ns, "shop", "rewind-demo:v1", 4));
  kubectl_apply(k, service_json(ns, "shop"));
  const std::string token_file = k.dir() + "/" + ns + ".token";
  std::ofstream(token_file) << "canary-test-token\n";
  ControllerProcess c(k, log, "solo", {"--leader-elect=false", "--token-file", token_file});
  const Json strategy = {
      {"type", "Canary"},
      {"canary", {{"steps", Json::array({{{"setWeight", 25}}, {{"pause", Json::object()}}})}}}};
  ASSERT_TRUE(apply_until_ready(k, strategy_release(ns, "shop", "rewind-demo:v1", strategy), 1));

  kubectl_apply(k, strategy_release(ns, "shop", "rewind-demo:v2", strategy));
  ASSERT_TRUE(eventually([&] { return phase("shop") == "Paused"; }, 120s))
      << get_object(k, "release", ns, "shop").dump(2);
  // 25 % of 4 replicas: the canary runs 1, the stable track 3, and the
  // Service selects both.
  EXPECT_EQ(replicas("shop-rewind-r2"), 1);
  EXPECT_EQ(replicas("shop"), 3);
  EXPECT_EQ(selector("shop"), (Json{{"app", "shop"}}));
  std::vector<std::string> pods;
  EXPECT_TRUE(eventually(
      [&] {
        pods = endpoint_pods("shop");
        return pods.size() == 4 && pods_of(pods, "shop-rewind-r2") == 1 &&
               pods_of(pods, "shop") == 3;
      },
      60s))
      << "endpoints: " << ::testing::PrintToString(pods);

  // rewind promote, through the controller's HTTP API.
  std::smatch m;
  std::string text;
  ASSERT_TRUE(eventually(
      [&] {
        text = c.log();
        return std::regex_search(text, m, std::regex("HTTP on (127\\.0\\.0\\.1:[0-9]+)"));
      },
      10s))
      << text;
  const std::string bin = std::string(REWIND_BINARY_DIR) + "/controller/cli/rewind";
  const CommandResult promoted =
      rwd::testing::run_command({bin, "promote", "shop", "-n", ns, "--server",
                                 "http://" + m[1].str(), "--token-file", token_file});
  ASSERT_EQ(promoted.exit_code, 0) << promoted.both();
  ASSERT_TRUE(eventually([&] { return ready_at_revision("shop", 2); }, 120s))
      << get_object(k, "release", ns, "shop").dump(2);
  EXPECT_EQ(replicas("shop-rewind-r2"), 4) << "the promoted canary runs all the replicas";
  EXPECT_EQ(replicas("shop"), 0) << "the old stable track is stopped";
  EXPECT_EQ(selector("shop"), (Json{{"app", "shop"}, {"rewind.dev/deployment", "shop-rewind-r2"}}));
  EXPECT_TRUE(eventually(
      [&] {
        pods = endpoint_pods("shop");
        return pods.size() == 4 && pods_of(pods, "shop-rewind-r2") == 4;
      },
      60s))
      << "endpoints: " << ::testing::PrintToString(pods);
  EXPECT_EQ(c.stop(), 0) << c.log();
}

}  // namespace
}  // namespace rwd::kube_itest
