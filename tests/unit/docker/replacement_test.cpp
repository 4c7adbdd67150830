// build_replacement, apply_managed_env, container_address and to_instance.

#include "rewind/docker/replacement.hpp"

#include <gtest/gtest.h>

#include "rewind/docker/parse.hpp"

#include "fixtures.hpp"

namespace rwd::docker {
namespace {

using nlohmann::json;

ContainerInspect old_container() {
  auto c = parse_container_inspect(fixtures::kInspect);
  EXPECT_TRUE(c.ok());
  return c.value();
}

json old_image() { return parse_image_inspect(fixtures::kImage)->config; }

execute::ContainerChange change_to(const std::string& image) {
  execute::ContainerChange change;
  change.image = model::ImageRef(image);
  change.env = {{"LOG_LEVEL", "debug"}, {"NEW_FLAG", "on"}};
  change.labels = {{"rewind.dev/revision", "7"}};
  change.name = "shop-api-1-rewind";
  return change;
}

TEST(BuildReplacement, ChangesOnlyImageManagedEnvAndLabels) {
  const auto old = old_container();
  auto r = build_replacement(old, old_image(), change_to("shop-api:v2"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  const json& body = r->create_body;
  EXPECT_EQ(body["Image"], "shop-api:v2");
  // Env: LOG_LEVEL replaced in place, OLD_FLAG (managed before, not now)
  // dropped, DB kept, NEW_FLAG added; the image's IMGVAR and PATH left to the new image.
  EXPECT_EQ(body["Env"], json({"LOG_LEVEL=debug", "DB=postgres://db/shop", "NEW_FLAG=on"}));
  // Labels: compose's kept, ours added, the managed-env list rewritten, the image's left out.
  const json& labels = body["Labels"];
  EXPECT_EQ(labels["com.docker.compose.project"], "shop");
  EXPECT_EQ(labels["com.docker.compose.service"], "api");
  EXPECT_EQ(labels["com.docker.compose.container-number"], "1");
  EXPECT_EQ(labels["rewind.dev/revision"], "7");
  EXPECT_EQ(labels["rewind.dev/managed-env"], "LOG_LEVEL,NEW_FLAG");
  EXPECT_FALSE(labels.contains("org.opencontainers.image.version"));
  // The container's own settings stay.
  EXPECT_EQ(body["Cmd"], json({"/app", "--serve"}));
  EXPECT_EQ(body["User"], "1000");
  EXPECT_EQ(body["WorkingDir"], "/srv");
  EXPECT_EQ(body["Healthcheck"]["Test"], json({"CMD", "/app", "health"}));
  EXPECT_EQ(body["ExposedPorts"], json({{"8000/tcp", json::object()}}));
  EXPECT_FALSE(body.contains("Volumes"));   // /data came from the image
  EXPECT_FALSE(body.contains("Hostname"));  // the old id; the Engine picks the new one
  EXPECT_FALSE(body.contains("Entrypoint"));
}

TEST(BuildReplacement, HostConfigIsCopiedAsItIs) {
  const auto old = old_container();
  auto r = build_replacement(old, old_image(), change_to("shop-api:v2"));
  ASSERT_TRUE(r.ok());
  json host = r->create_body["HostConfig"];
  // The one addition: the anonymous volume at /data, so its data survives.
  ASSERT_TRUE(host.contains("Mounts"));
  EXPECT_EQ(
      host["Mounts"],
      json::parse(
          R"([{"Type":"volume","Source":"4e9c23af61cc13762a4961b2ab66375022cb8e2385f99d1725dfd8c2a3c91610",
                            "Target":"/data","ReadOnly":false}])"));
  host.erase("Mounts");
  EXPECT_EQ(host, old.host_config);
  EXPECT_EQ(host["Privileged"], false);
  EXPECT_EQ(host["CapAdd"], nullptr);
  EXPECT_EQ(host["Binds"], json({"/srv/shop/config:/config:ro"}));
  EXPECT_EQ(host["PortBindings"]["8000/tcp"][0]["HostPort"], "8080");
  EXPECT_EQ(host["RestartPolicy"]["Name"], "unless-stopped");
}

TEST(BuildReplacement, AColorPublishesItsPortsOnLoopbackAtAnyHostPortInsteadOfTheOldOnes) {
  auto change = change_to("shop-api:v2");
  change.publish_loopback = std::vector<int>{8000, 8001};
  auto r = build_replacement(old_container(), old_image(), change);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const json& host = r->create_body["HostConfig"];
  // The old container keeps 0.0.0.0:8080; the color cannot take it too.
  EXPECT_EQ(host["PortBindings"], json::parse(R"({"8000/tcp":[{"HostIp":"127.0.0.1","HostPort":""}],
                                                  "8001/tcp":[{"HostIp":"127.0.0.1","HostPort":""}]})"));
  EXPECT_EQ(host["PublishAllPorts"], false);
  EXPECT_TRUE(r->create_body["ExposedPorts"].contains("8001/tcp"));

  change.publish_loopback = std::vector<int>{};  // nginx reaches the color on its network
  r = build_replacement(old_container(), old_image(), change);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->create_body["HostConfig"]["PortBindings"], json::object());

  change.publish_loopback = std::vector<int>{70000};
  r = build_replacement(old_container(), old_image(), change);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("70000"), std::string::npos);
}

TEST(BuildReplacement, NetworksKeepAliasesButNotTheContainerId) {
  auto r = build_replacement(old_container(), old_image(), change_to("shop-api:v2"));
  ASSERT_TRUE(r.ok());
  // The primary network (HostConfig.NetworkMode) at create, the other after.
  const json& endpoints = r->create_body["NetworkingConfig"]["EndpointsConfig"];
  ASSERT_EQ(endpoints.size(), 1U);
  EXPECT_EQ(endpoints["shop_default"], json::parse(R"({"Aliases":["shop-api-1","api"]})"));
  ASSERT_EQ(r->extra_networks.size(), 1U);
  EXPECT_EQ(r->extra_networks[0].first, "shop_backend");
  EXPECT_EQ(r->extra_networks[0].second,
            json::parse(R"({"Aliases":["api"],"IPAMConfig":{"IPv4Address":"172.30.0.10"}})"));
}

TEST(BuildReplacement, WithoutTheOldImageEverythingIsKept) {
  const auto old = old_container();
  auto r = build_replacement(old, std::nullopt, change_to("shop-api:v2"));
  ASSERT_TRUE(r.ok());
  const json& body = r->create_body;
  EXPECT_EQ(body["Env"], json({"LOG_LEVEL=debug", "DB=postgres://db/shop", "IMGVAR=fromimage",
                               "PATH=/usr/bin:/bin", "NEW_FLAG=on"}));
  EXPECT_EQ(body["Labels"]["org.opencontainers.image.version"], "1");
  EXPECT_EQ(body["Volumes"], json({{"/data", json::object()}}));
}

TEST(BuildReplacement, ImageCommandIsLeftToTheNewImage) {
  auto old = old_container();
  old.config["Cmd"] = json({"/app"});  // the image's own
  auto r = build_replacement(old, old_image(), change_to("shop-api:v2"));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->create_body.contains("Cmd"));
}

