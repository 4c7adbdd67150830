// rwd::docker::Client against the real Docker Engine.

#include <chrono>

#include "docker_fixture.hpp"

namespace rwd::docker::it {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

TEST_F(DockerTest, NegotiatesTheEnginesApiVersion) {
  const auto engine_api = sh("docker version --format '{{.Server.APIVersion}}'");
  ASSERT_TRUE(engine_api.first);
  const auto expected = std::min(*parse_api_version(engine_api.second), kMaximumApiVersion);
  EXPECT_EQ(client_->api_version(), expected);
  EXPECT_GE(client_->api_version(), kMinimumApiVersion);
  EXPECT_FALSE(client_->engine().version.empty());
  EXPECT_EQ(client_->path("/containers/json"), "/v" + expected.str() + "/containers/json");
}

TEST_F(DockerTest, ContainerLifecycle) {
  const std::string first = name("lifecycle");
  const std::string id = create(body(), first);
  ASSERT_FALSE(id.empty());

  auto created = client_->inspect_container(id);
  ASSERT_TRUE(created.ok()) << created.error().message();
  EXPECT_EQ(created->name, first);
  EXPECT_EQ(created->image, world().image("v1"));
  EXPECT_FALSE(created->running);

  ASSERT_TRUE(client_->start_container(id).ok());
  EXPECT_TRUE(client_->start_container(id).ok()) << "304 already started is success";
  EXPECT_TRUE(client_->inspect_container(id)->running);

  const auto stop_start = std::chrono::steady_clock::now();
  ASSERT_TRUE(client_->stop_container(id, 5s).ok());
  EXPECT_LT(std::chrono::steady_clock::now() - stop_start, 5s) << "SIGTERM ends the program";
  EXPECT_TRUE(client_->stop_container(id, 5s).ok()) << "304 already stopped is success";
  EXPECT_FALSE(client_->inspect_container(id)->running);

  const std::string second = name("lifecycle-renamed");
  ASSERT_TRUE(client_->rename_container(id, second).ok());
  auto renamed = client_->inspect_container(second);
  ASSERT_TRUE(renamed.ok());
  EXPECT_EQ(renamed->id, id);

  ASSERT_TRUE(client_->remove_container(id, false).ok());
  auto gone = client_->inspect_container(id);
  ASSERT_FALSE(gone.ok());
  EXPECT_TRUE(gone.error().not_found());
}

TEST_F(DockerTest, NotFoundIsDistinct) {
  const std::string missing = name("no-such-container");
  EXPECT_TRUE(client_->inspect_container(missing).error().not_found());
  EXPECT_TRUE(client_->start_container(missing).error().not_found());
  EXPECT_TRUE(client_->stop_container(missing, 1s).error().not_found());
  EXPECT_TRUE(client_->rename_container(missing, name("x")).error().not_found());
  EXPECT_TRUE(client_->remove_container(missing, true).error().not_found());
  EXPECT_TRUE(client_->inspect_image(world().image("absent")).error().not_found());
  auto no_image = client_->create_container(body("absent"), name("no-image"));
  ASSERT_FALSE(no_image.ok());
  EXPECT_TRUE(no_image.error().not_found()) << no_image.error().message();
}

TEST_F(DockerTest, ConflictIsDistinct) {
  const std::string taken = name("taken");
  const std::string id = create(body(), taken);
  ASSERT_FALSE(id.empty());
  auto again = client_->create_container(body(), taken);
  ASSERT_FALSE(again.ok());
  EXPECT_TRUE(again.error().conflict()) << again.error().message();
  EXPECT_FALSE(again.error().not_found());

  ASSERT_TRUE(client_->start_container(id).ok());
  auto busy = client_->remove_container(id, false);
  ASSERT_FALSE(busy.ok());
  EXPECT_TRUE(busy.error().conflict()) << busy.error().message();
  EXPECT_TRUE(client_->remove_container(id, true).ok());
}

TEST_F(DockerTest, ListsByComposeLabels) {
  const std::string project = name("shop");
  const auto make = [&](const std::string& proj, const std::string& service, int n) {
    json b = body();
    b["Labels"]["com.docker.compose.project"] = proj;
    b["Labels"]["com.docker.compose.service"] = service;
    return create(b, name(proj.substr(proj.size() - 4) + "-" + service + "-" + std::to_string(n)));
  };
  const std::string api1 = make(project, "api", 1);
  const std::string api2 = make(project, "api", 2);
  make(project, "worker", 1);
  make(name("other"), "api", 1);
  ASSERT_TRUE(client_->start_container(api2).ok());

  auto list = client_->list_containers(
      {"com.docker.compose.project=" + project, "com.docker.compose.service=api"});
  ASSERT_TRUE(list.ok()) << list.error().message();
  std::set<std::string> ids;
  for (const auto& c : *list) ids.insert(c.id);
  EXPECT_EQ(ids, (std::set<std::string>{api1, api2})) << "stopped ones included (all=true)";

  auto running = client_->list_containers({"com.docker.compose.project=" + project}, false);
  ASSERT_TRUE(running.ok());
  ASSERT_EQ(running->size(), 1U);
  EXPECT_EQ(running->front().id, api2);
  EXPECT_EQ(running->front().state, "running");
}

TEST_F(DockerTest, ImageInspect) {
  auto image = client_->inspect_image(world().image("v1"));
  ASSERT_TRUE(image.ok()) << image.error().message();
  EXPECT_EQ(image->config["Cmd"], json({"/app"}));
  EXPECT_EQ(image->config["Env"], json({"IMGVAR=v1"}));
}

TEST_F(DockerTest, PullFromAnUnreachableRegistryFails) {
  // A registry on a closed loopback port: no traffic leaves the machine.
  auto pulled = client_->pull_image("127.0.0.1:1/" + world().prefix() + "/absent:v1");
  ASSERT_FALSE(pulled.ok());
  EXPECT_NE(pulled.error().message().find("pull of 127.0.0.1:1/"), std::string::npos)
      << pulled.error().message();
}

}  // namespace
}  // namespace rwd::docker::it
