// manifests/ against a real kube-apiserver: `kubectl apply -k` works, the
// controller's ServiceAccount gets exactly the rights the controller uses
// (golden `kubectl auth can-i --list` files and rule checks), and its pod
// meets the "restricted" Pod Security profile of rewind-system.
//
// Update the golden files after a deliberate RBAC change with
//   REWIND_UPDATE_GOLDEN=1 build/dev/tests/integration/kube_integration_tests
//       --gtest_filter='RbacTest.CanIList*'

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "kube_test_util.hpp"

namespace rwd::kube_itest {
namespace {

constexpr const char* kServiceAccount = "system:serviceaccount:rewind-system:rewind";
constexpr const char* kAppNamespace = "shop";

class RbacTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_THROW(kube_cluster());
    static bool applied = false;
    if (!applied) {
      ensure_namespace(k(), kAppNamespace);
      std::string out;
      ASSERT_EQ(k().kubectl({"apply", "-k", source_path("manifests")}, &out), 0) << out;
      apply_output_ = out;
      // The CRDs come with the manifests; Releases are usable once Established.
      k().wait_established();
      applied = true;
    }
  }
  static KubeCluster& k() { return kube_cluster(); }
  static inline std::string apply_output_;
};

// Whitespace runs to one space, trailing space gone; the header first, the
// rest sorted.
std::vector<std::string> normalise(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string word;
    std::string joined;
    while (words >> word) joined += (joined.empty() ? "" : " ") + word;
    if (!joined.empty()) lines.push_back(joined);
  }
  if (lines.size() > 1) std::sort(lines.begin() + 1, lines.end());
  return lines;
}

