// Deployments as the executor's containers, against the in-memory API server.

#include "rewind/kube/deployment_platform.hpp"

#include <gtest/gtest.h>

#include "fake_api.hpp"

namespace rwd::kube {
namespace {

using testing::FakeApiState;

constexpr const char* kPath = "/apis/apps/v1/namespaces/shop/deployments/api";

Json deployment() {
  return Json::parse(R"({
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "api", "namespace": "shop", "generation": 4, "resourceVersion": "11",
                 "creationTimestamp": "2026-11-21T09:00:00Z"},
    "spec": {"replicas": 2,
             "selector": {"matchLabels": {"app": "api"}},
             "template": {"metadata": {"labels": {"app": "api"},
                                       "annotations": {"rewind.dev/revision": "1", "team": "shop"}},
                          "spec": {"containers": [
                            {"name": "sidecar", "image": "proxy:1"},
                            {"name": "app", "image": "shop/api:v1",
                             "env": [{"name": "LOG_LEVEL", "value": "info"},
                                     {"name": "DB", "valueFrom": {"secretKeyRef": {"name": "db", "key": "url"}}},
                                     {"name": "OLD", "value": "x"}]}]}}},
    "status": {"observedGeneration": 4, "replicas": 2, "updatedReplicas": 2, "availableReplicas": 2,
               "conditions": [{"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"}]}
  })");
}

model::Target target(const std::string& container = "app") {
  model::Target t;
  t.kubernetes = model::KubernetesTarget{"api", container, "shop", ""};
  return t;
}

struct DeploymentPlatformTest : ::testing::Test {
  std::shared_ptr<FakeApiState> state = std::make_shared<FakeApiState>();
  Api api{testing::fake_cluster(), ApiOptions{}, testing::fake_factory(state)};
  DeploymentPlatform platform{api};

  void SetUp() override { state->objects[kPath] = deployment(); }
  Json& stored() { return state->objects[kPath]; }
  execute::Instance only() {
    auto l = platform.list(target());
    EXPECT_TRUE(l) << l.error().message;
    EXPECT_EQ(l ? l->size() : 0U, 1U);
    return l && !l->empty() ? l->front() : execute::Instance{};
  }
};

TEST_F(DeploymentPlatformTest, TheDeploymentIsOneInstanceOfItsContainer) {
  const execute::Instance i = only();
  EXPECT_EQ(i.id, "shop/api/app");
  EXPECT_EQ(i.name, "api");
  EXPECT_EQ(i.image, model::ImageRef("shop/api:v1"));
  EXPECT_EQ(i.env, (std::map<std::string, std::string>{{"LOG_LEVEL", "info"}, {"OLD", "x"}}));
  EXPECT_EQ(i.labels, (std::map<std::string, std::string>{{"rewind.dev/revision", "1"}}));
  EXPECT_TRUE(i.running);
  EXPECT_EQ(i.health, execute::HealthStatus::kHealthy);
  // Without a container name: the first one.
  auto first = platform.list(target(""));
  ASSERT_TRUE(first);
  EXPECT_EQ(first->front().image, model::ImageRef("proxy:1"));
}

TEST_F(DeploymentPlatformTest, HealthFollowsTheRollout) {
  Json d = deployment();
  d["metadata"]["generation"] = 5;  // not yet seen by the controller
  EXPECT_EQ(instance_of(d, "app").health, execute::HealthStatus::kStarting);
  d = deployment();
  d["status"]["updatedReplicas"] = 1;
  EXPECT_EQ(instance_of(d, "app").health, execute::HealthStatus::kStarting);
  d = deployment();
  d["status"]["replicas"] = 3;  // an old pod still there
  EXPECT_EQ(instance_of(d, "app").health, execute::HealthStatus::kStarting);
  d = deployment();
  d["status"]["conditions"][0] =
      Json{{"type", "Progressing"}, {"status", "False"}, {"reason", "ProgressDeadlineExceeded"}};
  EXPECT_EQ(instance_of(d, "app").health, execute::HealthStatus::kUnhealthy);
  d = deployment();
  d["spec"]["replicas"] = 0;
  EXPECT_FALSE(instance_of(d, "app").running);
}

TEST_F(DeploymentPlatformTest, AMissingDeploymentIsNoInstanceAndAWrongContainerAnError) {
  stored() = Json();
  state->objects.erase(kPath);
  auto none = platform.list(target());
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  auto create = platform.create_for_service(target(), {});
  ASSERT_FALSE(create);
  EXPECT_NE(create.error().message.find("does not exist"), std::string::npos);
  state->objects[kPath] = deployment();
  auto wrong = platform.list(target("web"));
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().message,
            "spec.target.kubernetes.container: \"web\" is not a container of Deployment api (it "
            "has sidecar, app)");
}