TEST(BuildReplacement, OwnEntrypointKeepsItsCommand) {
  auto old = old_container();
  old.config["Entrypoint"] = json({"/tini", "--"});
  old.config["Cmd"] = json({"/app"});  // equal to the image's, but the entrypoint is ours
  auto r = build_replacement(old, old_image(), change_to("shop-api:v2"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->create_body["Entrypoint"], json({"/tini", "--"}));
  EXPECT_EQ(r->create_body["Cmd"], json({"/app"}));
}

TEST(BuildReplacement, ComposeAnonymousVolumeMountGetsTheOldVolume) {
  auto old = old_container();
  old.host_config["Mounts"] = json::parse(R"([{"Type":"volume","Target":"/data"}])");
  auto r = build_replacement(old, old_image(), change_to("shop-api:v2"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->create_body["HostConfig"]["Mounts"],
            json::parse(R"([{"Type":"volume","Target":"/data",
                            "Source":"4e9c23af61cc13762a4961b2ab66375022cb8e2385f99d1725dfd8c2a3c91610"}])"));
}

TEST(BuildReplacement, HostNetworkHasNoEndpoints) {
  auto old = old_container();
  old.network_mode = "host";
  old.host_config["NetworkMode"] = "host";
  old.network_settings_networks = json::parse(R"({"host":{"Aliases":null}})");
  auto r = build_replacement(old, old_image(), change_to("shop-api:v2"));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->create_body.contains("NetworkingConfig"));
  EXPECT_TRUE(r->extra_networks.empty());
  EXPECT_EQ(r->create_body["HostConfig"]["NetworkMode"], "host");
}

