// The Service's selector as the router, against the in-memory API server.
// The "controller" that makes replicas available is the router's sleep
// hook: it runs between polls, so nothing here sleeps.

#include "rewind/kube/service_router.hpp"

#include <gtest/gtest.h>

#include "rewind/kube/deployment_platform.hpp"

#include "fake_api.hpp"

namespace rwd::kube {
namespace {

using testing::FakeApiState;

constexpr const char* kService = "/api/v1/namespaces/shop/services/web";
constexpr const char* kWeb = "/apis/apps/v1/namespaces/shop/deployments/web";
constexpr const char* kGreen = "/apis/apps/v1/namespaces/shop/deployments/web-green";
constexpr const char* kCanary = "/apis/apps/v1/namespaces/shop/deployments/web-rewind-r2";
const model::ObjectKey kKey{"shop", "web"};

Json deployment(const std::string& name, std::int64_t replicas, Json match_labels,
                const std::string& uid) {
  return Json{
      {"apiVersion", "apps/v1"},
      {"kind", "Deployment"},
      {"metadata",
       {{"name", name},
        {"namespace", "shop"},
        {"uid", uid},
        {"generation", 1},
        {"resourceVersion", "5"},
        {"annotations", {{"deployment.kubernetes.io/revision", "3"}}}}},
      {"spec",
       {{"replicas", replicas},
        {"selector", {{"matchLabels", match_labels}}},
        {"template", {{"metadata", {{"labels", match_labels}}}}}}},
      {"status",
       {{"observedGeneration", 1}, {"replicas", replicas}, {"availableReplicas", replicas}}}};
}

Json replica_set(const std::string& name, const std::string& owner_uid, const std::string& revision,
                 const std::string& hash) {
  return Json{{"metadata",
               {{"name", name},
                {"namespace", "shop"},
                {"labels", {{"app", "web"}, {"pod-template-hash", hash}}},
                {"annotations", {{"deployment.kubernetes.io/revision", revision}}},
                {"ownerReferences", Json::array({{{"kind", "Deployment"}, {"uid", owner_uid}}})}}}};
}

struct ServiceRouterTest : ::testing::Test {
  std::shared_ptr<FakeApiState> state = std::make_shared<FakeApiState>();
  Api api{testing::fake_cluster(), ApiOptions{}, testing::fake_factory(state)};
  int polls = 0;
  bool controller_runs = true;  // the sleep hook makes the replicas available
  ServiceRouter router{api,
                       [](const model::ObjectKey& key) -> model::Result<ServiceRef> {
                         return ServiceRef{key.ns, "web"};
                       },
                       ServiceRouterOptions{std::chrono::seconds(5), std::chrono::seconds(1),
                                            [this](std::chrono::milliseconds) { poll(); }}};

  void poll() {
    ++polls;
    if (!controller_runs) {
      throw std::runtime_error("the router waited although nothing will change");
    }
    std::lock_guard lock(state->mu);
    for (auto& [path, o] : state->objects) {
      if (o.value("kind", "") != "Deployment") continue;
      o["status"]["observedGeneration"] = o["metadata"]["generation"];
      o["status"]["availableReplicas"] = o["spec"]["replicas"];
    }
  }

  void SetUp() override {
    state->objects[kService] =
        Json{{"apiVersion", "v1"},
             {"kind", "Service"},
             {"metadata", {{"name", "web"}, {"namespace", "shop"}, {"resourceVersion", "3"}}},
             {"spec", {{"selector", {{"app", "web"}}}, {"ports", Json::array({{{"port", 80}}})}}}};
    state->objects[kWeb] = deployment("web", 4, {{"app", "web"}}, "uid-web");
    state->objects["/apis/apps/v1/namespaces/shop/replicasets/web-old"] =
        replica_set("web-old", "uid-web", "2", "old111");
    state->objects["/apis/apps/v1/namespaces/shop/replicasets/web-abc"] =
        replica_set("web-abc", "uid-web", "3", "abc123");
    state->objects["/apis/apps/v1/namespaces/shop/replicasets/other-abc"] =
        replica_set("other-abc", "uid-other", "3", "zzz999");
    state->objects[kGreen] =
        deployment("web-green", 4, {{"app", "web"}, {kPodsOf, "web-green"}}, "uid-green");
  }

