// DockerPlatform against an in-memory Engine: every list keeps the snapshot
// of the service's container (one image lookup per container, one write per
// change), and create_for_service makes the container again from it. While
// the event stream is up, a repeated list is served from memory until an
// event of the service or a change made through the platform.

#include "rewind/docker/platform.hpp"

#include <filesystem>
#include <random>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fake_http.hpp"
#include "fixtures.hpp"

namespace rwd::docker {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::FakeHttp;
using ::testing::HasSubstr;
using testing::reply;

const model::Target kApi = [] {
  model::Target t;
  t.docker = model::DockerTarget{"shop", "api"};
  return t;
}();

// An Engine with the fixture container (while `present`) and its image.
struct Engine {
  bool present = true;
  std::vector<http::ClientRequest> posts;

  model::Result<http::ClientResponse> answer(const http::ClientRequest& r) {
    const std::string& t = r.target;
    if (t == "/version") return reply(200, fixtures::kVersion);
    if (r.method == "POST") {
      posts.push_back(r);
      if (!present && t.ends_with("/start"))
        return reply(404, R"({"message":"No such container"})");
      if (t.rfind("/v1.41/containers/create", 0) == 0) return reply(201, R"({"Id":"f00d"})");
      return reply(200);
    }
    if (t.rfind("/v1.41/containers/json", 0) == 0) {
      return reply(200, present ? fixtures::kContainerList : "[]");
    }
    if (t.rfind("/v1.41/containers/", 0) == 0) return reply(200, fixtures::kInspect);
    if (t.rfind("/v1.41/images/", 0) == 0) return reply(200, fixtures::kImage);
    return reply(404, R"({"message":"not here"})");
  }
};

class DockerPlatformTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("rewind-platform-" + std::to_string(rd()));
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  // A platform (a new process, as far as it knows) on `engine_`.
  std::unique_ptr<DockerPlatform> platform() {
    auto fake = std::make_unique<FakeHttp>(
        [this](const http::ClientRequest& r) { return engine_.answer(r); });
    fakes_.push_back(fake.get());
    auto client = Client::connect(std::move(fake));
    EXPECT_TRUE(client.ok());
    return std::make_unique<DockerPlatform>(std::move(client.value()), DockerPlatformOptions{dir_});
  }
  // Requests for the service's container list, over every platform made.
  [[nodiscard]] int lists() const {
    int n = 0;
    for (const auto* f : fakes_) {
      for (const auto& r : f->requests)
        n += r.target.rfind("/v1.41/containers/json", 0) == 0 ? 1 : 0;
    }
    return n;
  }
  [[nodiscard]] int image_lookups() const {
    int n = 0;
    for (const auto* f : fakes_) {
      for (const auto& r : f->requests) n += r.target.rfind("/v1.41/images/", 0) == 0 ? 1 : 0;
    }
    return n;
  }

  fs::path dir_;
  Engine engine_;
  std::vector<FakeHttp*> fakes_;
};

