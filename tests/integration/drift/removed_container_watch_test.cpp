// The same through the real `rewind watch` binary: a managed service's
// container removed with `docker rm -f` comes back within seconds, driven by
// Docker's `destroy` event (the resync is set to five minutes, so it cannot
// be what acts).

#include <chrono>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "compose_service.hpp"
#include "docker_env.hpp"
#include "watcher_process.hpp"

namespace rwd::itest {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

constexpr const char* kSpec =
    "  config: {env: {TEAM_SETTING: managed}}\n"
    "  healthCheck: {http: {path: /health, port: 8080}, interval: 1s, timeout: 1s}\n";

class RemovedContainerWatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(docker_answers());
    ASSERT_TRUE(ensure_demo_images());
    DockerCleanup::remove_leftovers();
  }
  void TearDown() override {
    if (HasFailure()) std::cerr << ComposeService::read_text(svc_.log("drift")) << "\n";
  }
  ComposeService svc_{"driftwatch"};
  DockerCleanup cleanup_;
};

TEST_F(RemovedContainerWatchTest, TheDestroyEventBringsItBackWithinSeconds) {
  ASSERT_TRUE(svc_.up("rewind-demo:v2", "--env EXTRA=kept --label com.example.team=payments"));
  svc_.write_release("rewind-demo:v2", kSpec);
  Watcher watcher(svc_.releases(), svc_.state(), svc_.log("drift"), {.env = {}, .resync = "5m"});
  // The compose container is adopted as revision 1 without a restart.
  ASSERT_TRUE(eventually([&] { return svc_.stable_at(1) && svc_.served_version() == "v2"; }))
      << svc_.describe();
  const nlohmann::json before = svc_.containers().at(0);
  ASSERT_EQ(before["Name"], "/" + svc_.container_name());

  const auto removed_at = std::chrono::steady_clock::now();
  const CommandResult rm = run_command("docker rm -f " + svc_.container_name());
  ASSERT_EQ(rm.exit_code, 0) << rm.output;
  ASSERT_TRUE(eventually([&] { return svc_.served_version() == "v2"; }, 20s)) << svc_.describe();
  const auto took = std::chrono::steady_clock::now() - removed_at;
  EXPECT_LT(took, 15s) << "the destroy event acts, not the 5 minute resync";
  ASSERT_TRUE(eventually([&] { return svc_.stable_at(1); }, 20s)) << svc_.describe();

  const auto after = svc_.containers();
  ASSERT_EQ(after.size(), 1U) << svc_.describe();
  const nlohmann::json& now = after[0];
  EXPECT_NE(now["Id"], before["Id"]);
  EXPECT_EQ(now["Name"], "/" + svc_.container_name());
  EXPECT_EQ(now["Config"]["Image"], "rewind-demo:v2");
  EXPECT_EQ(now["HostConfig"]["PortBindings"], before["HostConfig"]["PortBindings"]);
  EXPECT_EQ(now["Config"]["Labels"]["com.example.team"], "payments");
  EXPECT_EQ(now["Config"]["Labels"]["com.docker.compose.project"], svc_.project());
  EXPECT_EQ(now["Config"]["Labels"]["com.docker.compose.service"], "api");
  const auto env = now["Config"]["Env"].get<std::vector<std::string>>();
  EXPECT_THAT(env, Contains("EXTRA=kept"));
  EXPECT_THAT(env, Contains("TEAM_SETTING=managed"));
  EXPECT_EQ(svc_.outcomes(), std::vector<std::string>{"Healthy"});
  EXPECT_THAT(ComposeService::read_text(svc_.log("drift")),
              HasSubstr("has no container (removed by hand?)"));
  EXPECT_EQ(watcher.stop(), 0);
}

}  // namespace
}  // namespace rwd::itest
