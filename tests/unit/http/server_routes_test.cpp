// Built-in routes through the router, without sockets: health, readiness,
// metrics text, and the read-only JSON API.

#include <atomic>

#include <gtest/gtest.h>

#include "rewind/http/server.hpp"

namespace rwd::http {
namespace {

ServerRequest req(std::string method, std::string target) {
  return make_request(std::move(method), std::move(target), {}, "").value();
}

model::Json release_doc(const std::string& ns, const std::string& name, const std::string& image) {
  return model::Json{{"apiVersion", "rewind.dev/v1alpha1"},
                     {"kind", "Release"},
                     {"metadata", {{"name", name}, {"namespace", ns}}},
                     {"spec", {{"image", image}}}};
}

class StandardRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    provider_ = std::make_shared<InMemoryResourceProvider>();
    provider_->set_releases(
        {release_doc("shop", "web", "web:1"), release_doc("shop", "api", "api:2")});
    provider_->set_rollbacks(
        {model::Json{{"kind", "Rollback"}, {"metadata", {{"name", "incident-42"}}}}});
    add_standard_routes(router_, StandardRoutes{
                                     .readiness = [this] { return readiness_; },
                                     .metrics = [] { return std::string("up 1\n"); },
                                     .resources = provider_,
                                 });
  }

  Readiness readiness_{false, "initial list of directory ./releases not finished"};
  std::shared_ptr<InMemoryResourceProvider> provider_;
  Router router_;
};

TEST_F(StandardRoutesTest, Healthz) {
  const auto r = router_.handle(req("GET", "/healthz"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{\"status\":\"ok\"}\n");
}

TEST_F(StandardRoutesTest, ReadyzFollowsThePredicate) {
  auto r = router_.handle(req("GET", "/readyz"));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, "{\"error\":\"initial list of directory ./releases not finished\"}\n");
  readiness_ = {true, ""};
  r = router_.handle(req("GET", "/readyz"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{\"status\":\"ready\"}\n");
  readiness_ = {false, ""};
  EXPECT_EQ(router_.handle(req("GET", "/readyz")).body, "{\"error\":\"not ready\"}\n");
}

TEST_F(StandardRoutesTest, Metrics) {
  const auto r = router_.handle(req("GET", "/metrics"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(r.body, "up 1\n");
}

TEST_F(StandardRoutesTest, ListReleasesOrderedByKey) {
  const auto r = router_.handle(req("GET", "/api/v1/releases"));
  EXPECT_EQ(r.status, 200);
  const auto j = model::Json::parse(r.body);
  EXPECT_EQ(j["apiVersion"], "rewind.dev/v1alpha1");
  EXPECT_EQ(j["kind"], "ReleaseList");
  ASSERT_EQ(j["items"].size(), 2U);
  EXPECT_EQ(j["items"][0]["metadata"]["name"], "api");
  EXPECT_EQ(j["items"][1]["metadata"]["name"], "web");
}

TEST_F(StandardRoutesTest, OneReleaseOr404) {
  auto r = router_.handle(req("GET", "/api/v1/releases/shop/api"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(model::Json::parse(r.body)["spec"]["image"], "api:2");
  r = router_.handle(req("GET", "/api/v1/releases/shop/nope"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "{\"error\":\"release shop/nope not found\"}\n");
  EXPECT_EQ(router_.handle(req("GET", "/api/v1/releases/other/api")).status, 404);
}

TEST_F(StandardRoutesTest, RollbacksWithDefaultNamespace) {
  auto r = router_.handle(req("GET", "/api/v1/rollbacks"));
  EXPECT_EQ(model::Json::parse(r.body)["kind"], "RollbackList");
  EXPECT_EQ(model::Json::parse(r.body)["items"].size(), 1U);
  r = router_.handle(req("GET", "/api/v1/rollbacks/default/incident-42"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(router_.handle(req("GET", "/api/v1/rollbacks/shop/incident-42")).status, 404);
}

TEST_F(StandardRoutesTest, HistoryOfOneReleaseOr404) {
  provider_->set_history({"shop", "api"},
                         model::Json{{"revisions", {{{"number", 1}}, {{"number", 2}}}}});
  auto r = router_.handle(req("GET", "/api/v1/releases/shop/api/history"));
  ASSERT_EQ(r.status, 200);
  const auto j = model::Json::parse(r.body);
  EXPECT_EQ(j["apiVersion"], "rewind.dev/v1alpha1");
  EXPECT_EQ(j["kind"], "ReleaseHistory");
  EXPECT_EQ(j["metadata"]["namespace"], "shop");
  EXPECT_EQ(j["metadata"]["name"], "api");
  ASSERT_EQ(j["revisions"].size(), 2U);
  EXPECT_EQ(j["revisions"][1]["number"], 2);

  r = router_.handle(req("GET", "/api/v1/releases/shop/web/history"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "{\"error\":\"no history for release shop/web\"}\n");
  EXPECT_EQ(router_.handle(req("HEAD", "/api/v1/releases/shop/api/history")).status, 200);
}

TEST_F(StandardRoutesTest, OtherMethodsAre405AndUnknownPaths404) {
  for (const char* path :
       {"/healthz", "/readyz", "/metrics", "/api/v1/releases", "/api/v1/releases/shop/api",
        "/api/v1/releases/shop/api/history", "/api/v1/rollbacks"}) {
    for (const char* method : {"POST", "PUT", "DELETE", "PATCH"}) {
      const auto r = router_.handle(req(method, path));
      EXPECT_EQ(r.status, 405) << method << " " << path;
      EXPECT_EQ(r.header("Allow"), "GET, HEAD");
    }
  }
  EXPECT_EQ(router_.handle(req("GET", "/api/v1/deployments")).status, 404);
  EXPECT_EQ(router_.handle(req("GET", "/api/v1/releases/shop")).status, 404);
}

TEST(StandardRoutes, OptionalPartsStayUnregistered) {
  Router router;
  add_standard_routes(router, {});
  EXPECT_EQ(router.handle(req("GET", "/healthz")).status, 200);
  EXPECT_EQ(router.handle(req("GET", "/readyz")).status, 200);  // no predicate: ready
  EXPECT_EQ(router.handle(req("GET", "/metrics")).status, 404);
  EXPECT_EQ(router.handle(req("GET", "/api/v1/releases")).status, 404);
}

TEST(InMemoryResourceProvider, ReplacesContentAtomically) {
  InMemoryResourceProvider p;
  p.set_releases({release_doc("a", "x", "i:1")});
  p.set_releases({release_doc("b", "y", "i:2")});
  ASSERT_EQ(p.releases().size(), 1U);
  EXPECT_FALSE(p.release({"a", "x"}).has_value());
  EXPECT_TRUE(p.release({"b", "y"}).has_value());
  EXPECT_TRUE(p.rollbacks().empty());
  EXPECT_FALSE(p.history({"b", "y"}).has_value());
  p.set_history({"b", "y"}, model::Json{{"revisions", model::Json::array()}});
  EXPECT_TRUE(p.history({"b", "y"}).has_value());
}

}  // namespace
}  // namespace rwd::http