TEST_F(DeploymentPlatformTest, AReplacementPatchesImageEnvAndAnnotationsInPlace) {
  const execute::Instance from = only();
  execute::ContainerChange change;
  change.image = model::ImageRef("shop/api:v2");
  change.env = {{"LOG_LEVEL", "debug"}, {"NEW", "1"}};
  change.managed_before = {"OLD"};
  change.labels = {{"rewind.dev/revision", "2"}, {"rewind.dev/revision-hash", "abc"}};
  change.name = "api-rewind-r2";  // a recreate's name: changed in place all the same
  auto id = platform.create_replacement(from, change);
  ASSERT_TRUE(id) << id.error().message;
  EXPECT_EQ(*id, from.id);
  const Json& c = stored()["spec"]["template"]["spec"]["containers"][1];
  EXPECT_EQ(c["image"], "shop/api:v2");
  EXPECT_EQ(c["env"], Json::parse(R"([{"name":"LOG_LEVEL","value":"debug"},
      {"name":"DB","valueFrom":{"secretKeyRef":{"name":"db","key":"url"}}},
      {"name":"NEW","value":"1"}])"));
  EXPECT_EQ(stored()["spec"]["template"]["spec"]["containers"][0]["image"],
            "proxy:1");  // untouched
  const Json& ann = stored()["spec"]["template"]["metadata"]["annotations"];
  EXPECT_EQ(ann["rewind.dev/revision"], "2");
  EXPECT_EQ(ann["rewind.dev/revision-hash"], "abc");
  EXPECT_EQ(ann["team"], "shop");  // the operator's annotation stays
  EXPECT_EQ(stored()["metadata"]["generation"], 5);
  EXPECT_EQ(platform.patches(), 1U);
  // The same change again: nothing is sent.
  const std::size_t patches = state->count("PATCH");
  auto again = platform.create_replacement(only(), change);
  ASSERT_TRUE(again);
  EXPECT_EQ(state->count("PATCH"), patches);
}

TEST_F(DeploymentPlatformTest, AConcurrentChangeIsReadAgain) {
  state->conflicts = 1;
  execute::ContainerChange change;
  change.image = model::ImageRef("shop/api:v3");
  auto id = platform.create_replacement(only(), change);
  ASSERT_TRUE(id) << id.error().message;
  EXPECT_EQ(stored()["spec"]["template"]["spec"]["containers"][1]["image"], "shop/api:v3");
  EXPECT_EQ(state->count("PATCH"), 2U);
}

TEST_F(DeploymentPlatformTest, ASecondDeploymentIsACopyWithItsOwnPodsCreatedWithoutReplicas) {
  execute::ContainerChange change;
  change.image = model::ImageRef("shop/api:v2");
  change.env = {{"LOG_LEVEL", "debug"}};
  change.labels = {{"rewind.dev/revision", "2"}, {"rewind.dev/color", "green"}};
  change.name = "api-green";
  change.beside = true;
  auto id = platform.create_replacement(only(), change);
  ASSERT_TRUE(id) << id.error().message;
  EXPECT_EQ(*id, "shop/api-green/app");
  const Json& copy = state->objects["/apis/apps/v1/namespaces/shop/deployments/api-green"];
  EXPECT_EQ(copy["metadata"]["labels"][kCopyOf], "api");
  EXPECT_EQ(copy["spec"]["replicas"], 0) << "created, not started";
  EXPECT_EQ(copy["metadata"]["annotations"][kReplicasBeforeStop], "2");
  EXPECT_EQ(copy["spec"]["selector"]["matchLabels"],
            (Json{{"app", "api"}, {kPodsOf, "api-green"}}));
  EXPECT_EQ(copy["spec"]["template"]["metadata"]["labels"][kPodsOf], "api-green");
  const Json annotations = copy["spec"]["template"]["metadata"]["annotations"];
  // The source's rewind.dev/* annotations are replaced by the change's.
  EXPECT_EQ(annotations.size(), 3U) << annotations.dump();
  EXPECT_EQ(annotations.value("team", ""), "shop");
  EXPECT_EQ(annotations.value("rewind.dev/revision", ""), "2");
  EXPECT_EQ(annotations.value("rewind.dev/color", ""), "green");
  const Json& c = copy["spec"]["template"]["spec"]["containers"][1];
  EXPECT_EQ(c["image"], "shop/api:v2");
  EXPECT_EQ(c["env"][0], (Json{{"name", "LOG_LEVEL"}, {"value", "debug"}}));
  EXPECT_EQ(stored()["spec"]["template"]["spec"]["containers"][1]["image"], "shop/api:v1")
      << "the source is not touched";

  auto listed = platform.list(target());
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 2U);
  EXPECT_EQ((*listed)[1].name, "api-green");
  EXPECT_FALSE((*listed)[1].running);
  EXPECT_EQ((*listed)[1].labels.at("rewind.dev/color"), "green");

  ASSERT_TRUE(platform.start(*id));
  EXPECT_EQ(
      state->objects["/apis/apps/v1/namespaces/shop/deployments/api-green"]["spec"]["replicas"], 2);
  auto address = platform.traffic_address(*id, 8080);
  ASSERT_TRUE(address);
  EXPECT_EQ(*address, "api-green.shop:8080");
}

