// DockerPlatform against the real Docker Engine: what create_replacement
// keeps and changes, list by compose labels, images, address.

#include <chrono>
#include <filesystem>

#include "rewind/docker/health.hpp"
#include "rewind/docker/platform.hpp"

#include "docker_fixture.hpp"

namespace rwd::docker::it {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
namespace label = execute::label;

class DockerPlatformTest : public DockerTest {
 protected:
  void SetUp() override {
    DockerTest::SetUp();
    if (HasFatalFailure()) return;
    platform_ = std::make_unique<DockerPlatform>(connect());
    project_ = name("proj");
  }

  // A compose-like service container: env, labels, a bind, a published
  // port, two networks with aliases, a restart policy, a healthcheck.
  std::string make_service_container() {
    for (const char* net : {"front", "back"}) {
      auto made = sh("docker network create " + name(net));
      EXPECT_TRUE(made.first) << made.second;
    }
    bind_dir_ = "/tmp/" + name("bind");
    std::filesystem::create_directories(bind_dir_);
    json b = body("v1");
    b["Env"] = {"A=1", "LOG_LEVEL=info", "OLD=x"};
    b["Labels"][label::kComposeProject] = project_;
    b["Labels"][label::kComposeService] = "api";
    b["Labels"][label::kComposeNumber] = "1";
    b["Labels"][label::kManagedEnv] = "LOG_LEVEL,OLD";
    b["Labels"]["team"] = "payments";
    b["ExposedPorts"] = {{"8000/tcp", json::object()}};
    b["Healthcheck"] = {
        {"Test", {"CMD", "/app", "health"}}, {"Interval", 500'000'000}, {"Retries", 3}};
    b["HostConfig"] = {
        {"Binds", {bind_dir_ + ":/mnt/config:ro"}},
        {"PortBindings", {{"8000/tcp", {{{"HostIp", "127.0.0.1"}, {"HostPort", ""}}}}}},
        {"RestartPolicy", {{"Name", "unless-stopped"}, {"MaximumRetryCount", 0}}},
        {"NetworkMode", name("front")}};
    b["NetworkingConfig"] = {{"EndpointsConfig", {{name("front"), {{"Aliases", {"api"}}}}}}};
    const std::string id = create(b, name("api-1"));
    EXPECT_TRUE(client_->connect_network(name("back"), id, {{"Aliases", {"api-internal"}}}).ok());
    EXPECT_TRUE(client_->start_container(id).ok());
    return id;
  }

  void TearDown() override {
    DockerTest::TearDown();
    if (!bind_dir_.empty()) std::filesystem::remove_all(bind_dir_);
  }

