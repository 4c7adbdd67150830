// `rewind controller` against a real control plane (etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler, kwok nodes): Releases move real
// Deployments whose pods become ready; status, history, Rollbacks, GitOps
// reverts, a restarted API server, and leader election with two controllers.

#include <chrono>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "controller_process.hpp"

namespace rwd::kube_itest {
namespace {

using namespace std::chrono_literals;

struct ControllerTest : ::testing::Test {
  KubeCluster& k = cluster_with_crds();
  std::string ns;
  std::string log;

  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = info->name();
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    ns = "t-" + name.substr(0, 40);
    ensure_namespace(k, ns);
    ensure_namespace(k, "rewind-system");
    log = k.dir() + "/" + ns + ".log";
  }
  void TearDown() override {
    if (HasFailure()) std::cerr << "--- controller log " << log << ":\n" << read_text(log) << "\n";
  }

  Json release() { return get_object(k, "release", ns, "api"); }
  std::string phase() {
    const Json r = release();
    return r.is_object() && r.contains("status") ? r["status"].value("phase", "") : "";
  }
  bool ready_at(const std::string& image, std::int64_t rev) {
    return release_ready_at(k, ns, image, rev);
  }
  std::string env_of_app() {
    return k
        .run_kubectl(
            {"get", "deployment", "api", "-n", ns, "-o",
             "jsonpath={range .spec.template.spec.containers[0].env[*]}{.name}={.value};{end}"})
        .out;
  }
  // Deployment rolled out: every replica updated and available.
  bool rolled_out() {
    const Json d = get_object(k, "deployment", ns, "api");
    if (!d.is_object()) return false;
    const Json& s = d["status"];
    const auto want = d["spec"].value("replicas", 1);
    return s.value("updatedReplicas", 0) == want && s.value("availableReplicas", 0) == want &&
           s.value("observedGeneration", 0) == d["metadata"].value("generation", -1);
  }
};

TEST_F(ControllerTest, AReleaseRollsItsDeploymentAndBecomesReady) {
  kubectl_apply(k, deployment_json(ns, "api", "rewind-demo:v0"));
  ControllerProcess c(k, log, "solo", {"--leader-elect=false"});
  ASSERT_TRUE(apply_until_ready(k, release_json(ns, "api", "rewind-demo:v1"), 1));
  EXPECT_TRUE(rolled_out());
  EXPECT_EQ(phase(), "Healthy");
  // The container's env: rewind's variable added, the operator's kept.
  EXPECT_EQ(env_of_app(), "KEEP=operator;LOG_LEVEL=info;");
  const Json d = get_object(k, "deployment", ns, "api");
  EXPECT_EQ(d["spec"]["template"]["metadata"]["annotations"].value("rewind.dev/revision", ""), "1");

  // A new image rolls; history in the status subresource.
  ASSERT_TRUE(apply_until_ready(k, release_json(ns, "api", "rewind-demo:v2", "debug"), 2));
  EXPECT_EQ(env_of_app(), "KEEP=operator;LOG_LEVEL=debug;");
  const Json r = release();
  ASSERT_TRUE(r["status"].contains("history")) << r.dump(2);
  ASSERT_EQ(r["status"]["history"].size(), 2U);
  EXPECT_EQ(r["status"]["history"][0]["revision"]["image"], "rewind-demo:v1");
  EXPECT_EQ(r["status"]["history"][1]["revision"]["image"], "rewind-demo:v2");
  EXPECT_EQ(r["status"]["observedGeneration"], r["metadata"]["generation"]);

  // Events on the Release say what was done.
  const CommandResult ev =
      k.run_kubectl({"get", "events", "-n", ns, "--field-selector",
                     "involvedObject.name=api,involvedObject.kind=Release", "-o",
                     "jsonpath={range .items[*]}{.reason}{\"\\n\"}{end}"});
  EXPECT_NE(ev.out.find("StepSucceeded"), std::string::npos) << ev.both();
  EXPECT_EQ(c.stop(), 0) << c.log();
}

TEST_F(ControllerTest, ARollbackResourceReturnsTheOldImageAndPinsTheRelease) {
  kubectl_apply(k, deployment_json(ns, "api", "rewind-demo:v0"));
  ControllerProcess c(k, log, "solo", {"--leader-elect=false"});
  ASSERT_TRUE(apply_until_ready(k, release_json(ns, "api", "rewind-demo:v1"), 1));
  ASSERT_TRUE(apply_until_ready(k, release_json(ns, "api", "rewind-demo:v2"), 2));

  kubectl_apply(k, rollback_json(ns, "undo", "api"));
  ASSERT_TRUE(eventually([&] { return rollback_phase(k, ns, "undo") == "Succeeded"; }, 90s))
      << get_object(k, "rollback", ns, "undo").dump(2) << "\n"
      << release().dump(2);
  EXPECT_EQ(deployment_image(k, ns, "api"), "rewind-demo:v1");
  EXPECT_TRUE(eventually([&] { return rolled_out(); }, 60s));
  const Json r = release();
  EXPECT_EQ(condition(r, "Pinned"), "True") << r.dump(2);
  EXPECT_EQ(r["spec"]["image"], "rewind-demo:v2");  // the spec is the user's; the pin explains
  const Json rb = get_object(k, "rollback", ns, "undo");
  // The Rollback's status lists its plan, each step done, with its times.
  ASSERT_TRUE(rb["status"].contains("plan")) << rb.dump(2);
  ASSERT_FALSE(rb["status"]["plan"].empty());
  for (const auto& step : rb["status"]["plan"]) {
    EXPECT_EQ(step.value("state", ""), "Succeeded") << step.dump();
    EXPECT_TRUE(step.contains("startedAt") && step.contains("finishedAt")) << step.dump();
  }

  // Deleting the finished Rollback changes nothing.
  std::string out;
  ASSERT_EQ(k.kubectl({"delete", "rollback", "undo", "-n", ns}, &out), 0) << out;
  std::this_thread::sleep_for(3s);  // a resync and more pass
  EXPECT_EQ(deployment_image(k, ns, "api"), "rewind-demo:v1");
  EXPECT_EQ(c.stop(), 0) << c.log();
}

TEST_F(ControllerTest, ReapplyingThePreviousSpecIsARevertInSource) {
  kubectl_apply(k, deployment_json(ns, "api", "rewind-demo:v0"));
  ControllerProcess c(k, log, "solo", {"--leader-elect=false"});
  ASSERT_TRUE(apply_until_ready(k, release_json(ns, "api", "rewind-demo:v1"), 1));
  ASSERT_TRUE(apply_until_ready(k, release_json(ns, "api", "rewind-demo:v2"), 2));
  kubectl_apply(k, release_json(ns, "api", "rewind-demo:v1"));  // the GitOps revert
  ASSERT_TRUE(eventually([&] { return ready_at("rewind-demo:v1", 1); }, 90s)) << release().dump(2);
  std::string reason;
  const Json r = release();
  EXPECT_EQ(condition(r, "RolledBack", &reason), "True") << r.dump(2);
  EXPECT_EQ(reason, "RevertedInSource");
  EXPECT_EQ(c.stop(), 0) << c.log();
}

TEST_F(ControllerTest, ARolloutThatCannotFinishIsRolledBackOnItsOwn) {
  kubectl_apply(k, deployment_json(ns, "api", "rewind-demo:v0"));
  ControllerProcess c(k, log, "solo", {"--leader-elect=false"});
  Json rel = release_json(ns, "api", "rewind-demo:v1");
  rel["spec"]["rollbackPolicy"]["progressDeadline"] = "15s";
  kubectl_apply(k, rel);
  ASSERT_TRUE(eventually([&] { return ready_at("rewind-demo:v1", 1); }, 90s)) << release().dump(2);
  // No node takes new pods: v2's pods stay Pending, v1's keep serving.
  std::string out;
  ASSERT_EQ(k.kubectl({"cordon", "kwok-node-0", "kwok-node-1"}, &out), 0) << out;
  rel["spec"]["image"] = "rewind-demo:v2";
  kubectl_apply(k, rel);
  ASSERT_TRUE(eventually([&] { return deployment_image(k, ns, "api") == "rewind-demo:v2"; }, 30s));
  // After the progress deadline rewind puts v1 back; the Deployment is
  // available again with the old ReplicaSet's pods.
  ASSERT_TRUE(eventually(
      [&] {
        return deployment_image(k, ns, "api") == "rewind-demo:v1" &&
               condition(release(), "RolledBack") == "True" && rolled_out();
      },
      90s))
      << release().dump(2);
  const Json r = release();
  EXPECT_EQ(r["status"].value("currentRevision", 0), 1) << r.dump(2);
  ASSERT_EQ(r["status"]["history"].size(), 2U);
  EXPECT_EQ(r["status"]["history"][1].value("outcome", ""), "FailedHealth") << r.dump(2);
  EXPECT_EQ(r["spec"]["image"], "rewind-demo:v2");  // the spec stays as applied
  ASSERT_EQ(k.kubectl({"uncordon", "kwok-node-0", "kwok-node-1"}, &out), 0) << out;
  EXPECT_EQ(c.stop(), 0) << c.log();
}

TEST_F(ControllerTest, ALeaderStoppedWithSigtermReleasesTheLeaseAtOnce) {
  const std::vector<std::string> lease{"--lease-name", "lease-" + ns, "--namespace", ns};
  auto holder = [&] {
    return k
        .run_kubectl({"get", "lease", "lease-" + ns, "-n", "rewind-system", "-o",
                      "jsonpath={.spec.holderIdentity}"})
        .out;
  };
  ControllerProcess a(k, log, "a", lease);
  ASSERT_TRUE(eventually([&] { return holder() == "a"; }, 30s)) << a.log();
  ControllerProcess b(k, log + ".b", "b", lease);
  ASSERT_TRUE(
      eventually([&] { return b.log().find("waiting for the Lease") != std::string::npos; }, 30s));
  const auto stopped = std::chrono::steady_clock::now();
  EXPECT_EQ(a.stop(SIGTERM), 0) << a.log();
  EXPECT_NE(a.log().find("released the Lease"), std::string::npos) << a.log();
  // b's next round (every 2 s) takes it, far sooner than the 15 s lease.
  ASSERT_TRUE(eventually([&] { return holder() == "b"; }, 10s)) << b.log();
  const auto took = std::chrono::steady_clock::now() - stopped;
  EXPECT_LT(took, 5s);
  std::cerr << "takeover after SIGTERM: "
            << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms\n";
  EXPECT_EQ(b.stop(), 0) << b.log();
}

TEST_F(ControllerTest, AnInvalidReleaseChangesNothing) {
  kubectl_apply(k, deployment_json(ns, "api", "rewind-demo:v0"));
  ControllerProcess c(k, log, "solo", {"--leader-elect=false"});
  ASSERT_TRUE(apply_until_ready(k, release_json(ns, "api", "rewind-demo:v1"), 1));
  // Past the schema (which has no pattern for it), caught by rewind's
  // validation: a Deployment name that cannot exist.
  Json bad = release_json(ns, "api", "rewind-demo:v9");
  bad["spec"]["target"]["kubernetes"]["deployment"] = "Not_A_Name";
  kubectl_apply(k, bad);
  ASSERT_TRUE(eventually([&] { return c.log().find("Not_A_Name") != std::string::npos; }, 30s))
      << c.log();
  // A Warning Event on the Release names the field, the value and what is allowed.
  std::string events;
  ASSERT_TRUE(eventually(
      [&] {
        events = k.run_kubectl({"get", "events", "-n", ns, "--field-selector", "reason=InvalidSpec",
                                "-o",
                                "jsonpath={range .items[*]}{.type} {.involvedObject.kind} "
                                "{.message}{\"\\n\"}{end}"})
                     .out;
        return !events.empty();
      },
      30s));
  EXPECT_NE(events.find("Warning Release spec.target.kubernetes.deployment: \"Not_A_Name\" is not "
                        "a valid Deployment name"),
            std::string::npos)
      << events;
  std::this_thread::sleep_for(3s);
  EXPECT_EQ(deployment_image(k, ns, "api"), "rewind-demo:v1");
  EXPECT_TRUE(c.running());
  EXPECT_EQ(c.stop(), 0) << c.log();
}

// manifests/deployment.yaml's args run the controller (outside a pod here:
// with --kubeconfig, the pod's variables filled in as Kubernetes would).
TEST_F(ControllerTest, TheManifestsArgumentsStartTheController) {
  const CommandResult r = k.run_kubectl(
      {"create", "--dry-run=client", "-o", "json", "-f", source_path("manifests/deployment.yaml")});
  ASSERT_EQ(r.exit_code, 0) << r.both();
  const Json d = Json::parse(r.out);
  std::vector<std::string> args;
  for (const auto& a : d["spec"]["template"]["spec"]["containers"][0]["args"]) {
    std::string arg = a.get<std::string>();
    if (arg == "$(POD_NAME)") arg = "rewind-7d9f-x2k";
    if (arg == "$(POD_NAMESPACE)") arg = "rewind-system";
    if (arg == "0.0.0.0:9464") arg = "127.0.0.1:0";  // tests run side by side
    args.push_back(arg);
  }
  ASSERT_FALSE(args.empty());
  ASSERT_EQ(args.front(), "controller");
  args.erase(args.begin());
  args.insert(args.end(), {"--namespace", ns, "--lease-name", "lease-" + ns});
  const std::string bin = std::string(REWIND_BINARY_DIR) + "/controller/cli/rewind";
  std::vector<std::string> argv{bin, "controller", "--kubeconfig", k.kubeconfig()};
  argv.insert(argv.end(), args.begin(), args.end());
  // It runs until stopped: 8 s, then SIGTERM; a graceful stop exits 0.
  std::vector<std::string> timed{"timeout", "--preserve-status", "-s", "TERM", "8"};
  timed.insert(timed.end(), argv.begin(), argv.end());
  const CommandResult out = rwd::testing::run_command(timed, "", 30s);
  EXPECT_EQ(out.exit_code, 0) << out.both();
  EXPECT_NE(
      out.both().find("leader election: rewind-7d9f-x2k took the Lease rewind-system/lease-" + ns),
      std::string::npos)
      << out.both();
  EXPECT_NE(out.both().find("released the Lease"), std::string::npos) << out.both();
}

TEST_F(ControllerTest, AChangeMadeWhileTheApiServerRestartsIsNotLost) {
  kubectl_apply(k, deployment_json(ns, "api", "rewind-demo:v0"));
  ControllerProcess c(k, log, "solo", {"--leader-elect=false"});
  ASSERT_TRUE(apply_until_ready(k, release_json(ns, "api", "rewind-demo:v1"), 1));
  k.restart_apiserver();
  kubectl_apply(k, release_json(ns, "api", "rewind-demo:v2"));
  ASSERT_TRUE(eventually([&] { return ready_at("rewind-demo:v2", 2); }, 120s)) << release().dump(2);
  EXPECT_TRUE(c.running());
  EXPECT_NE(c.log().find("listing again"), std::string::npos) << c.log();
  EXPECT_EQ(c.stop(), 0) << c.log();
}

TEST_F(ControllerTest, WhenTheLeaderIsKilledTheOtherTakesOverAndNoStepRunsTwice) {
  kubectl_apply(k, deployment_json(ns, "api", "rewind-demo:v0"));
  const std::vector<std::string> lease{"--lease-name", "lease-" + ns, "--namespace", ns};
  ControllerProcess a(k, log, "a", lease);
  ASSERT_TRUE(eventually(
      [&] {
        return k.run_kubectl({"get", "lease", "lease-" + ns, "-n", "rewind-system", "-o",
                              "jsonpath={.spec.holderIdentity}"})
                   .out == "a";
      },
      30s))
      << a.log();
  ControllerProcess b(k, log + ".b", "b", lease);
  ASSERT_TRUE(apply_until_ready(k, release_json(ns, "api", "rewind-demo:v1"), 1));
  EXPECT_EQ(b.log().find("step"), std::string::npos) << "the candidate acted:\n" << b.log();

  const auto killed = std::chrono::steady_clock::now();
  a.stop(SIGKILL);
  kubectl_apply(k, release_json(ns, "api", "rewind-demo:v2"));
  ASSERT_TRUE(eventually([&] { return ready_at("rewind-demo:v2", 2); }, 90s))
      << release().dump(2) << "\n"
      << b.log();
  const auto took = std::chrono::steady_clock::now() - killed;
  std::cerr << "takeover and roll to v2: "
            << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms\n";
  EXPECT_NE(b.log().find("took the Lease"), std::string::npos) << b.log();
  // Each step of each revision's plan ran once: one StepSucceeded event per
  // message (descriptions name the revision).
  const CommandResult ev =
      k.run_kubectl({"get", "events", "-n", ns, "--field-selector", "reason=StepSucceeded", "-o",
                     "jsonpath={range .items[*]}{.message}{\"\\n\"}{.count}{\"\\n\"}{end}"});
  std::multiset<std::string> seen;
  std::istringstream lines(ev.out);
  for (std::string msg, count; std::getline(lines, msg) && std::getline(lines, count);) {
    EXPECT_EQ(count, "1") << msg;
    seen.insert(msg);
  }
  for (const auto& m : seen) EXPECT_EQ(seen.count(m), 1U) << "ran twice: " << m;
  EXPECT_FALSE(seen.empty()) << ev.both();
  EXPECT_EQ(b.stop(), 0) << b.log();
}

}  // namespace
}  // namespace rwd::kube_itest
