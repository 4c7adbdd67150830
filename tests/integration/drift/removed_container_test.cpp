// A compose service's container removed by hand (`docker rm -f`) is created
// again by rewind, in this process: the real Docker platform, the real
// reconciler and state files, the real Engine. The container comes back as
// `docker compose up` would have made it — same name, published port,
// network and aliases, labels, env, healthcheck, restart policy — with the
// Release's image, and answers on the same port.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "rewind/docker/client.hpp"
#include "rewind/docker/environment.hpp"
#include "rewind/docker/platform.hpp"
#include "rewind/execute/http_health_probe.hpp"
#include "rewind/execute/release_reconciler.hpp"
#include "rewind/history/file_store.hpp"
#include "rewind/http/client.hpp"
#include "rewind/model/codec.hpp"

#include "compose_service.hpp"
#include "docker_env.hpp"
#include "loopback.hpp"
#include "watcher_process.hpp"

namespace rwd::itest {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::Contains;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

model::Timestamp now() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

// rewind as `rewind watch` wires it, in this process, on a state directory.
class InProcessRewind {
 public:
  explicit InProcessRewind(const fs::path& state) {
    auto ep = docker::endpoint_from_environment();
    auto http = http::make_client(ep.value());
    auto client = docker::Client::connect(std::move(http.value()));
    EXPECT_TRUE(client.ok()) << client.error().message();
    platform_ = std::make_unique<docker::DockerPlatform>(
        std::move(client.value()), docker::DockerPlatformOptions{state / "containers"});
    histories_ = std::move(history::FileHistoryStore::open({state, {}}).value());
    statuses_ = std::move(history::FileStatusStore::open({state, {}}).value());
    reconciler_ = std::make_unique<execute::ReleaseReconciler>(
        execute::ReconcilerDeps{*platform_,
                                probe_,
                                *histories_,
                                *statuses_,
                                now,
                                [](const model::Release&) -> model::Result<model::EnvFileContents> {
                                  return model::EnvFileContents{};
                                },
                                false,
                                {}});
  }

  // Reconciles, waiting as asked, until `done` holds or a minute passes;
  // returns the last outcome's summary and error for messages.
  template <class Pred>
  bool converge(const model::Release& r, Pred done, std::string& last) {
    return eventually(
        [&] {
          const execute::ReconcileOutcome o = reconciler_->reconcile(r, {});
          last = o.summary + (o.error ? " / error: " + o.error->message : "");
          if (done()) return true;
          const auto after = o.action.requeue().value_or(std::chrono::milliseconds(200));
          std::this_thread::sleep_for(std::min<model::Duration>(after, 500ms));
          return false;
        },
        60s, 1ms);
  }
  execute::ReleaseReconciler& reconciler() { return *reconciler_; }

