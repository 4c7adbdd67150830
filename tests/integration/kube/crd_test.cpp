// crds/ against a real kube-apiserver: the CRDs are Established, the examples
// are accepted, bad Releases and Rollbacks are rejected by the schema with the
// field named, and status (with status.history) goes through /status only.

#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kube_test_util.hpp"

namespace rwd::kube_itest {
namespace {

constexpr const char* kNamespace = "crd-test";

// A valid canary Release; the cases below break one thing in it.
Json canary_release(const std::string& name) {
  Json r = Json::parse(R"({
    "apiVersion": "rewind.dev/v1alpha1",
    "kind": "Release",
    "spec": {
      "target": {"kubernetes": {"deployment": "api", "container": "api"}},
      "image": "rewind-demo:v1",
      "strategy": {
        "type": "Canary",
        "canary": {"router": "service", "steps": [{"setWeight": 20}, {"pause": "30s"},
                                                  {"pause": {}}, {"analysis": {}},
                                                  {"setWeight": 100}]}
      },
      "healthCheck": {"http": {"path": "/health", "port": 8080}},
      "rollbackPolicy": {"automatic": true, "revisionHistoryLimit": 5}
    }
  })");
  r["metadata"] = {{"name", name}, {"namespace", kNamespace}};
  return r;
}

Json rollback(const std::string& name, const Json& to) {
  Json r = {{"apiVersion", "rewind.dev/v1alpha1"},
            {"kind", "Rollback"},
            {"metadata", {{"name", name}, {"namespace", kNamespace}}},
            {"spec", {{"releaseRef", {{"name", "api"}}}, {"reason", "crd_test"}}}};
  if (!to.is_null()) r["spec"]["to"] = to;
  return r;
}

class CrdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_THROW(cluster_with_crds());
    ensure_namespace(k(), kNamespace);
  }
  static KubeCluster& k() { return kube_cluster(); }
};

TEST_F(CrdTest, BothCrdsAreEstablishedAndServed) {
  for (const std::string crd : {"releases.rewind.dev", "rollbacks.rewind.dev"}) {
    const Json j = get_json(k(), {"get", "crd", crd});
    bool established = false;
    for (const auto& c : j["status"]["conditions"]) {
      if (c["type"] == "Established") established = c["status"] == "True";
    }
    EXPECT_TRUE(established) << crd << ": " << j["status"].dump(2);
    EXPECT_EQ(j["status"]["acceptedNames"]["kind"],
              crd == "releases.rewind.dev" ? "Release" : "Rollback");
  }
  std::string out;
  ASSERT_EQ(k().kubectl({"api-resources", "--api-group=rewind.dev", "--no-headers"}, &out), 0)
      << out;
  EXPECT_NE(out.find("releases"), std::string::npos) << out;
  EXPECT_NE(out.find("rel "), std::string::npos) << out;  // short names
  EXPECT_NE(out.find("rollbacks"), std::string::npos) << out;
  EXPECT_NE(out.find("rb "), std::string::npos) << out;
}

TEST_F(CrdTest, ExamplesAreAccepted) {
  std::string out;
  ensure_namespace(k(), "shop");
  for (const std::string example :
       {"examples/kubernetes/release.yaml", "examples/kubernetes/web-bluegreen.yaml",
        "examples/releases/web-canary.yaml", "examples/releases/api.yaml",
        "examples/rollbacks/api-incident-42.yaml", "examples/rollbacks/api-restore-backup.yaml"}) {
    EXPECT_EQ(k().kubectl({"apply", "--dry-run=server", "-f", source_path(example)}, &out), 0)
        << example << ":\n"
        << out;
  }
  // For real, and read back.
  ASSERT_EQ(k().kubectl({"apply", "-f", source_path("examples/kubernetes/release.yaml")}, &out), 0)
      << out;
  const Json r = get_json(k(), {"get", "release", "api-k8s", "-n", "shop"});
  EXPECT_EQ(r["spec"]["image"], "rewind-demo:v2");
  EXPECT_EQ(r["spec"]["migration"]["revision"], "0002");
  EXPECT_EQ(r["spec"]["migration"]["database"]["urlFrom"]["secretKeyRef"]["name"], "shop-db");
  EXPECT_EQ(r["spec"]["rollbackPolicy"]["revisionHistoryLimit"], 10);
  ASSERT_EQ(k().kubectl({"get", "rel", "-n", "shop"}, &out), 0) << out;
  EXPECT_NE(out.find("rewind-demo:v2"), std::string::npos) << out;  // the printer columns
}