TEST_F(DeploymentPlatformTest, ACopyOfACopyReplacesAnOldCopyOfTheSameName) {
  execute::ContainerChange change;
  change.image = model::ImageRef("shop/api:v2");
  change.name = "api-green";
  change.beside = true;
  auto green = platform.create_replacement(only(), change);
  ASSERT_TRUE(green) << green.error().message;
  change.image = model::ImageRef("shop/api:v3");
  change.name = "api-blue";
  auto green_instance = platform.inspect(*green);
  ASSERT_TRUE(green_instance);
  auto blue = platform.create_replacement(*green_instance, change);
  ASSERT_TRUE(blue) << blue.error().message;
  const Json& copy = state->objects["/apis/apps/v1/namespaces/shop/deployments/api-blue"];
  EXPECT_EQ(copy["metadata"]["labels"][kCopyOf], "api") << "a copy of the target's Deployment";
  EXPECT_EQ(copy["spec"]["selector"]["matchLabels"], (Json{{"app", "api"}, {kPodsOf, "api-blue"}}));
  // The name is taken again: the old copy becomes the new one.
  change.image = model::ImageRef("shop/api:v4");
  blue = platform.create_replacement(*green_instance, change);
  ASSERT_TRUE(blue) << blue.error().message;
  EXPECT_EQ(state->objects["/apis/apps/v1/namespaces/shop/deployments/api-blue"]["spec"]["template"]
                          ["spec"]["containers"][1]["image"],
            "shop/api:v4");
}

TEST_F(DeploymentPlatformTest, ADeploymentRewindDidNotCopyIsNeverReplacedNorRemoved) {
  Json other = deployment();
  other["metadata"]["name"] = "api-green";
  state->objects["/apis/apps/v1/namespaces/shop/deployments/api-green"] = other;
  execute::ContainerChange change;
  change.image = model::ImageRef("shop/api:v2");
  change.name = "api-green";
  change.beside = true;
  auto id = platform.create_replacement(only(), change);
  ASSERT_FALSE(id);
  EXPECT_NE(id.error().message.find("not a copy rewind made of api"), std::string::npos)
      << id.error().message;
  ASSERT_TRUE(platform.remove("shop/api/app"));
  EXPECT_TRUE(state->objects.count(kPath)) << "the operator's Deployment is never deleted";
}

TEST_F(DeploymentPlatformTest, RemoveDeletesACopy) {
  execute::ContainerChange change;
  change.image = model::ImageRef("shop/api:v2");
  change.name = "api-rewind-r2";
  change.beside = true;
  auto id = platform.create_replacement(only(), change);
  ASSERT_TRUE(id) << id.error().message;
  ASSERT_TRUE(platform.remove(*id));
  EXPECT_FALSE(state->objects.count("/apis/apps/v1/namespaces/shop/deployments/api-rewind-r2"));
  EXPECT_TRUE(platform.remove(*id)) << "removing what is gone succeeds";
  EXPECT_EQ(only().name, "api");
}

TEST_F(DeploymentPlatformTest, StopScalesToZeroAndStartBackToTheCountBefore) {
  const std::string id = only().id;
  ASSERT_TRUE(platform.stop(id, std::chrono::seconds(10)));
  EXPECT_EQ(stored()["spec"]["replicas"], 0);
  EXPECT_EQ(stored()["metadata"]["annotations"][kReplicasBeforeStop], "2");
  EXPECT_FALSE(only().running);
  ASSERT_TRUE(platform.start(id));
  EXPECT_EQ(stored()["spec"]["replicas"], 2);
  EXPECT_FALSE(stored()["metadata"]["annotations"].contains(kReplicasBeforeStop));
  // Starting what runs changes nothing.
  const std::size_t patches = state->count("PATCH");
  ASSERT_TRUE(platform.start(id));
  EXPECT_EQ(state->count("PATCH"), patches);
}

}  // namespace
}  // namespace rwd::kube