TEST_F(DockerPlatformTest, ListKeepsTheServicesConfigurationOnceAndCreatesFromIt) {
  auto p = platform();
  ASSERT_TRUE(p->list(kApi).ok());
  const fs::path file = dir_ / "shop" / "api.json";
  ASSERT_TRUE(fs::exists(file));
  const auto written = fs::last_write_time(file);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(p->list(kApi).ok());
  EXPECT_EQ(image_lookups(), 1) << "the same container: its image is not asked for again";
  EXPECT_EQ(fs::last_write_time(file), written);

  // `docker rm -f shop-api-1`, and rewind restarts.
  engine_.present = false;
  p = platform();
  auto listed = p->list(kApi);
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty());
  execute::ContainerChange change;
  change.image = model::ImageRef("shop-api:v2");
  change.labels = {{"rewind.dev/revision", "2"}};
  auto id = p->create_for_service(kApi, change);
  ASSERT_TRUE(id.ok()) << id.error().message;
  EXPECT_EQ(*id, "f00d");
  ASSERT_EQ(engine_.posts.size(), 2U);
  EXPECT_EQ(engine_.posts[0].target, "/v1.41/containers/create?name=shop-api-1");
  const json body = json::parse(engine_.posts[0].body);
  EXPECT_EQ(body["Image"], "shop-api:v2");
  EXPECT_EQ(body["Labels"]["com.docker.compose.service"], "api");
  EXPECT_EQ(body["Labels"]["rewind.dev/revision"], "2");
  EXPECT_EQ(body["HostConfig"]["PortBindings"]["8000/tcp"][0]["HostPort"], "8080");
  EXPECT_EQ(body["NetworkingConfig"]["EndpointsConfig"]["shop_default"]["Aliases"],
            json({"shop-api-1", "api"}));
  EXPECT_EQ(engine_.posts[1].target, "/v1.41/networks/shop_backend/connect");
}

TEST_F(DockerPlatformTest, ANameInTheChangeWins) {
  auto p = platform();
  ASSERT_TRUE(p->list(kApi).ok());
  execute::ContainerChange change;
  change.image = model::ImageRef("shop-api:v2");
  change.name = "shop-api-7";
  ASSERT_TRUE(p->create_for_service(kApi, change).ok());
  EXPECT_EQ(engine_.posts[0].target, "/v1.41/containers/create?name=shop-api-7");
}

TEST_F(DockerPlatformTest, NeverSeenSaysWhatToRunAndWhereItLooked) {
  engine_.present = false;
  auto p = platform();
  ASSERT_TRUE(p->list(kApi).ok());
  execute::ContainerChange change;
  change.image = model::ImageRef("shop-api:v2");
  auto id = p->create_for_service(kApi, change);
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.error().kind, model::ErrorKind::kTerminal);
  EXPECT_THAT(id.error().message, HasSubstr("no container of compose service shop/api exists"));
  EXPECT_THAT(id.error().message, HasSubstr((dir_ / "shop" / "api.json").string()));
  EXPECT_THAT(id.error().message, HasSubstr("`docker compose up -d api`"));
  EXPECT_TRUE(engine_.posts.empty());
  EXPECT_FALSE(fs::exists(dir_));
}

TEST_F(DockerPlatformTest, StartingAContainerRemovedSinceTheListIsTransient) {
  auto p = platform();
  engine_.present = false;  // `docker rm -f` between the list and the start
  const model::Status st = p->start("ee8d5d32aa85");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind, model::ErrorKind::kTransient) << "a new list sorts it out";
  EXPECT_THAT(st.error().message, HasSubstr("removed since it was listed"));
}

// ---- the cache of listed containers, current while the event stream is up -----

TEST_F(DockerPlatformTest, WithoutTheEventStreamEveryListAsksTheEngine) {
  auto p = platform();
  ASSERT_TRUE(p->list(kApi).ok());
  ASSERT_TRUE(p->list(kApi).ok());
  EXPECT_EQ(lists(), 2);
  EXPECT_EQ(p->cache_hits(), 0U);
}

TEST_F(DockerPlatformTest, WhileEventsFlowARepeatedListIsServedFromMemory) {
  auto p = platform();
  p->events_up();
  const auto first = p->list(kApi);
  ASSERT_TRUE(first.ok());
  for (int i = 0; i < 5; ++i) {
    const auto again = p->list(kApi);
    ASSERT_TRUE(again.ok());
    ASSERT_EQ(again->size(), first->size());
    EXPECT_EQ((*again)[0].id, (*first)[0].id);
    EXPECT_EQ((*again)[0].image.value(), (*first)[0].image.value());
  }
  EXPECT_EQ(lists(), 1);
  EXPECT_EQ(p->cache_hits(), 5U);
}