std::string join(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

// "-" lines only in the golden file, "+" lines only in the output.
std::string line_diff(const std::vector<std::string>& want, const std::vector<std::string>& got) {
  std::string d;
  for (const auto& l : want) {
    if (std::find(got.begin(), got.end(), l) == got.end()) d += "- " + l + "\n";
  }
  for (const auto& l : got) {
    if (std::find(want.begin(), want.end(), l) == want.end()) d += "+ " + l + "\n";
  }
  return d.empty() ? "(same lines, other order)\n" : d;
}

void expect_matches_golden(const std::string& output, const std::string& golden_name) {
  const std::string path = source_path("tests/integration/kube/testdata/" + golden_name);
  const auto got = normalise(output);
  const char* update = std::getenv("REWIND_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(path) << join(got);
    std::cout << "updated " << path << "\n";
    return;
  }
  const auto want = normalise(read_text(path));
  EXPECT_TRUE(want == got)
      << "kubectl auth can-i --list differs from " << path << ":\n"
      << line_diff(want, got)
      << "If the RBAC change is deliberate, update the golden files with\n"
         "  REWIND_UPDATE_GOLDEN=1 <build>/tests/integration/kube_integration_tests "
         "--gtest_filter='RbacTest.CanIList*'\n";
}

TEST_F(RbacTest, ManifestsApplyAndTheControllerPodIsAdmitted) {
  EXPECT_NE(apply_output_.find("deployment.apps/rewind"), std::string::npos) << apply_output_;
  EXPECT_NE(apply_output_.find("clusterrole.rbac.authorization.k8s.io/rewind-controller"),
            std::string::npos)
      << apply_output_;
  // Pod Security "restricted" would warn here (and refuse the pod).
  EXPECT_EQ(apply_output_.find("PodSecurity"), std::string::npos) << apply_output_;
  // kwok runs the pod on paper (its image does not exist): the Deployment rolls
  // out only if rewind-system's restricted profile admitted the pod.
  std::string out;
  EXPECT_EQ(
      k().kubectl(
          {"rollout", "status", "deployment/rewind", "-n", "rewind-system", "--timeout=90s"}, &out),
      0)
      << out << "\n"
      << [&] {
           std::string events;
           k().kubectl({"get", "events", "-n", "rewind-system"}, &events);
           return events;
         }();
  const Json pods =
      get_json(k(), {"get", "pods", "-n", "rewind-system", "-l", "app.kubernetes.io/name=rewind"});
  ASSERT_EQ(pods["items"].size(), 1U) << pods.dump(2);
  EXPECT_EQ(pods["items"][0]["spec"]["serviceAccountName"], "rewind");
  EXPECT_EQ(pods["items"][0]["spec"]["nodeName"].get<std::string>().rfind("kwok-node-", 0), 0U);
}

TEST_F(RbacTest, CanIListInAnAppNamespaceMatchesGolden) {
  std::string out;
  ASSERT_EQ(
      k().kubectl({"auth", "can-i", "--list", "--as", kServiceAccount, "-n", kAppNamespace}, &out),
      0)
      << out;
  expect_matches_golden(out, "can-i-app-namespace.golden");
}

TEST_F(RbacTest, CanIListInRewindSystemMatchesGolden) {
  std::string out;
  ASSERT_EQ(k().kubectl({"auth", "can-i", "--list", "--as", kServiceAccount, "-n", "rewind-system"},
                        &out),
            0)
      << out;
  expect_matches_golden(out, "can-i-rewind-system.golden");
}

TEST_F(RbacTest, CanIAnswersForSingleRequests) {
  struct Case {
    std::string verb;
    std::string resource;
    std::string ns;
    bool allowed;
  };
  const std::vector<Case> cases = {
      {"watch", "releases.rewind.dev", kAppNamespace, true},
      {"update", "releases.rewind.dev/status", kAppNamespace, true},
      {"patch", "rollbacks.rewind.dev/status", kAppNamespace, true},
      {"update", "releases.rewind.dev", kAppNamespace, false},
      {"delete", "releases.rewind.dev", kAppNamespace, false},
      {"create", "rollbacks.rewind.dev", kAppNamespace, false},
      {"patch", "deployments.apps", kAppNamespace, true},
      {"create", "deployments.apps", kAppNamespace, true},
      {"delete", "deployments.apps", kAppNamespace, true},
      {"watch", "deployments.apps", kAppNamespace, false},
      {"list", "replicasets.apps", kAppNamespace, true},
      {"update", "replicasets.apps", kAppNamespace, false},
      {"update", "services", kAppNamespace, true},
      {"patch", "services", kAppNamespace, false},
      {"create", "services", kAppNamespace, false},
      {"get", "secrets", kAppNamespace, true},
      {"list", "secrets", kAppNamespace, false},
      {"watch", "secrets", kAppNamespace, false},
      {"update", "secrets", kAppNamespace, false},
      {"get", "configmaps", kAppNamespace, false},
      {"create", "events", kAppNamespace, true},
      {"create", "events.events.k8s.io", kAppNamespace, true},
      {"delete", "events", kAppNamespace, false},
      {"get", "pods", kAppNamespace, false},
      {"create", "pods/exec", kAppNamespace, false},
      {"update", "deployments.apps/scale", kAppNamespace, false},
      {"get", "leases.coordination.k8s.io", "rewind-system", true},
      {"update", "leases.coordination.k8s.io", "rewind-system", true},
      {"create", "leases.coordination.k8s.io", "rewind-system", true},
      {"delete", "leases.coordination.k8s.io", "rewind-system", false},
      {"get", "leases.coordination.k8s.io", kAppNamespace, false},
      {"update", "leases.coordination.k8s.io", "kube-system", false},
      {"create", "clusterrolebindings.rbac.authorization.k8s.io", "", false},
      {"escalate", "clusterroles.rbac.authorization.k8s.io", "", false},
      {"impersonate", "users", "", false},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args{"auth", "can-i", c.verb, c.resource, "--as", kServiceAccount};
    if (const auto slash = c.resource.find('/'); slash != std::string::npos) {
      args[3] = c.resource.substr(0, slash);
      args.push_back("--subresource=" + c.resource.substr(slash + 1));
    }
    if (!c.ns.empty()) args.insert(args.end(), {"-n", c.ns});
    const CommandResult r = k().run_kubectl(args);
    // can-i exits 0 for yes and 1 for no.
    EXPECT_EQ(r.exit_code, c.allowed ? 0 : 1)
        << "can-i " << c.verb << " " << c.resource << " -n " << c.ns << ": " << r.both();
    EXPECT_EQ(r.out.rfind(c.allowed ? "yes" : "no", 0), 0U)
        << "can-i " << c.verb << " " << c.resource << " -n " << c.ns << ": " << r.both();
  }
}

using Grant = std::tuple<std::string, std::string, std::string>;  // group, resource, verb

std::set<Grant> grants_of(const Json& role, std::vector<std::string>* problems) {
  std::set<Grant> out;
  for (const auto& rule : role["rules"]) {
    if (rule.contains("resourceNames") || rule.contains("nonResourceURLs")) {
      problems->push_back("unexpected rule " + rule.dump());
    }
    for (const auto& g : rule["apiGroups"]) {
      for (const auto& r : rule["resources"]) {
        for (const auto& v : rule["verbs"]) {
          for (const std::string& s :
               {g.get<std::string>(), r.get<std::string>(), v.get<std::string>()}) {
            if (s.find('*') != std::string::npos) problems->push_back("wildcard in " + rule.dump());
          }
          out.emplace(g, r, v);
        }
      }
    }
  }
  return out;
}

TEST_F(RbacTest, RolesGrantExactlyWhatTheControllerUses) {
  std::vector<std::string> problems;
  const Json cluster_role = get_json(k(), {"get", "clusterrole", "rewind-controller"});
  const std::set<Grant> cluster_grants = grants_of(cluster_role, &problems);
  std::set<Grant> want;
  auto add = [&](const std::string& group, const std::vector<std::string>& resources,
                 const std::vector<std::string>& verbs) {
    for (const auto& r : resources) {
      for (const auto& v : verbs) want.emplace(group, r, v);
    }
  };
  add("rewind.dev", {"releases", "rollbacks"}, {"get", "list", "watch"});
  add("rewind.dev", {"releases/status", "rollbacks/status"}, {"get", "update", "patch"});
  add("apps", {"deployments"}, {"get", "list", "create", "update", "patch", "delete"});
  add("apps", {"replicasets"}, {"list"});
  add("", {"services"}, {"get", "update"});
  add("", {"secrets"}, {"get"});
  add("", {"events"}, {"create", "patch"});
  add("events.k8s.io", {"events"}, {"create", "patch"});
  EXPECT_EQ(cluster_grants, want);
  for (const auto& [g, r, v] : cluster_grants) {
    if (!want.contains({g, r, v})) ADD_FAILURE() << "extra grant: " << g << "/" << r << " " << v;
  }
  for (const auto& [g, r, v] : want) {
    if (!cluster_grants.contains({g, r, v})) {
      ADD_FAILURE() << "missing grant: " << g << "/" << r << " " << v;
    }
  }

  const Json role = get_json(k(), {"get", "role", "rewind-leader-election", "-n", "rewind-system"});
  const std::set<Grant> lease_grants = grants_of(role, &problems);
  EXPECT_EQ(lease_grants, (std::set<Grant>{{"coordination.k8s.io", "leases", "get"},
                                           {"coordination.k8s.io", "leases", "create"},
                                           {"coordination.k8s.io", "leases", "update"}}));
  EXPECT_TRUE(problems.empty()) << join(problems);

  // The bindings name only the controller's ServiceAccount.
  for (const auto& binding :
       {get_json(k(), {"get", "clusterrolebinding", "rewind-controller"}),
        get_json(k(), {"get", "rolebinding", "rewind-leader-election", "-n", "rewind-system"})}) {
    ASSERT_EQ(binding["subjects"].size(), 1U) << binding.dump(2);
    EXPECT_EQ(binding["subjects"][0]["kind"], "ServiceAccount");
    EXPECT_EQ(binding["subjects"][0]["name"], "rewind");
    EXPECT_EQ(binding["subjects"][0]["namespace"], "rewind-system");
  }
}

TEST_F(RbacTest, ControllerPodIsHardened) {
  const Json d = get_json(k(), {"get", "deployment", "rewind", "-n", "rewind-system"});
  const Json& pod = d["spec"]["template"]["spec"];
  EXPECT_EQ(pod["serviceAccountName"], "rewind");
  EXPECT_EQ(pod["securityContext"]["runAsNonRoot"], true);
  EXPECT_NE(pod["securityContext"]["runAsUser"], 0);
  EXPECT_EQ(pod["securityContext"]["seccompProfile"]["type"], "RuntimeDefault");
  ASSERT_EQ(pod["containers"].size(), 1U);
  const Json& c = pod["containers"][0];
  EXPECT_EQ(c["securityContext"]["readOnlyRootFilesystem"], true);
  EXPECT_EQ(c["securityContext"]["allowPrivilegeEscalation"], false);
  EXPECT_EQ(c["securityContext"]["capabilities"]["drop"], Json::array({"ALL"}));
  EXPECT_FALSE(c["securityContext"]["capabilities"].contains("add"));
  EXPECT_NE(c["securityContext"].value("privileged", false), true);
  EXPECT_EQ(c["livenessProbe"]["httpGet"]["path"], "/healthz");
  EXPECT_EQ(c["readinessProbe"]["httpGet"]["path"], "/readyz");
  EXPECT_TRUE(c["resources"].contains("limits")) << c.dump(2);
  const Json ns = get_json(k(), {"get", "namespace", "rewind-system"});
  EXPECT_EQ(ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"], "restricted");
}

}  // namespace
}  // namespace rwd::kube_itest
