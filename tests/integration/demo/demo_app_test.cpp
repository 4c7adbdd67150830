// The demo app in its real image (rewind-demo:v1..v3, built by
// tests/integration/prepare) on the local Docker Engine: endpoints, the
// behaviour its environment selects, `--check` as the container healthcheck,
// and a prompt exit on SIGTERM.
//
// The images have no shell, so the healthcheck is exec form
// (["CMD", "/demo-app", "--check"]), set when the container is created
// through the Engine API: `docker run --health-cmd` would run it with
// /bin/sh -c and fail.

#include <chrono>
#include <ctime>
#include <map>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "docker_env.hpp"

namespace rwd::itest {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;
using namespace std::chrono_literals;

struct Container {
  std::string id;
  int port = 0;           // host port of 8080/tcp on 127.0.0.1
  std::time_t since = 0;  // for wait_for_event
};

class DemoAppTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(docker_answers());
    ASSERT_TRUE(ensure_demo_images());
    DockerCleanup::remove_leftovers();
  }
  void TearDown() override { DockerCleanup::remove_now(); }

  // Creates and starts a container of `image` with an exec-form healthcheck
  // every 500 ms, publishing 8080 on a free port of 127.0.0.1.
  static Container run(const std::string& image, const std::string& name,
                       const std::map<std::string, std::string>& env = {}) {
    Container c;
    c.since = std::time(nullptr) - 1;
    Json env_list = Json::array();
    for (const auto& [k, v] : env) env_list.push_back(k + "=" + v);
    const Json spec = {
        {"Image", image},
        {"Env", env_list},
        {"Labels", {{kTestLabel, test_prefix()}}},
        {"ExposedPorts", {{"8080/tcp", Json::object()}}},
        {"Healthcheck",
         {{"Test", {"CMD", "/demo-app", "--check"}},
          {"Interval", 500'000'000},
          {"Timeout", 2'000'000'000},
          {"Retries", 1}}},
        {"HostConfig",
         {{"PortBindings", {{"8080/tcp", {{{"HostIp", "127.0.0.1"}, {"HostPort", ""}}}}}}}},
    };
    const HttpResponse created =
        docker_api("POST", "/containers/create?name=" + unique_name(name), spec.dump());
    EXPECT_EQ(created.status, 201) << created.error << created.body;
    if (created.status != 201) return c;
    c.id = Json::parse(created.body).at("Id").get<std::string>();
    const HttpResponse started = docker_api("POST", "/containers/" + c.id + "/start");
    EXPECT_EQ(started.status, 204) << started.error << started.body;
    // Empty when the container has already exited (bad configuration).
    const Json ports = inspect(c.id).at("NetworkSettings").value("Ports", Json::object());
    if (ports.contains("8080/tcp") && ports["8080/tcp"].is_array() && !ports["8080/tcp"].empty()) {
      c.port = std::stoi(ports["8080/tcp"][0].at("HostPort").get<std::string>());
    }
    return c;
  }

  static Json inspect(const std::string& id) {
    const HttpResponse r = docker_api("GET", "/containers/" + id + "/json");
    EXPECT_EQ(r.status, 200) << r.error << r.body;
    return r.status == 200 ? Json::parse(r.body) : Json::object();
  }

  static void expect_event(const Container& c, const std::string& status,
                           std::chrono::seconds timeout = 30s) {
    const auto seen = wait_for_event(c.id, status, c.since, timeout);
    ASSERT_FALSE(seen.empty()) << "no events for " << c.id << "; waited for " << status;
    ASSERT_EQ(seen.back(), status) << "events seen: " << ::testing::PrintToString(seen);
  }

  // Exit codes of the healthcheck runs so far, oldest first.
  static std::vector<int> check_exit_codes(const std::string& id, std::string* last_output) {
    std::vector<int> out;
    const Json info = inspect(id);
    for (const auto& entry : info.at("State").at("Health").at("Log")) {
      out.push_back(entry.at("ExitCode").get<int>());
      if (last_output != nullptr) *last_output = entry.at("Output").get<std::string>();
    }
    return out;
  }
};