  std::unique_ptr<DockerPlatform> platform_;
  std::string project_;
  std::string bind_dir_;
};

std::set<std::string> aliases(const ContainerInspect& c, const std::string& network) {
  for (const auto& n : c.networks) {
    if (n.name == network) return {n.aliases.begin(), n.aliases.end()};
  }
  return {};
}

TEST_F(DockerPlatformTest, ListsTheServicesContainers) {
  const std::string id = make_service_container();
  model::Target target;
  target.docker = model::DockerTarget{project_, "api"};
  auto list = platform_->list(target);
  ASSERT_TRUE(list.ok()) << list.error().message;
  ASSERT_EQ(list->size(), 1U);
  const auto& i = list->front();
  EXPECT_EQ(i.id, id);
  EXPECT_EQ(i.name, name("api-1"));
  EXPECT_EQ(i.image, model::ImageRef(world().image("v1")));
  EXPECT_EQ(i.env.at("LOG_LEVEL"), "info");
  EXPECT_EQ(i.labels.at("team"), "payments");
  EXPECT_TRUE(i.running);
  EXPECT_TRUE(i.created.has_value());

  target.docker->service = "nothing-here";
  EXPECT_TRUE(platform_->list(target)->empty());
  model::Target kube;
  kube.kubernetes = model::KubernetesTarget{"api", "", "", ""};
  EXPECT_EQ(platform_->list(kube).error().kind, model::ErrorKind::kInvalidSpec);
}

TEST_F(DockerPlatformTest, ReplacementKeepsEverythingButImageAndManagedEnv) {
  const std::string old_id = make_service_container();
  auto from = platform_->inspect(old_id);
  ASSERT_TRUE(from.ok()) << from.error().message;

  execute::ContainerChange change;
  change.image = model::ImageRef(world().image("v2"));
  change.env = {{"LOG_LEVEL", "debug"}, {"NEW", "y"}};
  change.labels = {{label::kRevision, "2"}};
  change.name = name("api-1-next");
  auto new_id = platform_->create_replacement(*from, change);
  ASSERT_TRUE(new_id.ok()) << new_id.error().message;

  auto old_c = client_->inspect_container(old_id);
  auto new_c = client_->inspect_container(*new_id);
  ASSERT_TRUE(old_c.ok() && new_c.ok());
  EXPECT_EQ(new_c->name, name("api-1-next"));
  EXPECT_EQ(new_c->image, world().image("v2"));

  // Env: the managed part changed, OLD removed, A kept, the image's IMGVAR from the new image.
  std::set<std::string> env(new_c->env.begin(), new_c->env.end());
  EXPECT_EQ(env, (std::set<std::string>{"A=1", "LOG_LEVEL=debug", "NEW=y", "IMGVAR=v2"}));

  // Labels: all kept, ours added, the managed list rewritten.
  EXPECT_EQ(new_c->labels.at(label::kComposeProject), project_);
  EXPECT_EQ(new_c->labels.at(label::kComposeService), "api");
  EXPECT_EQ(new_c->labels.at(label::kComposeNumber), "1");
  EXPECT_EQ(new_c->labels.at("team"), "payments");
  EXPECT_EQ(new_c->labels.at(label::kRevision), "2");
  EXPECT_EQ(new_c->labels.at(label::kManagedEnv), "LOG_LEVEL,NEW");

  // Host configuration: the same binds, ports, restart policy; nothing added.
  for (const char* key :
       {"Binds", "PortBindings", "RestartPolicy", "NetworkMode", "Privileged", "CapAdd", "CapDrop",
        "PidMode", "IpcMode", "UsernsMode", "SecurityOpt", "Devices", "Mounts"}) {
    EXPECT_EQ(new_c->host_config[key], old_c->host_config[key]) << key;
  }
  EXPECT_EQ(new_c->host_config["Privileged"], false);
  EXPECT_EQ(new_c->config["Healthcheck"], old_c->config["Healthcheck"]);
  EXPECT_EQ(new_c->config["Cmd"], json({"/app"}));
  EXPECT_EQ(new_c->config["ExposedPorts"], old_c->config["ExposedPorts"]);
  EXPECT_NE(new_c->config["Hostname"], old_c->config["Hostname"]);

  // Both networks, with their aliases; not the old container-id alias.
  std::set<std::string> nets;
  for (const auto& n : new_c->networks) nets.insert(n.name);
  EXPECT_EQ(nets, (std::set<std::string>{name("front"), name("back")}));
  EXPECT_TRUE(aliases(*new_c, name("front")).count("api"));
  EXPECT_TRUE(aliases(*new_c, name("back")).count("api-internal"));
  EXPECT_FALSE(aliases(*new_c, name("front")).count(old_id.substr(0, 12)));

  // It runs and its healthcheck passes; the port is published on loopback.
  ASSERT_TRUE(platform_->stop(old_id, 5s).ok());
  ASSERT_TRUE(platform_->start(*new_id).ok());
  auto health = wait_for_health(*client_, *new_id, 250ms, 80, real_sleeper());
  ASSERT_TRUE(health.ok()) << health.error().message();
  EXPECT_EQ(*health, HealthOutcome::kHealthy);
  auto address = platform_->address(*new_id, 8000);
  ASSERT_TRUE(address.ok()) << address.error().message;
  EXPECT_EQ(address->rfind("127.0.0.1:", 0), 0U) << *address;
  auto internal = platform_->address(*new_id, 9999);
  ASSERT_TRUE(internal.ok());
  EXPECT_EQ(internal->substr(internal->find(':')), ":9999");
  EXPECT_EQ(platform_->inspect(*new_id)->health, execute::HealthStatus::kHealthy);

  // Swap names the way a recreate finishes, then remove the old one.
  ASSERT_TRUE(platform_->rename(old_id, name("api-1-old")).ok());
  ASSERT_TRUE(platform_->rename(*new_id, name("api-1")).ok());
  ASSERT_TRUE(platform_->remove(old_id).ok());
  EXPECT_TRUE(platform_->remove(old_id).ok()) << "already gone counts as removed";
  EXPECT_EQ(client_->inspect_container(name("api-1"))->id, *new_id);
}

TEST_F(DockerPlatformTest, ManagedEnvCanBeEmptied) {
  const std::string old_id = make_service_container();
  auto from = platform_->inspect(old_id);
  ASSERT_TRUE(from.ok());
  execute::ContainerChange change;
  change.image = model::ImageRef(world().image("v1"));
  change.name = name("api-1-plain");
  auto new_id = platform_->create_replacement(*from, change);
  ASSERT_TRUE(new_id.ok()) << new_id.error().message;
  auto i = platform_->inspect(*new_id);
  ASSERT_TRUE(i.ok());
  EXPECT_EQ(i->env.count("LOG_LEVEL"), 0U);
  EXPECT_EQ(i->env.count("OLD"), 0U);
  EXPECT_EQ(i->env.at("A"), "1");
  EXPECT_EQ(i->labels.at(label::kManagedEnv), "");
}

TEST_F(DockerPlatformTest, ReplacementNameConflictLeavesNothingBehind) {
  const std::string old_id = make_service_container();
  auto from = platform_->inspect(old_id);
  ASSERT_TRUE(from.ok());
  execute::ContainerChange change;
  change.image = model::ImageRef(world().image("v2"));
  change.name = name("api-1");  // the old one's own name
  auto new_id = platform_->create_replacement(*from, change);
  ASSERT_FALSE(new_id.ok());
  EXPECT_NE(new_id.error().message.find("409"), std::string::npos) << new_id.error().message;
  auto all = client_->list_containers({std::string(label::kComposeProject) + "=" + project_});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 1U);
}

TEST_F(DockerPlatformTest, Images) {
  EXPECT_TRUE(*platform_->image_present(model::ImageRef(world().image("v1"))));
  EXPECT_FALSE(*platform_->image_present(model::ImageRef(world().image("absent"))));
  EXPECT_TRUE(platform_->ensure_image(model::ImageRef(world().image("v2"))).ok());
  auto unreachable =
      platform_->ensure_image(model::ImageRef("127.0.0.1:1/" + world().prefix() + "/x:v1"));
  EXPECT_FALSE(unreachable.ok());
}

}  // namespace
}  // namespace rwd::docker::it
