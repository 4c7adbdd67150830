// DockerLabelSource against an in-memory container list and a real Store.

#include "rewind/source/docker_label_source.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "source/docker_label_fixtures.hpp"

namespace rwd::source {
namespace {

using testing::compose;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct World {
  std::vector<LabelledContainer> containers;
  std::optional<model::Error> list_error;
  int lists = 0;
  std::map<model::ObjectKey, model::Release> stored;
  std::optional<model::Error> stored_error;
  runtime::Store store;
  std::vector<runtime::Event> events;
  std::vector<std::vector<model::Diagnostic>> reported;
  DockerLabelSource source{
      [this]() -> model::Result<std::vector<LabelledContainer>> {
        ++lists;
        if (list_error) return *list_error;
        return containers;
      },
      [this](const model::ObjectKey& k) -> model::Result<std::optional<model::Release>> {
        if (stored_error) return *stored_error;
        auto it = stored.find(k);
        return it == stored.end() ? std::nullopt : std::optional(it->second);
      },
      store};

  World() {
    store.subscribe([this](const runtime::Event& e) { events.push_back(e); });
    source.on_diagnostics(
        [this](const std::vector<model::Diagnostic>& d) { reported.push_back(d); });
  }

  void resync() {
    const auto st = source.resync();
    ASSERT_TRUE(st.ok()) << st.error().message;
  }
  [[nodiscard]] std::shared_ptr<const model::Release> release(
      const std::string& ns = "shop", const std::string& name = "api") const {
    return store.get_release({ns, name});
  }
  [[nodiscard]] std::string image(const std::string& ns = "shop",
                                  const std::string& name = "api") const {
    auto r = release(ns, name);
    return r ? r->spec.image.value() : "<none>";
  }
  [[nodiscard]] std::vector<std::string> diagnostics() const {
    std::vector<std::string> out;
    for (const auto& d : source.diagnostics()) out.push_back(d.str());
    return out;
  }
};

TEST(DockerLabelSource, OneReleasePerLabelledComposeService) {
  World w;
  w.containers = {compose("shop-api-1").image("rewind-demo:v2").created(1),
                  compose("shop-web-1", "shop", "web")
                      .image("rewind-demo:v1")
                      .label(docker_label::kRelease, "web")
                      .created(2)};
  EXPECT_FALSE(w.source.has_synced());
  w.resync();
  EXPECT_TRUE(w.source.has_synced());
  EXPECT_EQ(w.image(), "rewind-demo:v2");
  EXPECT_EQ(w.image("shop", "web"), "rewind-demo:v1");
  const auto entry = w.store.get(runtime::release_ref("shop", "api"));
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->source, "docker-labels");
  EXPECT_EQ(entry->origin, "docker:shop-api-1");
  EXPECT_EQ(w.source.stats().releases, 2U);
  EXPECT_TRUE(w.diagnostics().empty());
}

TEST(DockerLabelSource, UnchangedRenamedOrRestartedContainersChangeNothing) {
  World w;
  w.containers = {compose("shop-api-1").created(1)};
  w.resync();
  ASSERT_EQ(w.events.size(), 1U);
  w.resync();
  w.containers[0].name = "3f2a_shop-api-1";  // compose renames while it recreates
  w.containers[0].running = false;
  w.resync();
  // Recreated with the same spec (docker compose up --force-recreate).
  w.containers = {compose("shop-api-1").id("other").created(7)};
  w.resync();
  EXPECT_EQ(w.events.size(), 1U) << "idle: no store change, so no reconcile";
}

TEST(DockerLabelSource, TheNewestComposeContainerDefinesTheDesiredState) {
  World w;
  w.containers = {compose("shop-api-1").image("rewind-demo:v2").created(1)};
  w.resync();
  w.containers.push_back(compose("shop-api-1").id("v3").image("rewind-demo:v3").created(2));
  w.resync();
  EXPECT_EQ(w.image(), "rewind-demo:v3");
  ASSERT_EQ(w.events.size(), 2U);
  EXPECT_EQ(w.events[1].type, runtime::EventType::kModified);
}

TEST(DockerLabelSource, ContainersRewindCreatedKeepTheDesiredState) {
  World w;
  w.containers = {compose("shop-api-1").image("rewind-demo:v3").created(2)};
  w.resync();
  // rewind rolled back: its v2 replacement runs, the v3 container is stopped, then removed.
  w.containers = {compose("shop-api-1-rewind-r1").image("rewind-demo:v2").by_rewind(1).created(3),
                  compose("shop-api-1").image("rewind-demo:v3").stopped().created(2)};
  w.resync();
  EXPECT_EQ(w.image(), "rewind-demo:v3");
  w.containers = {compose("shop-api-1").image("rewind-demo:v2").by_rewind(1).created(3)};
  w.resync();
  EXPECT_EQ(w.image(), "rewind-demo:v3") << "the failed revision stays desired";
  EXPECT_EQ(w.events.size(), 1U);
}

TEST(DockerLabelSource, AfterARestartTheReleaseRewindStoredIsTheDesiredState) {
  World w;
  model::Release stored = *read_release_labels(compose("x").image("rewind-demo:v3").get()).release;
  stored.metadata.generation = 4;
  stored.metadata.uid = "u";
  stored.status.phase = model::ReleasePhase::kRolledBack;
  w.stored[{"shop", "api"}] = stored;
  w.containers = {compose("shop-api-1").image("rewind-demo:v2").by_rewind(1).created(3)};
  w.resync();
  auto r = w.release();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->spec, stored.spec);
  EXPECT_EQ(r->metadata.generation, 0) << "the reconciler derives it";
  EXPECT_EQ(r->status, model::ReleaseStatus{}) << "the source gives the spec only";
  EXPECT_EQ(r->metadata.annotations.at("rewind.dev/source"), "docker-labels");
}

