// kill -9 of `rewind controller` at every step boundary of a Recreate and of
// a blue-green roll forward, against the real control plane. The controller
// kills itself at a named point (REWIND_TEST_KILL_AT, see
// rewind/execute/kill_point.hpp); a second controller, started without it,
// must converge, as the API server shows it: the Deployment that serves runs
// the new image and is rolled out, the Release is Ready at revision 2 with no
// plan in progress, status.history has both revisions with their outcomes,
// each step of the new revision's plan has exactly one StepSucceeded Event
// (none appears twice, even for a step run again after the kill), and no
// copy of the Deployment is left over (blue-green: the one copy is the new
// color, and the Service selects only its pods).
//
// One cluster per test process; one namespace per kill point, watched by its
// own controllers (--namespace), so the cases never see each other.

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "controller_process.hpp"

namespace rwd::kube_itest {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

// The kill points, as rewind/execute/kill_point.hpp's recreate_kill_points()
// and bluegreen_kill_points() list them (this test binary does not link
// rewind::execute: keep the lists in step with kill_point.cpp). A point a
// plan cannot reach on Kubernetes says why; every other one must be reached,
// the doomed controller's log saying so, or its case fails.
struct Point {
  std::string name;
  std::string unreached_because;  // empty: reached
};

const std::vector<Point>& recreate_points() {
  static const std::vector<Point> points = {
      {"before-plan", ""},
      {"recreate:after-create", ""},
      {"recreate:after-stop-old",
       "the Deployment is patched in place: there is no other one to stop"},
      {"recreate:after-start-new", "the patched Deployment keeps its replicas: nothing to start"},
      {"start-revision:after-history", ""},
      {"after-step:record-incident", "a roll forward records no incident"},
      {"after-step:start-revision", ""},
      {"after-step:health-gate", ""},
      {"after-step:analysis-gate", ""},
      {"mark-stable:after-remove-old", "no stopped copy of the Deployment to delete"},
      {"mark-stable:after-rename", "a Deployment keeps its name"},
      {"after-step:mark-stable", ""},
  };
  return points;
}

const std::vector<Point>& bluegreen_points() {
  static const std::vector<Point> points = {
      {"before-plan", ""},
      {"bluegreen:after-create", ""},
      {"bluegreen:after-start", ""},
      {"start-revision:after-history", ""},
      {"after-step:start-revision", ""},
      {"after-step:health-gate", ""},
      {"bluegreen:after-switch", ""},
      {"after-step:switch-active-color", ""},
      {"bluegreen:after-scale-down", ""},
      {"after-step:scale-down", ""},
      {"mark-stable:after-remove-old", ""},
      {"after-step:mark-stable", ""},
  };
  return points;
}

std::vector<std::string> reached(const std::vector<Point>& points) {
  std::vector<std::string> out;
  for (const auto& p : points) {
    if (p.unreached_because.empty()) out.push_back(p.name);
  }
  return out;
}

// "after-step:health-gate" -> "after-step-health-gate" (a namespace name).
std::string dns_label(const std::string& prefix, const std::string& point) {
  std::string out = prefix;
  for (const char c : point) {
    out += std::isalnum(static_cast<unsigned char>(c)) != 0
               ? static_cast<char>(std::tolower(static_cast<unsigned char>(c)))
               : '-';
  }
  out.resize(std::min<std::size_t>(out.size(), 63));
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string out;
  for (const char c : info.param) {
    out += std::isalnum(static_cast<unsigned char>(c)) != 0 ? c : '_';
  }
  return out;
}

// Short gates: the cases' plans take seconds, not minutes.
Json with_short_gates(Json release) {
  release["spec"]["healthCheck"] = {{"interval", "1s"}};
  release["spec"]["analysis"] = {{"interval", "1s"}, {"window", "1s"}};
  return release;
}

Json service_json(const std::string& ns, const std::string& name) {
  return Json{{"apiVersion", "v1"},
              {"kind", "Service"},
              {"metadata", {{"name", name}, {"namespace", ns}}},
              {"spec",
               {{"selector", {{"app", name}}},
                {"ports", Json::array({{{"port", 80}, {"targetPort", 8080}}})}}}};
}

// The string at `pointer` ("/spec/template/...") in `j`; "" when there is none.
std::string string_at(const Json& j, const std::string& pointer) {
  const Json::json_pointer p(pointer);
  return j.is_object() && j.contains(p) && j[p].is_string() ? j[p].get<std::string>() : "";
}

// "killed by signal 9", "exited with 127" (the binary could not be run), ...
std::string describe_wait_status(int status) {
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  if (WIFEXITED(status)) return "exited with " + std::to_string(WEXITSTATUS(status));
  return "wait status " + std::to_string(status);
}

class KillTestBase : public ::testing::TestWithParam<std::string> {
 protected:
  KubeCluster& k = cluster_with_crds();
  std::string ns;
  std::string log;

