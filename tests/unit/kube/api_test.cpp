// The API client against the in-memory API server: paths, errors, lists,
// writes with resourceVersions, watch streams.

#include "rewind/kube/api.hpp"

#include <gtest/gtest.h>

#include "fake_api.hpp"

namespace rwd::kube {
namespace {

using testing::FakeApiState;

struct ApiTest : ::testing::Test {
  std::shared_ptr<FakeApiState> state = std::make_shared<FakeApiState>();
  Api api{testing::fake_cluster(), ApiOptions{}, testing::fake_factory(state)};

  void put_object(const std::string& path, Json o) {
    o["metadata"]["resourceVersion"] = std::to_string(++state->version);
    state->objects[path] = o;
  }
};

TEST(ApiPaths, CoreAndGroupedResources) {
  EXPECT_EQ(path_of(kDeployments, "shop", "api"), "/apis/apps/v1/namespaces/shop/deployments/api");
  EXPECT_EQ(path_of(kReleases, "shop", "api", "status"),
            "/apis/rewind.dev/v1alpha1/namespaces/shop/releases/api/status");
  EXPECT_EQ(path_of(kReleases, ""), "/apis/rewind.dev/v1alpha1/releases");
  EXPECT_EQ(path_of(kEvents, "shop"), "/api/v1/namespaces/shop/events");
  EXPECT_EQ(api_version(kLeases), "coordination.k8s.io/v1");
  EXPECT_EQ(api_version(kServices), "v1");
  // A name that would leave its path segment is encoded.
  EXPECT_EQ(path_of(kServices, "a", "../x"), "/api/v1/namespaces/a/services/..%2Fx");
}

TEST(ApiErrors, StatusObjectsKeepTheirReasonAndKind) {
  const auto nf = api_error("GET", "/x", 404,
                            R"({"kind":"Status","reason":"NotFound","message":"x not found"})");
  EXPECT_EQ(nf.reason, "NotFound");
  EXPECT_EQ(nf.kind, model::ErrorKind::kTerminal);
  EXPECT_EQ(nf.message, "GET /x: 404 NotFound: x not found");
  EXPECT_EQ(api_error("PUT", "/x", 409, R"({"kind":"Status","reason":"Conflict"})").kind,
            model::ErrorKind::kTransient);
  EXPECT_EQ(api_error("PUT", "/x", 422, R"({"kind":"Status","reason":"Invalid"})").kind,
            model::ErrorKind::kInvalidSpec);
  EXPECT_EQ(api_error("GET", "/x", 503, "<html>busy</html>").kind, model::ErrorKind::kTransient);
  EXPECT_EQ(api_error("GET", "/x", 503, "<html>busy</html>").message,
            "GET /x: 503: <html>busy</html>");
}

TEST_F(ApiTest, SendsTheBearerTokenAndAcceptsJson) {
  put_object("/api/v1/namespaces/a/services/s", Json{{"metadata", {{"name", "s"}}}});
  auto got = api.get("/api/v1/namespaces/a/services/s");
  ASSERT_TRUE(got) << got.error().message;
  ASSERT_EQ(state->requests.size(), 1U);
  const auto& h = state->requests[0].headers;
  EXPECT_NE(std::find(h.begin(), h.end(),
                      std::pair<std::string, std::string>{"Authorization", "Bearer test-token"}),
            h.end());
  EXPECT_NE(std::find(h.begin(), h.end(),
                      std::pair<std::string, std::string>{"Accept", "application/json"}),
            h.end());
}

TEST_F(ApiTest, NotFoundIsAnErrorWithReason) {
  auto got = api.get("/api/v1/namespaces/a/services/none");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().reason, "NotFound");
}

TEST_F(ApiTest, ReplaceWithAStaleResourceVersionIsAConflict) {
  put_object("/api/v1/namespaces/a/services/s",
             Json{{"metadata", {{"name", "s"}}}, {"spec", {{"a", 1}}}});
  Json stale = state->objects["/api/v1/namespaces/a/services/s"];
  stale["metadata"]["resourceVersion"] = "1";
  auto r = api.replace("/api/v1/namespaces/a/services/s", stale);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, "Conflict");
  EXPECT_EQ(r.error().kind, model::ErrorKind::kTransient);
}

TEST_F(ApiTest, PatchSendsTheMergePatchTypeAndFieldManager) {
  put_object("/apis/apps/v1/namespaces/a/deployments/d",
             Json{{"metadata", {{"name", "d"}}}, {"spec", {{"replicas", 1}}}});
  auto r = api.patch("/apis/apps/v1/namespaces/a/deployments/d", Json{{"spec", {{"replicas", 3}}}},
                     PatchType::kMerge);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)["spec"]["replicas"], 3);
  const auto& req = state->requests.back();
  EXPECT_EQ(req.target, "/apis/apps/v1/namespaces/a/deployments/d?fieldManager=rewind");
  EXPECT_NE(std::find(req.headers.begin(), req.headers.end(),
                      std::pair<std::string, std::string>{"Content-Type",
                                                          "application/merge-patch+json"}),
            req.headers.end());
}