TEST(DockerLabelSource, ServicesOfReleasesFromFilesAreNotLabelledServices) {
  // rewind labels the containers it creates for a Release from a file too
  // (rewind.dev/release: shop/api, rewind.dev/revision): the service stays
  // the file's, and is forgotten with it.
  World w;
  const LabelledContainer replacement =
      compose("shop-api-1").image("rewind-demo:v2").by_rewind(1).created(3);
  w.containers = {replacement};
  w.resync();
  EXPECT_FALSE(w.release()) << "nothing stored";

  model::Release file = *read_release_labels(compose("x").image("rewind-demo:v2").get()).release;
  file.metadata.annotations.clear();
  w.stored[{"shop", "api"}] = file;
  w.resync();
  EXPECT_FALSE(w.release()) << "stored, but from a file";

  // A Release from labels stored for another service under the same key is not this one's.
  World other;
  other.stored[{"shop", "api"}] =
      *read_release_labels(compose("x", "shop", "db").image("pg:16").get()).release;
  other.containers = {replacement};
  other.resync();
  EXPECT_FALSE(other.release());
  EXPECT_TRUE(w.diagnostics().empty());
  EXPECT_TRUE(other.diagnostics().empty());
  EXPECT_TRUE(w.events.empty());
}

TEST(DockerLabelSource, AnUnreadableStateNeverTurnsWhatRunsIntoTheDesiredState) {
  World w;
  w.stored_error = model::Error::transient("status/shop/releases/api.json: permission denied");
  w.containers = {compose("shop-api-1").by_rewind(1).created(3)};
  w.resync();
  EXPECT_FALSE(w.release());
  EXPECT_THAT(w.diagnostics(),
              ElementsAre("container shop-api-1: label rewind.dev/release: cannot read the "
                          "Release rewind stored for shop/api: status/shop/releases/api.json: "
                          "permission denied"));
}

TEST(DockerLabelSource, BrokenLabelsKeepTheLastGoodRelease) {
  World w;
  w.containers = {compose("shop-api-1").image("rewind-demo:v2").created(1)};
  w.resync();
  w.containers.push_back(compose("shop-api-1")
                             .id("v3")
                             .image("rewind-demo:v3")
                             .label(docker_label::kHealthPort, "80x")
                             .created(2));
  w.resync();
  EXPECT_EQ(w.image(), "rewind-demo:v2");
  EXPECT_THAT(w.diagnostics(), ElementsAre("container shop-api-1: label rewind.dev/health-port: "
                                           "\"80x\" is not a port (1..65535)"));
  ASSERT_FALSE(w.reported.empty());
  EXPECT_EQ(w.reported.back().size(), 1U);
  const std::size_t reports = w.reported.size();
  w.resync();
  EXPECT_EQ(w.reported.size(), reports) << "reported when the set changes, not on every resync";

  // Fixed: the diagnostics clear and the new spec is read.
  w.containers[1].labels[docker_label::kHealthPort] = "8080";
  w.resync();
  EXPECT_EQ(w.image(), "rewind-demo:v3");
  EXPECT_TRUE(w.diagnostics().empty());
  EXPECT_TRUE(w.reported.back().empty());
}

