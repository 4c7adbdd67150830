// to_labelled: an inspected container as the label source reads it.

#include "rewind/source/docker_container_lister.hpp"

#include <gtest/gtest.h>

namespace rwd::source {
namespace {

TEST(ToLabelled, EnvironmentLessWhatTheImageSetsPortsAndCreationTime) {
  docker::ContainerInspect c;
  c.id = "0123456789abcdef";
  c.name = "shop-api-1";
  c.image = "rewind-demo:v2";
  c.image_id = "sha256:aa";
  c.created = "2026-11-21T08:00:01.250000000Z";
  c.running = true;
  c.labels = {{"rewind.dev/release", "api"}};
  c.env = {"PATH=/usr/bin", "DEMO_VERSION=v2", "DEMO_PORT=8080", "DEMO_VERSION_NOTE=x=y", "BARE"};
  c.config = nlohmann::json::parse(
      R"({"ExposedPorts": {"9090/tcp": {}, "8080/tcp": {}, "53/udp": {}, "7000": {}}})");
  const LabelledContainer l = to_labelled(c, {"PATH=/usr/bin", "DEMO_VERSION=v2"});
  EXPECT_EQ(l.id, c.id);
  EXPECT_EQ(l.name, "shop-api-1");
  EXPECT_EQ(l.image, "rewind-demo:v2");
  EXPECT_EQ(l.labels, c.labels);
  EXPECT_EQ(l.env, (std::map<std::string, std::string>{{"DEMO_PORT", "8080"},
                                                       {"DEMO_VERSION_NOTE", "x=y"}}));
  EXPECT_EQ(l.exposed_tcp_ports, (std::vector<int>{7000, 8080, 9090}));
  EXPECT_EQ(model::format_timestamp(l.created), "2026-11-21T08:00:01.250Z");
  EXPECT_TRUE(l.running);
}

TEST(ToLabelled, AVariableTheServiceOverridesIsKept) {
  docker::ContainerInspect c;
  c.env = {"DEMO_VERSION=v2-patched"};
  const LabelledContainer l = to_labelled(c, {"DEMO_VERSION=v2"});
  EXPECT_EQ(l.env.at("DEMO_VERSION"), "v2-patched");
}

}  // namespace
}  // namespace rwd::source