  Json selector() { return state->objects[kService]["spec"]["selector"]; }
  std::string annotation(const char* key) {
    return state->objects[kService]["metadata"].value("annotations", Json::object()).value(key, "");
  }
  std::int64_t replicas(const char* path) { return state->objects[path]["spec"]["replicas"]; }
};

TEST_F(ServiceRouterTest, TheOperatorsDeploymentIsSelectedByItsCurrentPodTemplateHash) {
  ASSERT_TRUE(router.set_weights(kKey, {{"blue", "web.shop:8080", 100}}));
  EXPECT_EQ(selector(), (Json{{"app", "web"}, {"pod-template-hash", "abc123"}}))
      << "the ReplicaSet of the Deployment's revision (3), not the old one nor another owner's";
  EXPECT_EQ(annotation(kSelectorBefore), R"({"app":"web"})");
  EXPECT_EQ(annotation(kRoutedBy), "shop/web");
  EXPECT_EQ(polls, 0) << "the Deployment had its replicas";
}

TEST_F(ServiceRouterTest, SwitchAndSwitchbackAreOneServiceWriteEach) {
  ASSERT_TRUE(router.set_weights(kKey, {{"blue", "web.shop:8080", 100}}));
  ASSERT_TRUE(router.set_weights(
      kKey, {{"green", "web-green.shop:8080", 100}, {"blue", "web.shop:8080", 0}}));
  EXPECT_EQ(selector(), (Json{{"app", "web"}, {kPodsOf, "web-green"}}));
  auto live = router.weights(kKey);
  ASSERT_TRUE(live) << live.error().message;
  EXPECT_EQ(*live, (std::vector<router::Backend>{{"green", "web-green.shop:8080", 100},
                                                 {"blue", "web.shop:8080", 0}}));
  const std::size_t puts = state->count("PUT");
  ASSERT_TRUE(router.set_weights(
      kKey, {{"blue", "web.shop:8080", 100}, {"green", "web-green.shop:8080", 0}}));
  EXPECT_EQ(selector(), (Json{{"app", "web"}, {"pod-template-hash", "abc123"}}));
  EXPECT_EQ(state->count("PUT"), puts + 1);
  EXPECT_EQ(state->count("PATCH"), 0U) << "blue-green never scales";
  EXPECT_EQ(annotation(kSelectorBefore), R"({"app":"web"})") << "the first selector is kept";
}

TEST_F(ServiceRouterTest, NothingIsWrittenWhenTheServiceAlreadySelectsTheBackend) {
  ASSERT_TRUE(router.set_weights(kKey, {{"green", "web-green.shop:8080", 100}}));
  const std::size_t puts = state->count("PUT");
  ASSERT_TRUE(router.set_weights(kKey, {{"green", "web-green.shop:8080", 100}}));
  EXPECT_EQ(state->count("PUT"), puts);
}

TEST_F(ServiceRouterTest, RemoveRestoresTheSelectorTheServiceHadBefore) {
  ASSERT_TRUE(router.set_weights(kKey, {{"green", "web-green.shop:8080", 100}}));
  ASSERT_TRUE(router.remove(kKey));
  EXPECT_EQ(selector(), (Json{{"app", "web"}}));
  EXPECT_EQ(annotation(kRoutedBy), "");
  EXPECT_EQ(annotation(kBackends), "");
  auto live = router.weights(kKey);
  ASSERT_TRUE(live);
  EXPECT_TRUE(live->empty());
}

TEST_F(ServiceRouterTest, AServiceRoutedByAnotherReleaseIsNotTouched) {
  state->objects[kService]["metadata"]["annotations"] = {{kRoutedBy, "shop/other"}};
  auto st = router.set_weights(kKey, {{"green", "web-green.shop:8080", 100}});
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("routed by Release shop/other"), std::string::npos)
      << st.error().message;
  EXPECT_EQ(selector(), (Json{{"app", "web"}}));
  auto live = router.weights(kKey);
  ASSERT_TRUE(live);
  EXPECT_TRUE(live->empty()) << "another Release's weights are not this one's";
}

TEST_F(ServiceRouterTest, AMissingServiceOrDeploymentIsNamed) {
  state->objects.erase(kService);
  auto st = router.set_weights(kKey, {{"green", "web-green.shop:8080", 100}});
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("Service shop/web does not exist"), std::string::npos)
      << st.error().message;
  SetUp();
  st = router.set_weights(kKey, {{"green", "web-blue.shop:8080", 100}});
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("Deployment shop/web-blue does not exist"), std::string::npos)
      << st.error().message;
  EXPECT_EQ(selector(), (Json{{"app", "web"}}));
}

TEST_F(ServiceRouterTest, ADeploymentWithoutReplicasGetsNoTraffic) {
  state->objects[kGreen]["spec"]["replicas"] = 0;
  auto st = router.set_weights(kKey, {{"green", "web-green.shop:8080", 100}});
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("runs no replicas"), std::string::npos) << st.error().message;
  EXPECT_EQ(selector(), (Json{{"app", "web"}}));
}

TEST_F(ServiceRouterTest, TwoColorsWithTrafficAreRefused) {
  auto st = router.set_weights(
      kKey, {{"green", "web-green.shop:8080", 50}, {"blue", "web.shop:8080", 50}});
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind, model::ErrorKind::kInvalidSpec);
}