TEST_F(ApiTest, ListAsksForPagesAndReturnsTheListVersion) {
  put_object("/api/v1/namespaces/a/services/s1", Json{{"metadata", {{"name", "s1"}}}});
  put_object("/api/v1/namespaces/a/services/s2", Json{{"metadata", {{"name", "s2"}}}});
  auto l = api.list("/api/v1/namespaces/a/services");
  ASSERT_TRUE(l) << l.error().message;
  EXPECT_EQ(l->items.size(), 2U);
  EXPECT_EQ(l->resource_version, std::to_string(state->version));
  EXPECT_EQ(state->requests.back().target, "/api/v1/namespaces/a/services?limit=500");
}

TEST_F(ApiTest, ListFollowsContinueTokensToTheLastPage) {
  Api paged{testing::fake_cluster(), ApiOptions{.page_size = 2}, testing::fake_factory(state)};
  for (int i = 0; i < 5; ++i) {
    put_object("/api/v1/namespaces/a/services/s" + std::to_string(i),
               Json{{"metadata", {{"name", "s" + std::to_string(i)}}}});
  }
  auto l = paged.list("/api/v1/services");
  ASSERT_TRUE(l) << l.error().message;
  ASSERT_EQ(l->items.size(), 5U);
  EXPECT_EQ(meta_string(l->items[4], "name"), "s4");
  EXPECT_EQ(state->methods_and_targets(),
            (std::vector<std::string>{"GET /api/v1/services?limit=2",
                                      "GET /api/v1/services?limit=2&continue=2",
                                      "GET /api/v1/services?limit=2&continue=4"}));
}

TEST_F(ApiTest, WatchDeliversEventsAndSkipsNothing) {
  state->watch_scripts.push_back({
      R"({"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"5"}}})",
      R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"9"}}})",
      R"({"type":"DELETED","object":{"metadata":{"name":"a","resourceVersion":"10"}}})",
  });
  std::vector<std::pair<WatchType, std::string>> seen;
  auto end = api.watch("/api/v1/services", "4",
                       [&](const WatchEvent& ev) {
                         seen.emplace_back(ev.type, meta_string(ev.object, "resourceVersion"));
                         return true;
                       },
                       {});
  ASSERT_TRUE(end) << end.error().message;
  EXPECT_EQ(*end, WatchEnd::kClosed);
  ASSERT_EQ(seen.size(), 3U);
  EXPECT_EQ(seen[0], std::make_pair(WatchType::kAdded, std::string("5")));
  EXPECT_EQ(seen[1], std::make_pair(WatchType::kBookmark, std::string("9")));
  EXPECT_EQ(seen[2], std::make_pair(WatchType::kDeleted, std::string("10")));
  EXPECT_EQ(
      state->requests.back().target,
      "/api/v1/services?watch=true&allowWatchBookmarks=true&resourceVersion=4&timeoutSeconds=300");
}

TEST_F(ApiTest, WatchEndsWithGoneOnAnExpiredVersion) {
  state->watch_scripts.push_back(
      {R"({"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired"}})"});
  auto end = api.watch("/api/v1/services", "4", [](const WatchEvent&) { return true; }, {});
  ASSERT_TRUE(end);
  EXPECT_EQ(*end, WatchEnd::kGone);
  // And a 410 answer to the watch request itself.
  auto again = api.watch("/api/v1/services", "4", [](const WatchEvent&) { return true; }, {});
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, WatchEnd::kGone);
}

TEST_F(ApiTest, ABrokenWatchIsATransientError) {
  state->watch_scripts.push_back(
      {R"({"type":"ADDED","object":{"metadata":{"name":"a"}}})", "<broken>"});
  int n = 0;
  auto end = api.watch("/api/v1/services", "4", [&](const WatchEvent&) { return ++n > 0; }, {});
  ASSERT_FALSE(end);
  EXPECT_EQ(end.error().kind, model::ErrorKind::kTransient);
  EXPECT_EQ(n, 1);
}

TEST_F(ApiTest, AnEventThatIsNotJsonEndsTheWatchWithAnError) {
  state->watch_scripts.push_back({"{not json"});
  auto end = api.watch("/api/v1/services", "4", [](const WatchEvent&) { return true; }, {});
  ASSERT_FALSE(end);
  EXPECT_NE(end.error().message.find("not JSON"), std::string::npos);
}

}  // namespace
}  // namespace rwd::kube