TEST_F(DemoAppTest, ServesHealthVersionAndMetrics) {
  const Container c = run("rewind-demo:v1", "v1");
  ASSERT_FALSE(c.id.empty());
  expect_event(c, "health_status: healthy");
  std::string output;
  const auto codes = check_exit_codes(c.id, &output);
  ASSERT_FALSE(codes.empty());
  EXPECT_EQ(codes.back(), 0);
  EXPECT_THAT(output, HasSubstr("healthy: HTTP/1.1 200 OK"));

  const HttpResponse health = http_get(c.port, "/health");
  EXPECT_EQ(health.status, 200) << health.error;
  EXPECT_EQ(health.body, "ok\n");
  const HttpResponse version = http_get(c.port, "/version");
  EXPECT_EQ(version.status, 200);
  EXPECT_EQ(version.body, "v1\n");
  for (int i = 0; i < 4; ++i) EXPECT_EQ(http_get(c.port, "/").status, 200);
  EXPECT_EQ(http_get(c.port, "/nope").status, 404);

  const HttpResponse metrics = http_get(c.port, "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_THAT(metrics.headers, HasSubstr("text/plain; version=0.0.4"));
  // /health and /metrics are not counted; /version, / and the 404 are.
  EXPECT_THAT(metrics.body, HasSubstr("http_requests_total{code=\"200\"} 5\n"));
  EXPECT_THAT(metrics.body, HasSubstr("http_requests_total{code=\"404\"} 1\n"));
  EXPECT_THAT(metrics.body, HasSubstr("http_requests_total{code=\"500\"} 0\n"));
  EXPECT_THAT(metrics.body, HasSubstr("http_request_duration_seconds_bucket{le=\"+Inf\"} 6\n"));
  EXPECT_THAT(metrics.body, HasSubstr("http_request_duration_seconds_count 6\n"));
  EXPECT_THAT(metrics.body, HasSubstr("demo_info{version=\"v1\"} 1\n"));
}

TEST_F(DemoAppTest, EachImageReportsItsTag) {
  for (const std::string tag : {"v2", "v3"}) {
    const Container c = run("rewind-demo:" + tag, tag);
    ASSERT_FALSE(c.id.empty());
    expect_event(c, "health_status: healthy");
    EXPECT_EQ(http_get(c.port, "/version").body, tag + "\n");
  }
}

TEST_F(DemoAppTest, UnhealthyByEnvironment) {
  const Container c = run("rewind-demo:v2", "sick", {{"DEMO_HEALTHY", "false"}});
  ASSERT_FALSE(c.id.empty());
  expect_event(c, "health_status: unhealthy");
  std::string output;
  const auto codes = check_exit_codes(c.id, &output);
  ASSERT_FALSE(codes.empty());
  EXPECT_EQ(codes.back(), 1);
  EXPECT_THAT(output, HasSubstr("unhealthy: HTTP/1.1 503 Service Unavailable"));
  EXPECT_EQ(http_get(c.port, "/health").status, 503);
  EXPECT_EQ(http_get(c.port, "/").status, 200);  // still serves
  EXPECT_THAT(http_get(c.port, "/metrics").body, HasSubstr("demo_healthy 0\n"));
}

TEST_F(DemoAppTest, TurnsUnhealthyAfterAWhile) {
  const Container c = run("rewind-demo:v3", "fades", {{"DEMO_UNHEALTHY_AFTER", "2"}});
  ASSERT_FALSE(c.id.empty());
  expect_event(c, "health_status: healthy");
  expect_event(c, "health_status: unhealthy");
  EXPECT_EQ(http_get(c.port, "/health").status, 503);
}

TEST_F(DemoAppTest, ErrorRateAndLatency) {
  const Container c =
      run("rewind-demo:v2", "flaky", {{"DEMO_ERROR_RATE", "0.25"}, {"DEMO_LATENCY_MS", "150"}});
  ASSERT_FALSE(c.id.empty());
  expect_event(c, "health_status: healthy");
  int errors = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 8; ++i) {
    const HttpResponse r = http_get(c.port, "/");
    ASSERT_TRUE(r.status == 200 || r.status == 500) << r.status << " " << r.error;
    if (r.status == 500) ++errors;
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(errors, 2);  // exactly a quarter, spread evenly
  EXPECT_GE(elapsed, 8 * 150ms);
  const std::string metrics = http_get(c.port, "/metrics").body;
  EXPECT_THAT(metrics, HasSubstr("http_requests_total{code=\"500\"} 2\n"));
  EXPECT_THAT(metrics, HasSubstr("http_requests_total{code=\"200\"} 6\n"));
  EXPECT_THAT(metrics, HasSubstr("http_request_duration_seconds_bucket{le=\"0.1\"} 0\n"));
  EXPECT_THAT(metrics, HasSubstr("http_request_duration_seconds_bucket{le=\"0.25\"} 8\n"));
  // The health endpoint is never delayed.
  const auto h0 = std::chrono::steady_clock::now();
  EXPECT_EQ(http_get(c.port, "/health").status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - h0, 150ms);
}

TEST_F(DemoAppTest, StopsPromptlyOnSigterm) {
  const Container c = run("rewind-demo:v1", "stop");
  ASSERT_FALSE(c.id.empty());
  expect_event(c, "health_status: healthy");
  const auto start = std::chrono::steady_clock::now();
  // As PID 1 without a handler, SIGTERM would be ignored and stop would wait the full 20 s.
  const HttpResponse stopped = docker_api("POST", "/containers/" + c.id + "/stop?t=20");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(stopped.status, 204) << stopped.error << stopped.body;
  EXPECT_LT(elapsed, 5s);
  const Json state = inspect(c.id).at("State");
  EXPECT_EQ(state.at("ExitCode").get<int>(), 0);
  EXPECT_FALSE(state.at("OOMKilled").get<bool>());
}

TEST_F(DemoAppTest, BadConfigurationExitsWithAMessage) {
  const Container c = run("rewind-demo:v1", "badcfg", {{"DEMO_ERROR_RATE", "2"}});
  ASSERT_FALSE(c.id.empty());
  expect_event(c, "die");
  EXPECT_EQ(inspect(c.id).at("State").at("ExitCode").get<int>(), 2);
  const CommandResult logs = run_command("docker logs " + c.id);
  EXPECT_THAT(logs.output, HasSubstr("DEMO_ERROR_RATE=2: expected a number within"));
}

}  // namespace
}  // namespace rwd::itest