 private:
  std::unique_ptr<docker::DockerPlatform> platform_;
  execute::HttpHealthProbe probe_;
  std::unique_ptr<history::FileHistoryStore> histories_;
  std::unique_ptr<history::FileStatusStore> statuses_;
  std::unique_ptr<execute::ReleaseReconciler> reconciler_;
};

class RemovedContainerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(docker_answers());
    ASSERT_TRUE(ensure_demo_images());
    DockerCleanup::remove_leftovers();
    network_ = svc_.project() + "_default";
    const CommandResult net = run_command("docker network create " + label_args() + " " + network_);
    ASSERT_EQ(net.exit_code, 0) << net.output;
  }

  // What compose makes for a service with a port, a network alias, env, a
  // healthcheck and a restart policy; started.
  void create_service(const std::string& image) {
    port_ = free_loopback_port();
    const json body = {
        {"Image", image},
        {"Env", {"DEMO_HEALTHY=true", "TEAM_SETTING=kept"}},
        {"Labels",
         {{"com.docker.compose.project", svc_.project()},
          {"com.docker.compose.service", "api"},
          {"com.docker.compose.container-number", "1"},
          {"com.example.team", "payments"},
          {kTestLabel, test_prefix()}}},
        {"ExposedPorts", {{"8080/tcp", json::object()}}},
        {"Healthcheck",
         {{"Test", {"CMD", "/demo-app", "--check"}}, {"Interval", 1'000'000'000}, {"Retries", 3}}},
        {"HostConfig",
         {{"PortBindings",
           {{"8080/tcp", {{{"HostIp", "127.0.0.1"}, {"HostPort", std::to_string(port_)}}}}}},
          {"RestartPolicy", {{"Name", "on-failure"}, {"MaximumRetryCount", 2}}},
          {"NetworkMode", network_}}},
        {"NetworkingConfig",
         {{"EndpointsConfig", {{network_, {{"Aliases", {"api", "shop-api"}}}}}}}}};
    const HttpResponse created =
        docker_api("POST", "/containers/create?name=" + svc_.container_name(), body.dump());
    ASSERT_EQ(created.status, 201) << created.body;
    const HttpResponse started =
        docker_api("POST", "/containers/" + svc_.container_name() + "/start");
    ASSERT_EQ(started.status, 204) << started.body;
  }

  model::Release release(const std::string& image) {
    const std::string yaml =
        "apiVersion: rewind.dev/v1alpha1\nkind: Release\n"
        "metadata: {name: api, namespace: it}\n"
        "spec:\n"
        "  target: {docker: {project: " +
        svc_.project() +
        ", service: api}}\n"
        "  image: " +
        image +
        "\n"
        "  healthCheck: {http: {path: /health, port: 8080}, interval: 1s}\n";
    auto parsed = model::parse_resources(yaml, "api.yaml");
    EXPECT_TRUE(parsed.ok()) << (parsed.errors.empty() ? "" : parsed.errors[0].str());
    return std::get<model::Release>(parsed.objects.at(0).object);
  }

  bool serving(const std::string& version) {
    const auto up = svc_.running();
    if (up.size() != 1 || up[0]["State"]["Health"].value("Status", "") != "healthy") return false;
    const HttpResponse r = http_get(port_, "/version");
    return r.status == 200 && trimmed(r.body) == version;
  }

  ComposeService svc_{"drift"};
  DockerCleanup cleanup_;
  std::string network_;
  int port_ = 0;
};

TEST_F(RemovedContainerTest, IsCreatedAgainAsComposeWouldFromTheLastConfigurationSeen) {
  create_service("rewind-demo:v2");
  const model::Release rel = release("rewind-demo:v2");
  std::string last;
  {
    InProcessRewind rewind(svc_.state());
    ASSERT_TRUE(rewind.converge(
        rel, [&] { return svc_.stable_at(1); }, last))
        << last;
  }
  const fs::path snapshot = svc_.state() / "containers" / svc_.project() / "api.json";
  ASSERT_TRUE(fs::exists(snapshot)) << "kept before anyone removes the container";
  const auto before = svc_.containers();
  ASSERT_EQ(before.size(), 1U);

  const CommandResult rm = run_command("docker rm -f " + svc_.container_name());
  ASSERT_EQ(rm.exit_code, 0) << rm.output;
  ASSERT_TRUE(svc_.containers().empty());

  InProcessRewind restarted(svc_.state());  // a new process: the snapshot comes from the file
  // Converged: stable, serving, and the pass after the plan found it Healthy.
  ASSERT_TRUE(restarted.converge(
      rel,
      [&] {
        return svc_.stable_at(1) && serving("v2") && svc_.status()["status"]["phase"] == "Healthy";
      },
      last))
      << last << "\n"
      << svc_.describe();
  const auto after = svc_.containers();
  ASSERT_EQ(after.size(), 1U);
  const json& was = before[0];
  const json& now = after[0];
  EXPECT_NE(now["Id"], was["Id"]);
  EXPECT_EQ(now["Name"], "/" + svc_.container_name());
  EXPECT_EQ(now["Config"]["Image"], "rewind-demo:v2");
  EXPECT_EQ(now["HostConfig"]["PortBindings"], was["HostConfig"]["PortBindings"]);
  EXPECT_EQ(now["HostConfig"]["RestartPolicy"], was["HostConfig"]["RestartPolicy"]);
  EXPECT_EQ(now["HostConfig"]["NetworkMode"], network_);
  EXPECT_EQ(now["Config"]["Healthcheck"], was["Config"]["Healthcheck"]);
  const json& aliases = now["NetworkSettings"]["Networks"][network_]["Aliases"];
  EXPECT_THAT(aliases.get<std::vector<std::string>>(), Contains("shop-api"));
  EXPECT_THAT(aliases.get<std::vector<std::string>>(), Contains("api"));
  for (const auto& [key, value] : was["Config"]["Labels"].items()) {
    if (key.rfind("rewind.dev/", 0) == 0 && key != kTestLabel) continue;
    EXPECT_EQ(now["Config"]["Labels"].value(key, ""), value) << key;
  }
  EXPECT_EQ(now["Config"]["Labels"].value("rewind.dev/revision", ""), "1");
  const auto env = now["Config"]["Env"].get<std::vector<std::string>>();
  EXPECT_THAT(env, Contains("TEAM_SETTING=kept"));
  EXPECT_THAT(env, Contains("DEMO_VERSION=v2"));
  EXPECT_EQ(svc_.outcomes(), std::vector<std::string>{"Healthy"}) << "a drift is not a revision";
}

TEST_F(RemovedContainerTest, AnIdleControllerDoesNotRewriteTheSnapshot) {
  create_service("rewind-demo:v2");
  const model::Release rel = release("rewind-demo:v2");
  std::string last;
  InProcessRewind rewind(svc_.state());
  ASSERT_TRUE(rewind.converge(
      rel, [&] { return svc_.stable_at(1); }, last))
      << last;
  const fs::path snapshot = svc_.state() / "containers" / svc_.project() / "api.json";
  ASSERT_TRUE(fs::exists(snapshot));
  const auto written = fs::last_write_time(snapshot);
  for (int i = 0; i < 5; ++i) (void)rewind.reconciler().reconcile(rel, {});
  // Restarted: compares with the file, still nothing to write.
  InProcessRewind restarted(svc_.state());
  for (int i = 0; i < 5; ++i) (void)restarted.reconciler().reconcile(rel, {});
  EXPECT_EQ(fs::last_write_time(snapshot), written);
}

TEST_F(RemovedContainerTest, NeverSeenIsAClearErrorNamingWhatToRunAndWhereRewindLooked) {
  const model::Release rel = release("rewind-demo:v2");
  InProcessRewind rewind(svc_.state());
  const execute::ReconcileOutcome o = rewind.reconciler().reconcile(rel, {});
  ASSERT_TRUE(o.error.has_value()) << o.summary;
  const std::string& message = o.error->message;
  const fs::path file = svc_.state() / "containers" / svc_.project() / "api.json";
  EXPECT_THAT(message, HasSubstr("compose service " + svc_.project() + "/api exists"));
  EXPECT_THAT(message, HasSubstr(file.string()));
  EXPECT_THAT(o.error->message, HasSubstr("docker compose up -d api"));
  EXPECT_TRUE(svc_.containers().empty());
}

}  // namespace
}  // namespace rwd::itest