  void start(const std::string& prefix) {
    ns = dns_label(prefix, GetParam());
    ensure_namespace(k, ns);
    log = k.dir() + "/" + ns;
  }
  void TearDown() override {
    if (!HasFailure()) return;
    for (const char* run : {"setup", "killed", "restarted"}) {
      std::cerr << "---- rewind controller log (" << run << ") ----\n"
                << read_text(log + "." + run + ".log") << "\n";
    }
    std::cerr << "---- Release ----\n" << get_object(k, "release", ns, name_).dump(2) << "\n";
  }

  // Every test's controllers: this namespace only, no Lease.
  std::vector<std::string> args() const { return {"--leader-elect=false", "--namespace", ns}; }

  // v1 through a controller without kill points; then v2 through one that
  // dies at the point; then a controller without kill points again (left
  // running in `restarted`, for the caller's convergence checks).
  void roll_with_a_kill(const Json& v1, const Json& v2,
                        std::unique_ptr<ControllerProcess>& restarted) {
    const std::string point = GetParam();
    {
      ControllerProcess setup(k, log + ".setup.log", "setup", args());
      ASSERT_TRUE(apply_until_ready(k, v1, 1));
      ASSERT_EQ(setup.stop(), 0) << setup.log();
    }
    {
      ControllerProcess doomed(k, log + ".killed.log", "doomed", args(),
                               {{"REWIND_TEST_KILL_AT", point}});
      kubectl_apply(k, v2);
      std::optional<int> status;
      ASSERT_TRUE(eventually(
          [&] {
            status = doomed.wait_exit(0ms);
            return status.has_value();
          },
          90s))
          << "the controller never reached " << point;
      EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL)
          << describe_wait_status(*status);
      EXPECT_THAT(doomed.log(), HasSubstr("kill point " + point + " reached"));
    }
    restarted = std::make_unique<ControllerProcess>(k, log + ".restarted.log", "restarted", args());
  }

  // `pred` holds within `limit`, and still does a resync (2 s) and more later.
  ::testing::AssertionResult converges(const std::function<bool()>& pred,
                                       std::chrono::seconds limit = 90s) {
    if (!eventually(pred, limit)) return ::testing::AssertionFailure() << "did not converge";
    const auto until = std::chrono::steady_clock::now() + 2500ms;
    while (std::chrono::steady_clock::now() < until) {
      if (!pred()) return ::testing::AssertionFailure() << "converged, then did not stay so";
      std::this_thread::sleep_for(200ms);
    }
    return ::testing::AssertionSuccess();
  }

  Json release() { return get_object(k, "release", ns, name_); }

  // Ready at revision 2, stable there, no plan in progress.
  bool release_done() {
    const Json r = release();
    if (!r.is_object() || !r.contains("status")) return false;
    const Json& s = r["status"];
    return condition(r, "Ready") == "True" && s.value("phase", "") == "Healthy" &&
           s.value("currentRevision", 0) == 2 && s.value("stableRevision", 0) == 2 &&
           !s.contains("progress");
  }

  // The Deployment's rollout is done: `replicas` pods, all updated and available.
  bool rolled_out(const std::string& deployment, std::int64_t replicas) {
    const Json d = get_object(k, "deployment", ns, deployment);
    if (!d.is_object()) return false;
    const Json s = d.value("status", Json::object());
    return d.value("spec", Json::object()).value("replicas", -1) == replicas &&
           s.value("observedGeneration", 0) ==
               d.value("metadata", Json::object()).value("generation", -1) &&
           s.value("updatedReplicas", 0) == replicas &&
           s.value("availableReplicas", 0) == replicas && s.value("replicas", 0) == replicas;
  }

