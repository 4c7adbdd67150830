// DockerPlatform::run_once against an in-memory Engine: the request
// sequence, the create document, log frames, and removal on every path.

#include "rewind/docker/run_once.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rewind/docker/platform.hpp"

#include "fake_http.hpp"
#include "fixtures.hpp"

namespace rwd::docker {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using testing::FakeHttp;
using ::testing::HasSubstr;
using testing::reply;

// One frame of Docker's multiplexed stream.
std::string frame(char stream, const std::string& payload) {
  std::string h{stream, 0, 0, 0};
  const auto n = static_cast<std::uint32_t>(payload.size());
  for (int shift = 24; shift >= 0; shift -= 8) h += static_cast<char>((n >> shift) & 0xff);
  return h + payload;
}

// The Engine: the fixture container of shop/api, its image, and a one-off
// container whose wait answers `wait`.
struct Engine {
  std::vector<std::string> calls;  // "METHOD target" of the one-off connection
  model::Result<http::ClientResponse> wait = reply(200, R"({"StatusCode":3,"Error":null})");
  int start_status = 204;
  std::string create_body;

  model::Result<http::ClientResponse> answer(const http::ClientRequest& r) {
    const std::string& t = r.target;
    if (t == "/version") return reply(200, fixtures::kVersion);
    if (t.rfind("/v1.41/containers/json", 0) == 0) return reply(200, fixtures::kContainerList);
    if (t.rfind("/v1.41/images/", 0) == 0) return reply(200, fixtures::kImage);
    if (r.method == "GET" && t.ends_with("/json")) return reply(200, fixtures::kInspect);
    calls.push_back(r.method + " " + t);
    if (t.rfind("/v1.41/containers/create", 0) == 0) {
      create_body = r.body;
      return reply(201, R"({"Id":"0ff0"})");
    }
    if (t.ends_with("/start")) return reply(start_status, R"({"message":"exec: nope: not found"})");
    if (t.find("/wait") != std::string::npos) return wait;
    if (t.find("/logs") != std::string::npos) {
      return reply(200, frame(1, "applying 0002\n") + frame(2, "warning: slow\n") +
                            frame(1, "DATABASE_URL seen\n"));
    }
    return reply(r.method == "DELETE" ? 204 : 200);
  }
};

class RunOnceTest : public ::testing::Test {
 protected:
  std::unique_ptr<DockerPlatform> platform() {
    auto main = std::make_unique<FakeHttp>(
        [this](const http::ClientRequest& r) { return engine_.answer(r); });
    auto client = Client::connect(std::move(main));
    EXPECT_TRUE(client.ok());
    DockerPlatformOptions options;
    options.one_off_http = [this]() -> model::Result<std::unique_ptr<http::Client>> {
      return std::unique_ptr<http::Client>(std::make_unique<FakeHttp>(
          [this](const http::ClientRequest& r) { return engine_.answer(r); }));
    };
    return std::make_unique<DockerPlatform>(std::move(client.value()), std::move(options));
  }
  static execute::OneOffCommand command() {
    execute::OneOffCommand c;
    c.image = model::ImageRef("shop-api:v2");
    c.argv = {"migrate", "goto", "4"};
    c.env = {{"DATABASE_URL", "postgresql://app:hunter2@db/shop"}};
    c.target.docker = model::DockerTarget{"shop", "api"};
    c.timeout = std::chrono::seconds(5);
    return c;
  }
  Engine engine_;
};

TEST(DemultiplexLogs, FramesInOrderAndTheTailKept) {
  const std::string raw = frame(1, "out\n") + frame(2, "err\n") + frame(1, "more");
  EXPECT_EQ(demultiplex_logs(raw), "out\nerr\nmore");
  EXPECT_EQ(demultiplex_logs(raw, 6), "r\nmore");
  EXPECT_EQ(demultiplex_logs("plain tty text\n"), "plain tty text\n");
  EXPECT_EQ(demultiplex_logs(frame(1, "cut short").substr(0, 12)), "cut ");
}

TEST_F(RunOnceTest, CreatesStartsWaitsReadsAndRemoves) {
  auto p = platform();
  auto out = p->run_once(command());
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->exit_code, 3);
  EXPECT_FALSE(out->timed_out);
  EXPECT_EQ(out->output, "applying 0002\nwarning: slow\nDATABASE_URL seen\n");
  EXPECT_THAT(
      engine_.calls,
      ElementsAre("POST /v1.41/containers/create", "POST /v1.41/networks/shop_backend/connect",
                  "POST /v1.41/containers/0ff0/start",
                  "POST /v1.41/containers/0ff0/wait?condition=not-running",
                  "GET /v1.41/containers/0ff0/logs?stdout=1&stderr=1&tail=2000",
                  "DELETE /v1.41/containers/0ff0?force=true&v=true"));
  const json body = json::parse(engine_.create_body);
  EXPECT_EQ(body["Image"], "shop-api:v2");
  EXPECT_EQ(body["Entrypoint"], json({"migrate"}));
  EXPECT_EQ(body["Cmd"], json({"goto", "4"}));
  EXPECT_EQ(body["Env"], json({"DATABASE_URL=postgresql://app:hunter2@db/shop"}));
  EXPECT_EQ(body["Labels"]["rewind.dev/one-off"], "migration");
  EXPECT_EQ(body["Labels"]["com.docker.compose.project"], "shop");
  EXPECT_FALSE(body["Labels"].contains("com.docker.compose.service"));
  EXPECT_EQ(body["HostConfig"]["AutoRemove"], false);
  EXPECT_EQ(body["HostConfig"]["NetworkMode"], "shop_default");
  EXPECT_EQ(body["NetworkingConfig"]["EndpointsConfig"]["shop_default"], json::object())
      << "no aliases: the one-off must not receive the service's traffic";
}