TEST_F(ServiceRouterTest, ACanaryWeightIsAReplicaRatioOverTheSharedLabels) {
  state->objects[kCanary] =
      deployment("web-rewind-r2", 4, {{"app", "web"}, {kPodsOf, "web-rewind-r2"}}, "uid-c");
  ASSERT_TRUE(router.set_weights(kKey, {{"stable", "web.shop:8080", 100}}));
  ASSERT_TRUE(router.set_weights(
      kKey, {{"stable", "web.shop:8080", 75}, {"canary", "web-rewind-r2.shop:8080", 25}}));
  EXPECT_EQ(replicas(kCanary), 1);
  EXPECT_EQ(replicas(kWeb), 3);
  EXPECT_EQ(selector(), (Json{{"app", "web"}})) << "both Deployments' pods";
  EXPECT_EQ(annotation(kCanaryReplicas), "4");

  ASSERT_TRUE(router.set_weights(
      kKey, {{"stable", "web.shop:8080", 50}, {"canary", "web-rewind-r2.shop:8080", 50}}));
  EXPECT_EQ(replicas(kCanary), 2);
  EXPECT_EQ(replicas(kWeb), 2) << "of the 4 the stable track had when the canary began";

  // Promotion: the canary takes all the traffic once it has all 4 replicas.
  ASSERT_TRUE(router.set_weights(kKey, {{"stable", "web-rewind-r2.shop:8080", 100}}));
  EXPECT_EQ(replicas(kCanary), 4);
  EXPECT_EQ(selector(), (Json{{"app", "web"}, {kPodsOf, "web-rewind-r2"}}));
  EXPECT_EQ(annotation(kCanaryReplicas), "") << "the canary is over";
  EXPECT_GT(polls, 0) << "the scaled-up Deployment was awaited";
}

TEST_F(ServiceRouterTest, AnAbortedCanaryGivesTheStableTrackItsReplicasBack) {
  state->objects[kCanary] =
      deployment("web-rewind-r2", 4, {{"app", "web"}, {kPodsOf, "web-rewind-r2"}}, "uid-c");
  ASSERT_TRUE(router.set_weights(kKey, {{"stable", "web.shop:8080", 100}}));
  ASSERT_TRUE(router.set_weights(
      kKey, {{"stable", "web.shop:8080", 50}, {"canary", "web-rewind-r2.shop:8080", 50}}));
  ASSERT_EQ(replicas(kWeb), 2);
  ASSERT_TRUE(router.set_weights(
      kKey, {{"stable", "web.shop:8080", 100}, {"canary", "web-rewind-r2.shop:8080", 0}}));
  EXPECT_EQ(replicas(kWeb), 4);
  EXPECT_EQ(selector(), (Json{{"app", "web"}, {"pod-template-hash", "abc123"}}));
}

TEST_F(ServiceRouterTest, ASwitchToReplicasThatNeverBecomeAvailableMovesNoTraffic) {
  state->objects[kCanary] =
      deployment("web-rewind-r2", 4, {{"app", "web"}, {kPodsOf, "web-rewind-r2"}}, "uid-c");
  ASSERT_TRUE(router.set_weights(kKey, {{"stable", "web.shop:8080", 100}}));
  ASSERT_TRUE(router.set_weights(
      kKey, {{"stable", "web.shop:8080", 50}, {"canary", "web-rewind-r2.shop:8080", 50}}));
  ServiceRouter impatient{
      api,
      [](const model::ObjectKey& key) -> model::Result<ServiceRef> {
        return ServiceRef{key.ns, "web"};
      },
      ServiceRouterOptions{std::chrono::milliseconds(0), std::chrono::seconds(1),
                           [](std::chrono::milliseconds) {}}};
  auto st = impatient.set_weights(kKey, {{"stable", "web-rewind-r2.shop:8080", 100}});
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind, model::ErrorKind::kTransient);
  EXPECT_NE(st.error().message.find("2 of 4 replica(s) available"), std::string::npos)
      << st.error().message;
  EXPECT_EQ(selector(), (Json{{"app", "web"}})) << "still both tracks";
}

TEST_F(ServiceRouterTest, TheServiceOfAReleaseIsNamedInItsTargetOrIsTheDeployments) {
  model::Release r;
  r.metadata.ns = "shop";
  r.metadata.name = "web";
  r.spec.target.kubernetes = model::KubernetesTarget{"web", "", "shop", ""};
  auto s = service_of(r);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->name, "web");
  r.spec.target.kubernetes->service = "web-public";
  EXPECT_EQ(service_of(r)->name, "web-public");
  r.spec.target.kubernetes.reset();
  EXPECT_FALSE(service_of(r));
}

}  // namespace
}  // namespace rwd::kube
