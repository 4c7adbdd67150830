// Which container is which color or track, from labels and router weights.

#include "rewind/execute/colors.hpp"

#include <gtest/gtest.h>

#include "rewind/router/memory_router.hpp"

#include "execute/fake_platform.hpp"

namespace rwd::execute::testing {
namespace {

using reconcile::Color;

TEST(Colors, NamesDropTheSuffixesOfTheContainerTheyComeFrom) {
  EXPECT_EQ(color_container_name("shop-api-1", Color::kGreen), "shop-api-1-green");
  EXPECT_EQ(color_container_name("shop-api-1-green", Color::kBlue), "shop-api-1-blue");
  EXPECT_EQ(color_container_name("shop-api-1-rewind-r4", Color::kBlue), "shop-api-1-blue");
  EXPECT_EQ(color_container_name("green", Color::kBlue), "green-blue")
      << "a name is not only a suffix";
}

TEST(Colors, TheComposeContainerCountsAsBlueAndUnknownLabelsAsNeither) {
  Instance compose;
  Instance green;
  green.labels[label::kColor] = "green";
  Instance odd;
  odd.labels[label::kColor] = "purple";
  EXPECT_TRUE(in_color(compose, Color::kBlue));
  EXPECT_FALSE(in_color(compose, Color::kGreen));
  EXPECT_TRUE(in_color(green, Color::kGreen));
  EXPECT_FALSE(in_color(odd, Color::kBlue));
  EXPECT_FALSE(in_color(odd, Color::kGreen));
}

TEST(Colors, TheActiveColorIsTheHeaviestBlueOrGreenBackend) {
  EXPECT_EQ(active_color({}), std::nullopt);
  EXPECT_EQ(active_color({{"blue", "a:1", 0}, {"green", "b:1", 100}}), Color::kGreen);
  EXPECT_EQ(active_color({{"blue", "a:1", 90}, {"green", "b:1", 10}}), Color::kBlue);
  EXPECT_EQ(active_color({{"stable", "a:1", 100}}), std::nullopt);
}

TEST(Colors, TheTrafficPortIsTheStrategysElseTheHealthChecks) {
  model::ReleaseSpec spec;
  EXPECT_EQ(traffic_port(spec), 0);
  spec.health_check = model::HealthCheckSpec{};
  spec.health_check->http = model::HttpCheck{"/health", 8080, "http"};
  EXPECT_EQ(traffic_port(spec), 8080);
  spec.strategy.type = model::StrategyType::kBlueGreen;
  spec.strategy.blue_green = model::BlueGreenSpec{};
  spec.strategy.blue_green->port = 9000;
  EXPECT_EQ(traffic_port(spec), 9000);
}

TEST(CanaryTracks, TheRoutersAddressesSayWhichIsStableEvenWhenTheCanaryIsOlder) {
  FakePlatform platform;
  platform.add("new-one", "demo:v2", true, {{label::kRevision, "2"}});
  platform.add("old-one", "demo:v1", true, {{label::kRevision, "1"}});
  router::InMemoryRouter router;
  model::Release r;
  r.metadata.name = "api";
  r.metadata.ns = "shop";
  r.spec.health_check = model::HealthCheckSpec{};
  r.spec.health_check->http = model::HttpCheck{"/health", 8080, "http"};
  std::vector<Instance> all;
  for (const auto& [id, i] : platform.containers) all.push_back(i);

  // No weights yet: the oldest revision is the stable track.
  auto before = canary_tracks(platform, router, r, all);
  ASSERT_TRUE(before.ok());
  ASSERT_NE(before->stable, nullptr);
  EXPECT_EQ(before->stable->name, "old-one");
  ASSERT_NE(before->canary, nullptr);
  EXPECT_EQ(before->canary->name, "new-one");
  EXPECT_EQ(before->canary_weight, 0);

  // A rollback made v1 the canary of a stable v2: the router decides.
  ASSERT_TRUE(router
                  .set_weights({"shop", "api"},
                               {{"stable", "new-one:8080", 75}, {"canary", "old-one:8080", 25}})
                  .ok());
  auto after = canary_tracks(platform, router, r, all);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->stable->name, "new-one");
  EXPECT_EQ(after->canary->name, "old-one");
  EXPECT_EQ(after->canary_weight, 25);
}

}  // namespace
}  // namespace rwd::execute::testing