  // The names of the Deployments in the namespace, sorted.
  std::vector<std::string> deployments() {
    std::vector<std::string> out;
    const Json list = get_json(k, {"get", "deployments", "-n", ns});
    if (!list.is_object()) return out;
    for (const auto& d : list.value("items", Json::array())) {
      out.push_back(string_at(d, "/metadata/name"));
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  // history: revision 1 superseded by revision 2, which is healthy.
  void expect_history() {
    const Json r = release();
    ASSERT_TRUE(r.is_object() && r.contains("status") && r["status"].contains("history"))
        << r.dump(2);
    const Json& h = r["status"]["history"];
    ASSERT_EQ(h.size(), 2U) << h.dump(2);
    EXPECT_EQ(h[0].value("number", 0), 1);
    EXPECT_EQ(string_at(h[0], "/revision/image"), "rewind-demo:v1");
    EXPECT_EQ(h[0].value("outcome", ""), "Superseded") << h.dump(2);
    EXPECT_EQ(h[1].value("number", 0), 2);
    EXPECT_EQ(string_at(h[1], "/revision/image"), "rewind-demo:v2");
    EXPECT_EQ(h[1].value("outcome", ""), "Healthy") << h.dump(2);
  }

  // No StepSucceeded Event on the Release twice (a step's description names
  // its revision, so the same message twice is one step reported twice),
  // and each step of revision 2's plan (`steps`: the descriptions' starts)
  // reported exactly once, whether it ran again after the kill or not.
  void expect_each_step_reported_once(const std::vector<std::string>& steps) {
    const CommandResult ev = k.run_kubectl(
        {"get", "events", "-n", ns, "--field-selector",
         "reason=StepSucceeded,involvedObject.kind=Release,involvedObject.name=" + name_, "-o",
         "jsonpath={range .items[*]}{.message}{\"\\n\"}{.count}{\"\\n\"}{end}"});
    ASSERT_EQ(ev.exit_code, 0) << ev.both();
    std::map<std::string, int> seen;
    std::istringstream lines(ev.out);
    for (std::string msg, count; std::getline(lines, msg) && std::getline(lines, count);) {
      seen[msg] += count.empty() ? 1 : std::stoi(count);
    }
    for (const auto& [msg, n] : seen) EXPECT_EQ(n, 1) << "reported " << n << " times: " << msg;
    for (const auto& step : steps) {
      int n = 0;
      for (const auto& [msg, times] : seen) n += msg.rfind(step, 0) == 0 ? times : 0;
      EXPECT_EQ(n, 1) << "step \"" << step << "\" reported " << n << " times:\n" << ev.out;
    }
  }

  std::string name_ = "api";
};

// ---- Recreate: the operator's Deployment patched in place ----

class RecreateKillTest : public KillTestBase {
 protected:
  void SetUp() override { start("kill-rc-"); }
};

TEST_P(RecreateKillTest, ConvergesAfterARestart) {
  kubectl_apply(k, deployment_json(ns, "api", "rewind-demo:v1"));
  std::unique_ptr<ControllerProcess> restarted;
  roll_with_a_kill(with_short_gates(release_json(ns, "api", "rewind-demo:v1")),
                   with_short_gates(release_json(ns, "api", "rewind-demo:v2")), restarted);
  if (HasFatalFailure()) return;
  EXPECT_TRUE(converges([&] {
    return deployment_image(k, ns, "api") == "rewind-demo:v2" && rolled_out("api", 2) &&
           release_done();
  }));
  const Json d = get_object(k, "deployment", ns, "api");
  EXPECT_EQ(string_at(d, "/spec/template/metadata/annotations/rewind.dev~1revision"), "2")
      << d.dump(2);
  EXPECT_EQ(deployments(), std::vector<std::string>{"api"}) << "a copy was left over";
  expect_history();
  expect_each_step_reported_once(
      {"start rewind-demo:v2 (revision 2):", "wait until revision 2 is healthy",
       "analyse revision 2 for", "mark revision 2 stable"});
  EXPECT_EQ(restarted->stop(), 0) << restarted->log();
}

INSTANTIATE_TEST_SUITE_P(EveryPointARecreateReaches, RecreateKillTest,
                         ::testing::ValuesIn(reached(recreate_points())), test_name);

// ---- Blue-green: a copy of the Deployment, the Service's selector switched ----

class BlueGreenKillTest : public KillTestBase {
 protected:
  void SetUp() override {
    name_ = "web";
    start("kill-bg-");
  }

  Json selector() {
    const Json s = get_object(k, "service", ns, "web");
    return s.is_object() ? s["spec"].value("selector", Json::object()) : Json();
  }
  // The pods behind the Service's endpoints, sorted; a pod not ready is
  // listed as "(not ready) NAME".
  std::vector<std::string> endpoint_pods() {
    std::vector<std::string> out;
    const Json e = get_object(k, "endpoints", ns, "web");
    if (!e.is_object()) return out;
    for (const auto& subset : e.value("subsets", Json::array())) {
      for (const auto& a : subset.value("addresses", Json::array())) {
        out.push_back(a.value("targetRef", Json::object()).value("name", ""));
      }
      for (const auto& a : subset.value("notReadyAddresses", Json::array())) {
        out.push_back("(not ready) " + a.value("targetRef", Json::object()).value("name", ""));
      }
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  // Exactly the 2 pods of web-green serve (pod names are <deployment>-<hash>-<suffix>).
  bool only_green_serves() {
    const auto pods = endpoint_pods();
    return pods.size() == 2 && std::all_of(pods.begin(), pods.end(), [](const std::string& p) {
             return p.rfind("web-green-", 0) == 0 && std::count(p.begin() + 10, p.end(), '-') == 1;
           });
  }
};

TEST_P(BlueGreenKillTest, ConvergesAfterARestart) {
  kubectl_apply(k, deployment_json(ns, "web", "rewind-demo:v1", 2));
  kubectl_apply(k, service_json(ns, "web"));
  const Json strategy = {{"type", "BlueGreen"}, {"blueGreen", {{"scaleDownDelay", "1s"}}}};
  auto rel = [&](const std::string& image) {
    Json r = with_short_gates(release_json(ns, "web", image));
    r["spec"]["strategy"] = strategy;
    return r;
  };
  std::unique_ptr<ControllerProcess> restarted;
  roll_with_a_kill(rel("rewind-demo:v1"), rel("rewind-demo:v2"), restarted);
  if (HasFatalFailure()) return;
  const Json want_selector = {{"app", "web"}, {"rewind.dev/deployment", "web-green"}};
  EXPECT_TRUE(converges([&] {
    const Json green = get_object(k, "deployment", ns, "web-green");
    return string_at(green, "/spec/template/spec/containers/0/image") == "rewind-demo:v2" &&
           rolled_out("web-green", 2) && rolled_out("web", 0) && selector() == want_selector &&
           only_green_serves() && release_done();
  })) << "selector "
      << selector().dump() << ", endpoints " << ::testing::PrintToString(endpoint_pods())
      << ", deployments " << ::testing::PrintToString(deployments());
  // The operator's Deployment stays (scaled to 0), one copy: the new color.
  EXPECT_EQ(deployments(), (std::vector<std::string>{"web", "web-green"}));
  const Json green = get_object(k, "deployment", ns, "web-green");
  ASSERT_TRUE(green.is_object());
  EXPECT_EQ(green["metadata"].value("labels", Json::object()).value("rewind.dev/copy-of", ""),
            "web");
  expect_history();
  expect_each_step_reported_once(
      {"start rewind-demo:v2 (revision 2) in green:", "wait until revision 2 in green is healthy",
       "switch traffic blue → green (revision 2):", "analyse revision 2 for",
       "scale down blue (revision 1)", "mark revision 2 stable"});
  EXPECT_EQ(restarted->stop(), 0) << restarted->log();
}

INSTANTIATE_TEST_SUITE_P(EveryPointABlueGreenReaches, BlueGreenKillTest,
                         ::testing::ValuesIn(reached(bluegreen_points())), test_name);

}  // namespace
}  // namespace rwd::kube_itest