TEST(BuildReplacement, RefusesNoImageAndBadEnvNames) {
  auto change = change_to("");
  EXPECT_EQ(build_replacement(old_container(), old_image(), change).error().kind,
            model::ErrorKind::kInvalidSpec);
  change = change_to("a:1");
  change.env["A=B"] = "x";
  EXPECT_FALSE(build_replacement(old_container(), old_image(), change).ok());
  auto broken = old_container();
  broken.host_config = nullptr;
  EXPECT_FALSE(build_replacement(broken, old_image(), change_to("a:1")).ok());
}

TEST(ApplyManagedEnv, Table) {
  const std::vector<std::string> current = {"A=1", "B=2", "C=3"};
  EXPECT_EQ(apply_managed_env(current, "", {}), current);
  EXPECT_EQ(apply_managed_env(current, "B", {}), (std::vector<std::string>{"A=1", "C=3"}));
  EXPECT_EQ(apply_managed_env(current, " B , C ,", {{"C", "9"}}),
            (std::vector<std::string>{"A=1", "C=9"}));
  EXPECT_EQ(apply_managed_env(current, "", {{"Z", "1"}, {"D", "4"}}),
            (std::vector<std::string>{"A=1", "B=2", "C=3", "D=4", "Z=1"}));
  EXPECT_EQ(apply_managed_env({"A=1", "A=2", "FLAG"}, "", {{"A", "x"}}),
            (std::vector<std::string>{"A=x", "FLAG"}));
  // Not listed as managed: an unmanaged variable is never removed.
  EXPECT_EQ(apply_managed_env(current, "X,Y", {}), current);
}

TEST(ContainerAddress, PublishedPortOnLoopback) {
  auto c = old_container();
  EXPECT_EQ(*container_address(c, 8000), "127.0.0.1:8080");
  c.ports["8000/tcp"] = {{"::", "8081"}};
  EXPECT_EQ(*container_address(c, 8000), "[::1]:8081");
  c.ports["8000/tcp"] = {{"10.1.2.3", "8082"}};
  EXPECT_EQ(*container_address(c, 8000), "10.1.2.3:8082");
}

TEST(ContainerAddress, ElseTheAddressOnThePrimaryNetwork) {
  auto c = old_container();
  EXPECT_EQ(*container_address(c, 9000), "172.20.0.2:9000");  // exposed, not published
  EXPECT_EQ(*container_address(c, 5432), "172.20.0.2:5432");
  c.network_mode = "other";
  EXPECT_EQ(*container_address(c, 5432), "172.30.0.10:5432");  // first with an address
  c.networks.clear();
  auto none = container_address(c, 5432);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().kind, model::ErrorKind::kTransient);
}

// `network_mode: host` (a compose service on the host's network stack): the
// Engine shows no published port and no address ("host": {"IPAddress": ""});
// the service listens on the host, so its loopback address is the one.
TEST(ContainerAddress, OnTheHostNetworkTheHostsLoopback) {
  auto c = old_container();
  c.ports.clear();
  c.network_mode = "host";
  c.networks = {NetworkAttachment{}};
  c.networks.front().name = "host";
  auto a = container_address(c, 8123);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(*a, "127.0.0.1:8123");
}

TEST(ToInstance, ExecutorsView) {
  const auto i = to_instance(old_container());
  EXPECT_EQ(i.name, "shop-api-1");
  EXPECT_EQ(i.image, model::ImageRef("shop-api:v1"));
  EXPECT_EQ(i.env.at("LOG_LEVEL"), "info");
  EXPECT_EQ(i.env.at("DB"), "postgres://db/shop");
  EXPECT_EQ(i.labels.at("com.docker.compose.service"), "api");
  EXPECT_TRUE(i.running);
  EXPECT_EQ(i.health, execute::HealthStatus::kHealthy);
  ASSERT_TRUE(i.created.has_value());
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::seconds>(i.created->time_since_epoch()).count(),
            1795250164);
}

}  // namespace
}  // namespace rwd::docker