TEST(DockerLabelSource, ABrokenServiceFromItsFirstSightProvidesNothing) {
  World w;
  w.containers = {compose("shop-api-1").label(docker_label::kStrategy, "Canary").created(1)};
  w.resync();
  EXPECT_FALSE(w.release());
  EXPECT_THAT(w.diagnostics(), ElementsAre(HasSubstr("label rewind.dev/strategy: \"Canary\"")));
}

TEST(DockerLabelSource, ComposeDownForgetsTheRelease) {
  World w;
  w.containers = {compose("shop-api-1").created(1)};
  w.resync();
  w.containers.clear();
  w.resync();
  EXPECT_FALSE(w.release());
  ASSERT_EQ(w.events.size(), 2U);
  EXPECT_EQ(w.events[1].type, runtime::EventType::kDeleted);
  // Coming back later is a new first sight.
  w.containers = {compose("shop-api-1").created(5)};
  w.resync();
  EXPECT_TRUE(w.release());
}

TEST(DockerLabelSource, OnlyItsOwnStoreEntriesAreTouched) {
  World w;
  model::Release file =
      *read_release_labels(compose("x", "shop", "db").image("pg:16").get()).release;
  file.metadata.name = "db";
  (void)w.store.apply(runtime::Event::upsert("directory:/srv/releases", file, "db.yaml"));
  model::Release same_key = file;
  same_key.metadata.name = "api";
  (void)w.store.apply(runtime::Event::upsert("directory:/srv/releases", same_key, "api.yaml"));
  w.containers = {compose("shop-api-1").created(1)};
  w.resync();
  w.containers.clear();
  w.resync();
  EXPECT_TRUE(w.store.get_release({"shop", "db"}));
  ASSERT_TRUE(w.release());
  EXPECT_EQ(w.image(), "pg:16") << "the file's Release is left alone";

  w.containers = {compose("shop-api-1").created(1)};
  w.resync();
  EXPECT_EQ(w.image(), "pg:16") << "the file holds the name";
  EXPECT_THAT(w.diagnostics(),
              ElementsAre("container shop-api-1: label rewind.dev/release: Release shop/api from "
                          "docker-labels (docker:shop-api-1) is already defined by "
                          "directory:/srv/releases (api.yaml)"));
}

TEST(DockerLabelSource, TwoServicesNamingOneReleaseTheFirstKeepsIt) {
  World w;
  w.containers = {compose("shop-api-1").image("rewind-demo:v1").created(1),
                  compose("shop-web-1", "shop", "web").image("rewind-demo:v2").created(2)};
  w.resync();
  EXPECT_EQ(w.image(), "rewind-demo:v1");
  EXPECT_THAT(w.diagnostics(),
              ElementsAre("container shop-web-1: label rewind.dev/release: Release shop/api is "
                          "already defined by compose service shop/api"));
}

TEST(DockerLabelSource, AFailedListChangesNothing) {
  World w;
  w.list_error = model::Error::transient("docker: connection refused");
  EXPECT_FALSE(w.source.resync().ok());
  EXPECT_FALSE(w.source.has_synced());
  w.list_error.reset();
  w.containers = {compose("shop-api-1").created(1)};
  w.resync();
  w.list_error = model::Error::transient("docker: connection refused");
  EXPECT_FALSE(w.source.resync().ok());
  EXPECT_TRUE(w.release()) << "the Engine being away is not compose down";
  EXPECT_EQ(w.source.stats().failed_resyncs, 2U);
}

TEST(DockerLabelSource, CreateDestroyAndRenameOfLabelledContainersResync) {
  World w;
  auto event = [](std::string action, bool labelled) {
    docker::Event e;
    e.type = "container";
    e.action = std::move(action);
    e.id = "abc";
    if (labelled) e.attributes[docker_label::kRelease] = "api";
    return e;
  };
  w.containers = {compose("shop-api-1").created(1)};
  EXPECT_TRUE(w.source.on_event(event("create", true)));
  EXPECT_TRUE(w.release());
  EXPECT_TRUE(w.source.on_event(event("rename", true)));
  EXPECT_FALSE(w.source.on_event(event("start", true)));
  EXPECT_FALSE(w.source.on_event(event("health_status: healthy", true)));
  EXPECT_FALSE(w.source.on_event(event("create", false)));
  docker::Event image = event("delete", true);
  image.type = "image";
  EXPECT_FALSE(w.source.on_event(image));
  EXPECT_EQ(w.lists, 2);
  w.containers.clear();
  EXPECT_TRUE(w.source.on_event(event("destroy", true)));
  EXPECT_FALSE(w.release());
  EXPECT_EQ(w.source.stats().events, 3U);
}

}  // namespace
}  // namespace rwd::source