TEST_F(DockerPlatformTest, AnEventOfTheServiceMakesTheNextListAskAgain) {
  auto p = platform();
  p->events_up();
  ASSERT_TRUE(p->list(kApi).ok());
  p->container_event("shop", "worker");  // another service: no effect
  ASSERT_TRUE(p->list(kApi).ok());
  EXPECT_EQ(lists(), 1);
  engine_.present = false;  // `docker rm -f`, and its destroy event
  p->container_event("shop", "api");
  const auto after = p->list(kApi);
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->empty()) << "the removal is seen";
  EXPECT_EQ(lists(), 2);
}

TEST_F(DockerPlatformTest, AChangeMadeThroughThePlatformMakesTheNextListAskAgain) {
  auto p = platform();
  p->events_up();
  ASSERT_TRUE(p->list(kApi).ok());
  ASSERT_TRUE(p->stop("ee8d5d32aa85", std::chrono::seconds(1)).ok());
  ASSERT_TRUE(p->list(kApi).ok());
  ASSERT_TRUE(p->rename("ee8d5d32aa85", "old").ok());
  ASSERT_TRUE(p->list(kApi).ok());
  EXPECT_EQ(lists(), 3);
}

TEST_F(DockerPlatformTest, ABrokenEventStreamTurnsTheCacheOff) {
  auto p = platform();
  p->events_up();
  ASSERT_TRUE(p->list(kApi).ok());
  p->events_down();  // events may be missed from now on
  engine_.present = false;
  const auto after = p->list(kApi);
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->empty());
  ASSERT_TRUE(p->list(kApi).ok());
  EXPECT_EQ(lists(), 3);
  p->events_up();  // back: lists again once, then from memory
  ASSERT_TRUE(p->list(kApi).ok());
  ASSERT_TRUE(p->list(kApi).ok());
  EXPECT_EQ(lists(), 4);
}

TEST_F(DockerPlatformTest, ImagePresenceIsKeptUntilAnImageEvent) {
  auto p = platform();
  const model::ImageRef image("shop/api:1.4.2");
  ASSERT_TRUE(*p->image_present(image));
  ASSERT_TRUE(*p->image_present(image));
  EXPECT_EQ(image_lookups(), 2) << "no event stream: asked each time";
  p->events_up();
  ASSERT_TRUE(*p->image_present(image));
  ASSERT_TRUE(*p->image_present(image));
  EXPECT_EQ(image_lookups(), 3);
  p->image_event();  // e.g. `docker rmi`
  ASSERT_TRUE(*p->image_present(image));
  EXPECT_EQ(image_lookups(), 4);
  p->container_event("shop", "api");  // a container event leaves images alone
  ASSERT_TRUE(*p->image_present(image));
  EXPECT_EQ(image_lookups(), 4);
}

TEST_F(DockerPlatformTest, AListRacingAnEventIsNotKept) {
  // The event arrives while the Engine answers the list: what was listed may
  // predate it, so it is served once but not kept.
  std::unique_ptr<DockerPlatform> p;
  bool fire = true;
  auto fake = std::make_unique<FakeHttp>([&](const http::ClientRequest& r) {
    if (fire && r.target.rfind("/v1.41/containers/json", 0) == 0) {
      fire = false;
      p->container_event("shop", "api");
    }
    return engine_.answer(r);
  });
  fakes_.push_back(fake.get());
  auto client = Client::connect(std::move(fake));
  ASSERT_TRUE(client.ok());
  p = std::make_unique<DockerPlatform>(std::move(client.value()), DockerPlatformOptions{dir_});
  p->events_up();
  ASSERT_TRUE(p->list(kApi).ok());
  ASSERT_TRUE(p->list(kApi).ok());
  ASSERT_TRUE(p->list(kApi).ok());
  EXPECT_EQ(lists(), 2) << "the second list asked again, the third was served from memory";
}

}  // namespace
}  // namespace rwd::docker
