// The real server over real loopback sockets: built-in routes, JSON API,
// status codes, keep-alive, HEAD, curl as a client.

#include <cstdio>
#include <cstdlib>
#include <string>

#include "server_fixture.hpp"

namespace rwd::http::testing {
namespace {

model::Json release_doc(const std::string& ns, const std::string& name) {
  return model::Json{{"apiVersion", "rewind.dev/v1alpha1"},
                     {"kind", "Release"},
                     {"metadata", {{"name", name}, {"namespace", ns}}},
                     {"status", {{"phase", "Healthy"}}}};
}

TEST_F(ServerTest, HealthzAndReadyzFlip) {
  start();
  TestClient c(port());
  ASSERT_FALSE(c.connect_error()) << c.connect_error().message();
  auto r = c.get("/healthz");
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(r.body(), "{\"status\":\"ok\"}\n");
  r = c.get("/readyz");
  EXPECT_EQ(r.result_int(), 503);
  EXPECT_EQ(r.body(), "{\"error\":\"warming up\"}\n");
  EXPECT_EQ(r[bhttp::field::content_type], "application/json");
  ready_ = true;
  r = c.get("/readyz");  // same connection: keep-alive
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(r.body(), "{\"status\":\"ready\"}\n");
  ready_ = false;
  EXPECT_EQ(c.get("/readyz").result_int(), 503);
}

TEST_F(ServerTest, MetricsText) {
  start();
  controller_metrics_->reconciles.with({"success"}).inc(3);
  controller_metrics_->queue_depth.set(2);
  controller_metrics_->step_duration.with({"backup"}).observe(0.7);
  TestClient c(port());
  const auto r = c.get("/metrics");
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(r[bhttp::field::content_type], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(r.body(), metrics_->render());
  EXPECT_NE(r.body().find("rewind_reconciles_total{result=\"success\"} 3\n"), std::string::npos);
  EXPECT_NE(r.body().find("rewind_queue_depth 2\n"), std::string::npos);
  EXPECT_NE(r.body().find("rewind_step_duration_seconds_bucket{step=\"backup\",le=\"1\"} 1\n"),
            std::string::npos);
}

TEST_F(ServerTest, JsonApi) {
  start();
  provider_->set_releases({release_doc("shop", "api"), release_doc("shop", "web")});
  TestClient c(port());
  auto r = c.get("/api/v1/releases");
  ASSERT_EQ(r.result_int(), 200);
  auto j = model::Json::parse(r.body());
  EXPECT_EQ(j["kind"], "ReleaseList");
  ASSERT_EQ(j["items"].size(), 2U);
  EXPECT_EQ(j["items"][1]["metadata"]["name"], "web");

  r = c.get("/api/v1/releases/shop/api");
  ASSERT_EQ(r.result_int(), 200);
  EXPECT_EQ(model::Json::parse(r.body())["status"]["phase"], "Healthy");

  r = c.get("/api/v1/releases/shop/missing");
  EXPECT_EQ(r.result_int(), 404);
  EXPECT_EQ(r.body(), "{\"error\":\"release shop/missing not found\"}\n");

  r = c.get("/api/v1/rollbacks");
  EXPECT_EQ(model::Json::parse(r.body())["items"].size(), 0U);
  EXPECT_EQ(c.get("/api/v1/rollbacks/shop/x").result_int(), 404);
}

TEST_F(ServerTest, NotFoundAndMethodNotAllowed) {
  start();
  TestClient c(port());
  auto r = c.get("/nope");
  EXPECT_EQ(r.result_int(), 404);
  EXPECT_EQ(r.body(), "{\"error\":\"not found: /nope\"}\n");
  r = c.get("/api/v1/releases", "DELETE");
  EXPECT_EQ(r.result_int(), 405);
  EXPECT_EQ(r[bhttp::field::allow], "GET, HEAD");
  EXPECT_EQ(model::Json::parse(r.body())["error"],
            "method DELETE is not allowed for /api/v1/releases");
  // The connection survives both.
  EXPECT_EQ(c.get("/healthz").result_int(), 200);
}

TEST_F(ServerTest, HeadSendsHeadersOnly) {
  start();
  TestClient c(port());
  const auto r = c.get("/healthz", "HEAD");
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(r[bhttp::field::content_length], "16");
  EXPECT_EQ(r.body(), "");
  EXPECT_EQ(c.get("/healthz").body(), "{\"status\":\"ok\"}\n");  // framing intact
}

TEST_F(ServerTest, PostBodyReachesHandler) {
  start();
  TestClient c(port());
  ASSERT_FALSE(c.write("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"));
  Response r;
  ASSERT_FALSE(c.read(r));
  EXPECT_EQ(r.body(), "hello");
}

TEST_F(ServerTest, ConnectionCloseAndHttp10Close) {
  start();
  TestClient a(port());
  auto r = a.get("/healthz", "GET", "Connection: close\r\n");
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_FALSE(r.keep_alive());
  EXPECT_TRUE(a.wait_closed(2s));

  TestClient b(port());
  ASSERT_FALSE(b.write("GET /healthz HTTP/1.0\r\n\r\n"));
  ASSERT_FALSE(b.read(r));
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_TRUE(b.wait_closed(2s));
}

TEST_F(ServerTest, PipelinedRequestsAnsweredInOrder) {
  start();
  TestClient c(port());
  ASSERT_FALSE(
      c.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
              "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"));
  Response first;
  Response second;
  ASSERT_FALSE(c.read(first));
  ASSERT_FALSE(c.read(second));
  EXPECT_EQ(first.result_int(), 200);
  EXPECT_EQ(second.result_int(), 404);
}

TEST_F(ServerTest, MalformedRequestIs400AndClosed) {
  start();
  TestClient c(port());
  ASSERT_FALSE(c.write("GET /healthz HTTP/1.1\r\nHost x\r\n\r\n"));  // no colon
  Response r;
  ASSERT_FALSE(c.read(r));
  EXPECT_EQ(r.result_int(), 400);
  EXPECT_TRUE(c.wait_closed(3s));

  TestClient d(port());
  r = d.get("/a%2Fb");
  EXPECT_EQ(r.result_int(), 400);
  EXPECT_EQ(r.body(), "{\"error\":\"encoded '/' or NUL in the request path\"}\n");
}

TEST_F(ServerTest, HandlerFramingMistakesAreContained) {
  start();
  TestClient c(port());
  auto r = c.get("/odd/204-with-body");
  EXPECT_EQ(r.result_int(), 204);
  EXPECT_EQ(r.body(), "");
  r = c.get("/odd/status-42");
  EXPECT_EQ(r.result_int(), 500);
  r = c.get("/odd/header-injection");
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(r.count("Injected"), 0U);
  EXPECT_EQ(r.count("X-Bad"), 0U);
  EXPECT_EQ(r["X-Good"], "b");
  EXPECT_EQ(c.get("/healthz").result_int(), 200);  // same connection, still in sync
}

TEST_F(ServerTest, SeveralThreads) {
  options_.threads = 2;
  start();
  for (int i = 0; i < 20; ++i) {
    TestClient c(port());
    EXPECT_EQ(c.get("/healthz").result_int(), 200);
  }
}

TEST_F(ServerTest, Ipv6Loopback) {
  options_.listen = {"::1", 0};
  Router router;
  add_standard_routes(router, {});
  Server server(options_, std::move(router));
  const auto st = server.start();
  if (!st.ok()) GTEST_SKIP() << "no IPv6 loopback here: " << st.error().message;
  EXPECT_EQ(server.local_address().host, "::1");
  TestClient c(server.port(), "::1");
  EXPECT_EQ(c.get("/healthz").result_int(), 200);
  server.stop();
}

TEST_F(ServerTest, PortInUseIsATransientError) {
  start();
  ServerOptions o = options_;
  o.listen.port = port();
  Server second(o, Router{});
  const auto st = second.start();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind, model::ErrorKind::kTransient);
  EXPECT_NE(st.error().message.find("127.0.0.1:" + std::to_string(port())), std::string::npos);
  EXPECT_FALSE(server_->start().ok());  // and starting twice is refused
}

// curl, a client nobody here wrote, agrees with the server on framing.
TEST_F(ServerTest, Curl) {
  // scripts/setup installs curl: a missing one is a broken setup, not a skip.
  ASSERT_EQ(std::system("command -v curl >/dev/null 2>&1"), 0)
      << "curl not installed: run scripts/setup";
  start();
  controller_metrics_->rollbacks.with({"analysis/error-rate"}).inc();
  const std::string base = "http://127.0.0.1:" + std::to_string(port());
  const std::string cmd = "curl -sS --max-time 5 -w '\\n%{http_code} %{content_type}\\n' " + base +
                          "/metrics " + base + "/readyz " + base + "/api/v1/releases/a/b 2>&1";
  std::string out;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[4096];
    std::size_t n = 0;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    EXPECT_EQ(pclose(p), 0) << out;
  }
  EXPECT_NE(out.find("rewind_rollbacks_total{trigger=\"analysis/error-rate\"} 1\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("\n200 text/plain; version=0.0.4; charset=utf-8\n"), std::string::npos);
  EXPECT_NE(out.find("{\"error\":\"warming up\"}\n\n503 application/json\n"), std::string::npos)
      << out;
  EXPECT_NE(out.find("\n404 application/json\n"), std::string::npos) << out;
}

}  // namespace
}  // namespace rwd::http::testing
