// DockerPlatform::run_once against the real Docker Engine with the demo
// image (rewind-demo:v1): exit code, output, environment, the service's
// network, removal afterwards, and a timeout that kills and removes.

#include <chrono>
#include <future>
#include <thread>

#include <gmock/gmock.h>

#include "rewind/docker/platform.hpp"

#include "docker_env.hpp"
#include "docker_fixture.hpp"

namespace rwd::docker::it {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
namespace label = execute::label;

class RunOnceTest : public DockerTest {
 protected:
  void SetUp() override {
    DockerTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(itest::ensure_demo_images());
    platform_ = std::make_unique<DockerPlatform>(connect());
    project_ = name("proj");
    auto made = sh("docker network create " + name("net"));
    ASSERT_TRUE(made.first) << made.second;
    nlohmann::json b = body("v1");
    b["Labels"][label::kComposeProject] = project_;
    b["Labels"][label::kComposeService] = "api";
    b["HostConfig"]["NetworkMode"] = name("net");
    const std::string id = create(b, name("api-1"));
    ASSERT_TRUE(client_->start_container(id).ok());
  }

  execute::OneOffCommand command(std::vector<std::string> argv) const {
    execute::OneOffCommand c;
    c.image = model::ImageRef("rewind-demo:v1");
    c.argv = std::move(argv);
    c.target.docker = model::DockerTarget{project_, "api"};
    c.timeout = 30s;
    return c;
  }

  // `docker ps` of this project's one-off containers: `format` of each.
  std::string one_offs(const std::string& format = "{{.ID}}") const {
    return sh("docker ps -a --filter label=" + std::string(label::kOneOff) + " --filter label=" +
              label::kComposeProject + "=" + project_ + " --format '" + format + "'")
        .second;
  }

  std::unique_ptr<DockerPlatform> platform_;
  std::string project_;
};

TEST_F(RunOnceTest, ExitCodeOutputAndEnvironmentThenRemoved) {
  auto c = command({"/demo-app", "--version"});
  c.env = {{"DEMO_VERSION", "set-by-rewind"}, {"DATABASE_URL", "postgresql://u:p@db/x"}};
  auto out = platform_->run_once(c);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->exit_code, 0);
  EXPECT_FALSE(out->timed_out);
  EXPECT_EQ(out->output, "set-by-rewind\n");
  EXPECT_EQ(one_offs(), "") << "the one-off container is removed";
}

TEST_F(RunOnceTest, ANonZeroExitIsAnOutputWithStderr) {
  auto out = platform_->run_once(command({"/demo-app", "--no-such-flag"}));
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->exit_code, 2);
  EXPECT_THAT(out->output, HasSubstr("usage:"));
  EXPECT_EQ(one_offs(), "");
}

TEST_F(RunOnceTest, AProgramTheImageLacksIsAnErrorAndRemoved) {
  auto out = platform_->run_once(command({"/no-such-program"}));
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(out.error().message, HasSubstr("no-such-program"));
  EXPECT_EQ(one_offs(), "");
}

TEST_F(RunOnceTest, JoinsTheServiceNetworkAndATimeoutKillsAndRemoves) {
  auto c = command({"/demo-app"});  // serves until stopped
  c.timeout = 4s;
  const auto started = std::chrono::steady_clock::now();
  auto running = std::async(std::launch::async, [&] { return platform_->run_once(c); });
  std::string networks;
  for (int i = 0; i < 60 && networks.empty(); ++i) {
    networks = one_offs("{{.Networks}}");
    if (networks.empty()) std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(networks, name("net")) << "on the network of the service's container";
  auto out = running.get();
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_TRUE(out->timed_out);
  EXPECT_EQ(out->exit_code, -1);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 20s);
  EXPECT_EQ(one_offs(), "") << "killed and removed";
}

}  // namespace
}  // namespace rwd::docker::it
