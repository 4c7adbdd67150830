// Router: matching, parameters, 404/405, HEAD, handler failures, and the
// request/response value types.

#include "rewind/http/router.hpp"

#include <stdexcept>

#include <gtest/gtest.h>

namespace rwd::http {
namespace {

ServerRequest req(std::string method, std::string target,
                  std::vector<std::pair<std::string, std::string>> headers = {}) {
  auto r = make_request(std::move(method), std::move(target), std::move(headers), "");
  EXPECT_TRUE(r.ok()) << r.error().message;
  return r.value();
}

model::Json body_of(const ServerResponse& r) { return model::Json::parse(r.body); }

Router sample() {
  Router router;
  router.get("/a", [](const ServerRequest&) { return ServerResponse::text(200, "a"); });
  router.get("/items/{ns}/{name}", [](const ServerRequest& r) {
    return ServerResponse::text(200, r.param("ns") + "|" + r.param("name"));
  });
  router.get("/items/special/one", [](const ServerRequest&) {
    return ServerResponse::text(200, "never: the pattern above was registered first");
  });
  router.add("DELETE", "/items/{ns}/{name}",
             [](const ServerRequest&) { return ServerResponse::text(204, ""); });
  return router;
}

TEST(Router, MatchesLiteralPath) {
  const auto r = sample().handle(req("GET", "/a"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "a");
  EXPECT_EQ(r.content_type, "text/plain; charset=utf-8");
}

TEST(Router, ExtractsParametersAndFirstRegisteredWins) {
  EXPECT_EQ(sample().handle(req("GET", "/items/shop/api")).body, "shop|api");
  EXPECT_EQ(sample().handle(req("GET", "/items/special/one")).body, "special|one");
}

TEST(Router, DecodesParametersAndIgnoresQuery) {
  EXPECT_EQ(sample().handle(req("GET", "/items/a%20b/c?verbose=1")).body, "a b|c");
  EXPECT_EQ(sample().handle(req("GET", "/a?x")).status, 200);
}

TEST(Router, UnknownPathIs404WithJsonError) {
  const auto r = sample().handle(req("GET", "/nope"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, "{\"error\":\"not found: /nope\"}\n");
}

TEST(Router, EmptySegmentsAndTrailingSlashDoNotMatch) {
  EXPECT_EQ(sample().handle(req("GET", "/a/")).status, 404);
  EXPECT_EQ(sample().handle(req("GET", "/items//api")).status, 404);
  EXPECT_EQ(sample().handle(req("GET", "/items/shop")).status, 404);
  EXPECT_EQ(sample().handle(req("GET", "/items/shop/api/x")).status, 404);
  EXPECT_EQ(sample().handle(req("GET", "/")).status, 404);
}

TEST(Router, OtherMethodIs405WithAllow) {
  const auto r = sample().handle(req("POST", "/items/shop/api"));
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.header("allow"), "DELETE, GET, HEAD");
  EXPECT_EQ(body_of(r)["error"], "method POST is not allowed for /items/shop/api");
  EXPECT_EQ(sample().handle(req("PUT", "/a")).header("Allow"), "GET, HEAD");
}

TEST(Router, HeadIsServedByGet) {
  const auto r = sample().handle(req("HEAD", "/a"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "a");  // the session sends only the headers
}

TEST(Router, OtherMethodsRouteToTheirHandlers) {
  EXPECT_EQ(sample().handle(req("DELETE", "/items/shop/api")).status, 204);
}

TEST(Router, ThrowingHandlerIs500WithoutTheExceptionText) {
  Router router;
  router.get("/boom", [](const ServerRequest&) -> ServerResponse {
    throw std::runtime_error("postgres://user:secret@db/x unreachable");
  });
  const auto r = router.handle(req("GET", "/boom"));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body.find("secret"), std::string::npos);
  EXPECT_EQ(body_of(r)["error"], "internal error while handling GET /boom");
}

TEST(Router, HandlerSeesHeadersCaseInsensitively) {
  Router router;
  router.get("/h", [](const ServerRequest& r) {
    return ServerResponse::text(200, r.header("X-Thing").value_or("none"));
  });
  EXPECT_EQ(router.handle(req("GET", "/h", {{"x-THING", "1"}, {"X-Thing", "2"}})).body, "1, 2");
  EXPECT_EQ(router.handle(req("GET", "/h")).body, "none");
}

TEST(MakeRequest, SplitsTargetAndDecodesPath) {
  const auto r = req("GET", "/api/v1/releases/a%2Db?limit=5&x=%20");
  EXPECT_EQ(r.path, "/api/v1/releases/a-b");
  EXPECT_EQ(r.query, "limit=5&x=%20");
  EXPECT_EQ(r.target, "/api/v1/releases/a%2Db?limit=5&x=%20");
}

TEST(MakeRequest, RefusesBadTargets) {
  EXPECT_FALSE(make_request("GET", "http://host/x", {}, "").ok());  // absolute-form
  EXPECT_FALSE(make_request("GET", "*", {}, "").ok());
  EXPECT_FALSE(make_request("GET", "", {}, "").ok());
  EXPECT_FALSE(make_request("GET", "/a%zz", {}, "").ok());
  EXPECT_FALSE(make_request("GET", "/a%2Fb", {}, "").ok());  // encoded slash
  EXPECT_FALSE(make_request("GET", "/a%00b", {}, "").ok());
  const auto bad = make_request("GET", "/a%2", {}, "");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, model::ErrorKind::kInvalidSpec);
}

TEST(ServerResponse, JsonAndErrorBodies) {
  const auto r = ServerResponse::json(200, model::Json{{"b", 1}, {"a", "x"}});
  EXPECT_EQ(r.body, "{\"b\":1,\"a\":\"x\"}\n");
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(ServerResponse::error(503, "say \"no\"").body, "{\"error\":\"say \\\"no\\\"\"}\n");
  // Invalid UTF-8 from a handler does not throw.
  EXPECT_NO_THROW((void)ServerResponse::error(400, "bad \xFF byte"));
}

}  // namespace
}  // namespace rwd::http
