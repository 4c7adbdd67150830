// Releases and Rollbacks from the API server into the store (driven without
// threads: replace() and event() as the reflectors call them).

#include "rewind/kube/source.hpp"

#include <gtest/gtest.h>

#include "fake_api.hpp"

namespace rwd::kube {
namespace {

using testing::FakeApiState;

Json release(const std::string& name, const std::string& image, const std::string& rv = "1") {
  Json j = Json::parse(R"({"apiVersion": "rewind.dev/v1alpha1", "kind": "Release",
      "spec": {"target": {"kubernetes": {"deployment": "api"}}}})");
  j["metadata"] =
      Json{{"name", name}, {"namespace", "shop"}, {"resourceVersion", rv}, {"generation", 1}};
  j["spec"]["image"] = image;
  return j;
}

Json rollback(const std::string& name) {
  Json j = Json::parse(R"({"apiVersion": "rewind.dev/v1alpha1", "kind": "Rollback",
      "spec": {"releaseRef": {"name": "api"}, "to": "previous"}})");
  j["metadata"] = Json{{"name", name}, {"namespace", "shop"}};
  return j;
}

struct SourceTest : ::testing::Test {
  std::shared_ptr<FakeApiState> state = std::make_shared<FakeApiState>();
  Api api{testing::fake_cluster(), ApiOptions{}, testing::fake_factory(state)};
  runtime::Store store;
  KubeSource source{api, store};
  std::vector<std::string> events;
  std::vector<std::string> diagnostics;

  void SetUp() override {
    store.subscribe([this](const runtime::Event& e) {
      events.push_back(std::string(runtime::to_string(e.type)) + " " + e.ref.str());
    });
    source.on_diagnostics([this](const ObjectDiagnostics& d) {
      EXPECT_EQ(d.key.ns, "shop");
      for (const auto& x : d.errors) diagnostics.push_back(d.kind->kind + " " + x.str());
    });
  }
  std::string image_of(const std::string& name) {
    auto r = store.get_release({"shop", name});
    return r ? r->spec.image.value() : "(none)";
  }
};

TEST_F(SourceTest, AListFillsTheStoreWithoutStatusOrResourceVersion) {
  Json r = release("api", "shop/api:v1");
  r["status"] = Json{{"phase", "Healthy"}, {"history", Json::array()}};
  source.replace(kReleases, {r});
  source.replace(kRollbacks, {rollback("undo")});
  auto got = store.get_release({"shop", "api"});
  ASSERT_TRUE(got);
  EXPECT_EQ(got->spec.image, model::ImageRef("shop/api:v1"));
  EXPECT_EQ(got->status, model::ReleaseStatus{});
  EXPECT_EQ(got->metadata.resource_version, "");
  EXPECT_EQ(got->spec.target.kubernetes->ns, "shop");
  EXPECT_TRUE(store.get_rollback({"shop", "undo"}));
  EXPECT_TRUE(diagnostics.empty());
}

TEST_F(SourceTest, AStatusOnlyChangeIsNoEvent) {
  source.replace(kReleases, {release("api", "shop/api:v1", "1")});
  events.clear();
  Json r = release("api", "shop/api:v1", "2");
  r["status"] = Json{{"phase", "Progressing"}};
  source.event(kReleases, WatchType::kModified, r);
  EXPECT_TRUE(events.empty());
  source.event(kReleases, WatchType::kModified, release("api", "shop/api:v2", "3"));
  EXPECT_EQ(events, std::vector<std::string>{"modified Release/shop/api"});
}

TEST_F(SourceTest, ARelistOfOneKindKeepsTheOther) {
  source.replace(kReleases, {release("api", "shop/api:v1")});
  source.replace(kRollbacks, {rollback("undo")});
  source.replace(kReleases, {release("api", "shop/api:v1"), release("web", "shop/web:v1")});
  EXPECT_TRUE(store.get_rollback({"shop", "undo"}));
  EXPECT_EQ(image_of("web"), "shop/web:v1");
  // A relist without an object deletes it.
  source.replace(kRollbacks, {});
  EXPECT_FALSE(store.get_rollback({"shop", "undo"}));
  EXPECT_TRUE(store.get_release({"shop", "api"}));
}

TEST_F(SourceTest, ABrokenEditKeepsTheLastGoodSpecAndIsReported) {
  source.replace(kReleases, {release("api", "shop/api:v1")});
  Json bad = release("api", "shop/api:v2");
  bad["spec"]["strategy"] =
      Json{{"type", "Canary"}, {"canary", {{"steps", Json::array({Json{{"setWeight", 140}}})}}}};
  source.event(kReleases, WatchType::kModified, bad);
  EXPECT_EQ(image_of("api"), "shop/api:v1");
  ASSERT_FALSE(diagnostics.empty());
  EXPECT_EQ(diagnostics.front().rfind("Release shop/api: ", 0), 0U) << diagnostics.front();
  EXPECT_NE(diagnostics.front().find("140"), std::string::npos) << diagnostics.front();
  // Also through a relist.
  source.replace(kReleases, {bad});
  EXPECT_EQ(image_of("api"), "shop/api:v1");
  // A broken object never seen good is not in the store.
  Json other = release("web", "shop/web:v1");
  other["spec"].erase("image");
  source.event(kReleases, WatchType::kAdded, other);
  EXPECT_EQ(image_of("web"), "(none)");
}

TEST_F(SourceTest, DeletionRemovesTheObject) {
  source.replace(kReleases, {release("api", "shop/api:v1")});
  source.event(kReleases, WatchType::kDeleted, release("api", "shop/api:v1"));
  EXPECT_FALSE(store.get_release({"shop", "api"}));
  EXPECT_EQ(events.back(), "deleted Release/shop/api");
}

}  // namespace
}  // namespace rwd::kube
