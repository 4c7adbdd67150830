// Snapshots of a compose service's container: what they keep, that a
// container made from one is the container a recreate would make, their JSON
// form, and SnapshotStore's files (written only when something changed).

#include "rewind/docker/snapshot.hpp"

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rewind/docker/parse.hpp"
#include "rewind/docker/replacement.hpp"

#include "fixtures.hpp"

namespace rwd::docker {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;

ContainerInspect inspected() { return parse_container_inspect(fixtures::kInspect).value(); }
json image_config() { return parse_image_inspect(fixtures::kImage)->config; }

ServiceSnapshot snapshot_of(const ContainerInspect& c) {
  auto s = take_snapshot(c, image_config());
  EXPECT_TRUE(s.has_value());
  return s.value_or(ServiceSnapshot{});
}

execute::ContainerChange change_to(const std::string& image) {
  execute::ContainerChange change;
  change.image = model::ImageRef(image);
  change.env = {{"LOG_LEVEL", "debug"}};
  change.labels = {{"rewind.dev/revision", "3"}};
  return change;
}

TEST(Snapshot, KeepsWhatARecreateCopiesAndNotWhatTheEngineAssigned) {
  const ServiceSnapshot s = snapshot_of(inspected());
  EXPECT_EQ(s.project, "shop");
  EXPECT_EQ(s.service, "api");
  EXPECT_EQ(s.name, "shop-api-1");
  EXPECT_EQ(s.container_id, inspected().id);
  EXPECT_EQ(s.host_config["PortBindings"]["8000/tcp"][0]["HostPort"], "8080");
  EXPECT_EQ(s.host_config["RestartPolicy"]["Name"], "unless-stopped");
  EXPECT_EQ(s.config["Healthcheck"]["Test"], json({"CMD", "/app", "health"}));
  // Endpoints: aliases (less the container id) and static addresses; no
  // assigned address, endpoint id or MAC.
  EXPECT_EQ(s.networks, json::parse(R"({
    "shop_backend": {"IPAMConfig": {"IPv4Address": "172.30.0.10"}, "Aliases": ["api"]},
    "shop_default": {"Aliases": ["shop-api-1", "api"]}})"));
  ASSERT_EQ(s.mounts.size(), 2U);
  EXPECT_EQ(s.mounts[1].name, "4e9c23af61cc13762a4961b2ab66375022cb8e2385f99d1725dfd8c2a3c91610");
}

TEST(Snapshot, IsTheSameAfterTheContainerRestarted) {
  ContainerInspect restarted = inspected();
  auto& nets = restarted.network_settings_networks;
  nets["shop_default"]["IPAddress"] = "172.20.0.9";
  nets["shop_default"]["EndpointID"] = "eee";
  nets["shop_default"]["MacAddress"] = "02:42:ac:14:00:09";
  restarted.running = false;
  restarted.health = "unhealthy";
  EXPECT_EQ(snapshot_of(restarted), snapshot_of(inspected()));
}

TEST(Snapshot, NameLosesRewindsRevisionSuffix) {
  ContainerInspect c = inspected();
  c.name = "shop-api-1-rewind-r4";
  EXPECT_EQ(snapshot_of(c).name, "shop-api-1");
}

TEST(Snapshot, NoneForContainersOutsideAComposeServiceOrOneOffs) {
  ContainerInspect c = inspected();
  c.labels.erase("com.docker.compose.service");
  EXPECT_FALSE(take_snapshot(c, std::nullopt).has_value());
  c = inspected();
  c.labels["com.docker.compose.oneoff"] = "True";
  EXPECT_FALSE(take_snapshot(c, std::nullopt).has_value());
}

// The point of a snapshot: the container made from it after the original is
// gone is exactly the one a recreate of the original would have made.
TEST(Snapshot, CreatesWhatARecreateOfTheOriginalWould) {
  const ContainerInspect original = inspected();
  const auto from_original = build_replacement(original, image_config(), change_to("shop-api:v3"));
  const ServiceSnapshot s = snapshot_of(original);
  const auto from_snapshot =
      build_replacement(as_container(s), s.image_config, change_to("shop-api:v3"));
  ASSERT_TRUE(from_original.ok() && from_snapshot.ok());
  EXPECT_EQ(from_snapshot->create_body, from_original->create_body);
  EXPECT_EQ(from_snapshot->extra_networks, from_original->extra_networks);
  EXPECT_EQ(from_snapshot->create_body["Env"], json({"LOG_LEVEL=debug", "DB=postgres://db/shop"}));
}

TEST(Snapshot, JsonRoundTrip) {
  const ServiceSnapshot s = snapshot_of(inspected());
  const json j = json::parse(to_json(s).dump());
  auto back = snapshot_from_json(j, "api.json");
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, s);