TEST_F(RunOnceTest, ATimeoutKillsReadsAndRemoves) {
  engine_.wait =
      model::Error::transient("POST /v1.41/containers/0ff0/wait: read: timed out after 5000ms");
  auto p = platform();
  auto out = p->run_once(command());
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_TRUE(out->timed_out);
  EXPECT_EQ(out->exit_code, -1);
  ASSERT_GE(engine_.calls.size(), 3U);
  EXPECT_EQ(engine_.calls[engine_.calls.size() - 3], "POST /v1.41/containers/0ff0/kill");
  EXPECT_THAT(engine_.calls.back(), HasSubstr("DELETE /v1.41/containers/0ff0?force=true"));
}

TEST_F(RunOnceTest, AStartThatFailsStillRemoves) {
  engine_.start_status = 400;
  auto p = platform();
  auto out = p->run_once(command());
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(out.error().message, HasSubstr("exec: nope: not found"));
  EXPECT_THAT(out.error().message, HasSubstr("one-off container of shop-api:v2 for shop/api"));
  EXPECT_THAT(engine_.calls.back(), HasSubstr("DELETE /v1.41/containers/0ff0?force=true"));
}

TEST_F(RunOnceTest, ALostConnectionIsAnErrorAndStillRemoves) {
  engine_.wait = model::Error::transient("POST /wait: connection closed by the peer");
  auto p = platform();
  auto out = p->run_once(command());
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().kind, model::ErrorKind::kTransient);
  EXPECT_THAT(engine_.calls.back(), HasSubstr("DELETE /v1.41/containers/0ff0?force=true"));
}

TEST(OneOffNetworks, HostModeIsKept) {
  ContainerInspect c;
  c.network_mode = "host";
  c.network_settings_networks = json{{"host", json::object()}};
  EXPECT_EQ(one_off_networks(c), (OneOffNetworks{"host", {}}));
  execute::OneOffCommand cmd;
  cmd.image = model::ImageRef("x");
  cmd.argv = {"x"};
  const json body = one_off_body(cmd, "shop", one_off_networks(c));
  EXPECT_EQ(body["HostConfig"]["NetworkMode"], "host");
  EXPECT_FALSE(body.contains("NetworkingConfig"));
}

}  // namespace
}  // namespace rwd::docker