TEST_F(CrdTest, CanaryReleaseAndRollbacksAreAccepted) {
  std::string out;
  EXPECT_EQ(k().kubectl({"apply", "-f", "-"}, &out, canary_release("good").dump()), 0) << out;
  EXPECT_EQ(k().kubectl({"apply", "-f", "-"}, &out, rollback("to-previous", "previous").dump()), 0)
      << out;
  EXPECT_EQ(k().kubectl({"apply", "-f", "-"}, &out, rollback("to-3", 3).dump()), 0) << out;
  EXPECT_EQ(k().kubectl({"apply", "-f", "-"}, &out, rollback("to-default", nullptr).dump()), 0)
      << out;
  const Json rb = get_json(k(), {"get", "rollback", "to-3", "-n", kNamespace});
  EXPECT_EQ(rb["spec"]["to"], 3);
}

struct BadCase {
  std::string name;
  std::function<void(Json&)> mutate;
  std::vector<std::string> expected;  // substrings of kubectl's error
};

TEST_F(CrdTest, BadReleasesAreRejectedNamingTheField) {
  const std::vector<BadCase> cases = {
      {"weight-140",
       [](Json& r) { r["spec"]["strategy"]["canary"]["steps"][0]["setWeight"] = 140; },
       {"spec.strategy.canary.steps[0].setWeight", "140", "less than or equal to 100"}},
      {"no-image", [](Json& r) { r["spec"].erase("image"); }, {"spec.image", "Required value"}},
      {"port-string",
       [](Json& r) { r["spec"]["healthCheck"]["http"]["port"] = "eighty"; },
       {"spec.healthCheck.http.port", "integer"}},
      {"strategy-rolling",
       [](Json& r) { r["spec"]["strategy"]["type"] = "Rolling"; },
       {"spec.strategy.type", "Unsupported value", "Rolling"}},
      {"two-targets",
       [](Json& r) {
         r["spec"]["target"]["docker"] = {{"project", "p"}, {"service", "s"}};
       },
       {"spec.target"}},
      {"step-two-keys",
       [](Json& r) { r["spec"]["strategy"]["canary"]["steps"][0]["pause"] = "10s"; },
       {"spec.strategy.canary.steps[0]"}},
      {"history-limit-0",
       [](Json& r) { r["spec"]["rollbackPolicy"]["revisionHistoryLimit"] = 0; },
       {"spec.rollbackPolicy.revisionHistoryLimit", "greater than or equal to 1"}},
      {"unknown-field",
       [](Json& r) { r["spec"]["imagee"] = "typo:v1"; },
       {"unknown field", "spec.imagee"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Json r = canary_release("bad-" + c.name);
    c.mutate(r);
    const CommandResult res = k().run_kubectl({"apply", "-f", "-"}, r.dump());
    EXPECT_NE(res.exit_code, 0) << res.both();
    for (const auto& want : c.expected) {
      EXPECT_NE(res.err.find(want), std::string::npos) << "no \"" << want << "\" in:\n" << res.err;
    }
    std::string out;
    EXPECT_NE(k().kubectl({"get", "release", "bad-" + c.name, "-n", kNamespace}, &out), 0)
        << "created anyway: " << out;
  }
}

TEST_F(CrdTest, BadRollbacksAreRejectedNamingTheField) {
  struct Case {
    std::string name;
    Json to;
    std::vector<std::string> expected;
  };
  const std::vector<Case> cases = {
      {"yesterday", "yesterday", {"spec.to", "must be previous, lastKnownGood or a revision"}},
      {"zero", 0, {"spec.to", "must be previous, lastKnownGood or a revision"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const CommandResult res =
        k().run_kubectl({"apply", "-f", "-"}, rollback("bad-" + c.name, c.to).dump());
    EXPECT_NE(res.exit_code, 0) << res.both();
    for (const auto& want : c.expected) {
      EXPECT_NE(res.err.find(want), std::string::npos) << "no \"" << want << "\" in:\n" << res.err;
    }
  }
  Json no_ref = rollback("bad-no-ref", "previous");
  no_ref["spec"].erase("releaseRef");
  const CommandResult res = k().run_kubectl({"apply", "-f", "-"}, no_ref.dump());
  EXPECT_NE(res.exit_code, 0) << res.both();
  EXPECT_NE(res.err.find("spec.releaseRef"), std::string::npos) << res.err;
}

TEST_F(CrdTest, StatusWithHistoryGoesThroughTheStatusSubresource) {
  std::string out;
  ASSERT_EQ(k().kubectl({"apply", "-f", "-"}, &out, canary_release("st").dump()), 0) << out;
  const std::string status_path =
      std::string("/apis/rewind.dev/v1alpha1/namespaces/") + kNamespace + "/releases/st/status";

  // GET .../status works and has no status yet.
  CommandResult r = k().run_kubectl({"get", "--raw", status_path});
  ASSERT_EQ(r.exit_code, 0) << r.both();
  Json got = Json::parse(r.out);
  EXPECT_EQ(got["kind"], "Release");
  EXPECT_EQ(got["metadata"]["name"], "st");
  EXPECT_FALSE(got.contains("status")) << got.dump(2);

  // PUT .../status (what the controller does) with a history of two revisions;
  // the items keep fields the schema does not list (the spec snapshot).
  Json obj = got;
  obj["status"] = Json::parse(R"({
    "observedGeneration": 1, "phase": "Healthy", "currentRevision": 2, "stableRevision": 2,
    "history": [
      {"number": 1, "hash": "a1b2c3", "outcome": "Superseded", "createdAt": "2026-11-21T10:00:00Z",
       "revision": {"image": "rewind-demo:v1", "configHash": "c0", "migrationRevision": ""},
       "spec": {"image": "rewind-demo:v1", "target": {"kubernetes": {"deployment": "api"}}},
       "downScripts": {"0002_orders.down.sql": "DROP TABLE orders;"}},
      {"number": 2, "hash": "d4e5f6", "outcome": "Healthy", "createdAt": "2026-11-21T11:00:00Z",
       "generation": 2, "spec": {"image": "rewind-demo:v2"}}
    ]
  })");
  obj["spec"]["image"] = "ignored-through-status:v9";  // /status ignores spec changes
  r = k().run_kubectl({"replace", "--raw", status_path, "-f", "-"}, obj.dump());
  ASSERT_EQ(r.exit_code, 0) << r.both();

  Json rel = get_json(k(), {"get", "release", "st", "-n", kNamespace});
  EXPECT_EQ(rel["spec"]["image"], "rewind-demo:v1");
  EXPECT_EQ(rel["status"]["phase"], "Healthy");
  ASSERT_EQ(rel["status"]["history"].size(), 2U) << rel["status"].dump(2);
  EXPECT_EQ(rel["status"]["history"][0]["number"], 1);
  EXPECT_EQ(rel["status"]["history"][0]["spec"]["image"], "rewind-demo:v1");
  EXPECT_EQ(rel["status"]["history"][0]["downScripts"]["0002_orders.down.sql"],
            "DROP TABLE orders;");
  EXPECT_EQ(rel["status"]["history"][1]["generation"], 2);

  // A merge patch through the subresource appends a third revision.
  Json history = rel["status"]["history"];
  history.push_back({{"number", 3}, {"hash", "0a0b0c"}, {"outcome", "Pending"}});
  ASSERT_EQ(k().kubectl(
                {"patch", "release", "st", "-n", kNamespace, "--subresource=status", "--type=merge",
                 "-p", Json{{"status", {{"currentRevision", 3}, {"history", history}}}}.dump()},
                &out),
            0)
      << out;
  rel = get_json(k(), {"get", "release", "st", "-n", kNamespace});
  ASSERT_EQ(rel["status"]["history"].size(), 3U) << rel["status"].dump(2);
  EXPECT_EQ(rel["status"]["history"][2]["hash"], "0a0b0c");
  EXPECT_EQ(rel["status"]["currentRevision"], 3);

  // The main resource ignores status: an update there leaves it as it was.
  ASSERT_EQ(k().kubectl({"patch", "release", "st", "-n", kNamespace, "--type=merge", "-p",
                         R"({"status":{"phase":"Failed"}})"},
                        &out),
            0)
      << out;
  rel = get_json(k(), {"get", "release", "st", "-n", kNamespace});
  EXPECT_EQ(rel["status"]["phase"], "Healthy");

  // The schema still holds inside history: a revision needs its number.
  r = k().run_kubectl({"patch", "release", "st", "-n", kNamespace, "--subresource=status",
                       "--type=merge", "-p", R"({"status":{"history":[{"hash":"x"}]}})"});
  EXPECT_NE(r.exit_code, 0) << r.both();
  EXPECT_NE(r.err.find("status.history[0].number"), std::string::npos) << r.err;
}

TEST_F(CrdTest, CrdsSurviveAnApiserverRestart) {
  std::string out;
  ASSERT_EQ(k().kubectl({"apply", "-f", "-"}, &out, canary_release("kept").dump()), 0) << out;
  ASSERT_NO_THROW(k().restart_apiserver());
  const Json r = get_json(k(), {"get", "release", "kept", "-n", kNamespace});
  EXPECT_EQ(r["spec"]["image"], "rewind-demo:v1");
  // Validation is back too.
  Json bad = canary_release("after-restart");
  bad["spec"]["strategy"]["canary"]["steps"][0]["setWeight"] = 140;
  const CommandResult res = k().run_kubectl({"apply", "-f", "-"}, bad.dump());
  EXPECT_NE(res.exit_code, 0) << res.both();
  EXPECT_NE(res.err.find("setWeight"), std::string::npos) << res.err;
}

}  // namespace
}  // namespace rwd::kube_itest