  ServiceSnapshot no_image = s;
  no_image.image_config.reset();
  EXPECT_FALSE(to_json(no_image).contains("imageConfig"));
  EXPECT_EQ(*snapshot_from_json(to_json(no_image), "api.json"), no_image);
}

TEST(Snapshot, BadDocumentsNameTheFileAndTheField) {
  json j = to_json(snapshot_of(inspected()));
  j["hostConfig"] = "bridge";
  auto r = snapshot_from_json(j, "/state/containers/shop/api.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "/state/containers/shop/api.json: hostConfig: expected an object");
  j = to_json(snapshot_of(inspected()));
  j["mounts"][0]["rw"] = "yes";
  EXPECT_THAT(snapshot_from_json(j, "f").error().message, HasSubstr("f: mounts: expected a list"));
  EXPECT_FALSE(snapshot_from_json(json::array(), "f").ok());
}

class SnapshotStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("rewind-snapshots-" + std::to_string(rd()));
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  [[nodiscard]] std::string read(const fs::path& p) const {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  fs::path dir_;
};

TEST_F(SnapshotStoreTest, WritesTheFileOnlyWhenTheSnapshotChanged) {
  const ServiceSnapshot s = snapshot_of(inspected());
  SnapshotStore store(dir_);
  const fs::path file = store.file("shop", "api");
  EXPECT_EQ(file, dir_ / "shop" / "api.json");
  ASSERT_TRUE(store.keep(s).ok());
  ASSERT_TRUE(fs::exists(file));
  EXPECT_EQ(*snapshot_from_json(json::parse(read(file)), "f"), s);

  // Rewrite the file in another layout: a write would change it back.
  const std::string compact = to_json(s).dump();
  std::ofstream(file, std::ios::trunc) << compact;
  ASSERT_TRUE(store.keep(s).ok());
  EXPECT_EQ(read(file), compact) << "same snapshot: no write";

  SnapshotStore restarted(dir_);  // a new process: compares with the file
  ASSERT_TRUE(restarted.keep(s).ok());
  EXPECT_EQ(read(file), compact) << "same as on disk: no write";

  ServiceSnapshot changed = s;
  changed.host_config["RestartPolicy"]["Name"] = "always";
  ASSERT_TRUE(restarted.keep(changed).ok());
  EXPECT_NE(read(file), compact);
  EXPECT_EQ(*snapshot_from_json(json::parse(read(file)), "f"), changed);
}

TEST_F(SnapshotStoreTest, FindsWhatAnEarlierProcessKept) {
  const ServiceSnapshot s = snapshot_of(inspected());
  ASSERT_TRUE(SnapshotStore(dir_).keep(s).ok());
  SnapshotStore restarted(dir_);
  auto found = restarted.find("shop", "api");
  ASSERT_TRUE(found.ok()) << found.error().message;
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ(**found, s);
  auto none = restarted.find("shop", "worker");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST_F(SnapshotStoreTest, AnUnreadableFileIsAnErrorUntilAContainerIsSeenAgain) {
  fs::create_directories(dir_ / "shop");
  std::ofstream(dir_ / "shop" / "api.json") << "{not json";
  SnapshotStore store(dir_);
  auto found = store.find("shop", "api");
  ASSERT_FALSE(found.ok());
  EXPECT_THAT(found.error().message, HasSubstr((dir_ / "shop" / "api.json").string()));
  const ServiceSnapshot s = snapshot_of(inspected());
  ASSERT_TRUE(store.keep(s).ok());
  EXPECT_EQ(*snapshot_from_json(json::parse(read(dir_ / "shop" / "api.json")), "f"), s);
}

TEST_F(SnapshotStoreTest, WithoutADirectoryItKeepsSnapshotsInMemory) {
  SnapshotStore store({});
  EXPECT_TRUE(store.file("shop", "api").empty());
  const ServiceSnapshot s = snapshot_of(inspected());
  ASSERT_TRUE(store.keep(s).ok());
  EXPECT_EQ(**store.find("shop", "api"), s);
  EXPECT_FALSE(fs::exists(dir_));
}

TEST_F(SnapshotStoreTest, RefusesNamesThatAreNotFileNames) {
  ServiceSnapshot s = snapshot_of(inspected());
  s.project = "../etc";
  const model::Status st = SnapshotStore(dir_).keep(s);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.error().message, HasSubstr("\"../etc\""));
  EXPECT_FALSE(fs::exists(dir_ / "etc"));
}

}  // namespace
}  // namespace rwd::docker
