#include "rewind/runtime/store.hpp"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "objects.hpp"

namespace rwd::runtime {
namespace {

using testing::image_of;
using testing::release;
using testing::rollback;

constexpr const char* kDir = "directory:/srv";
constexpr const char* kDocker = "docker-labels";

// Records the events a store delivers, as "added Release/shop/api app:1 @3".
struct Recorder {
  std::vector<std::string> seen;
  void operator()(const Event& e) {
    std::string s = std::string(to_string(e.type)) + " " + e.ref.str();
    if (e.object && e.ref.kind == Kind::kRelease) s += " " + image_of(*e.object);
    s += " @" + std::to_string(e.version);
    seen.push_back(s);
  }
};

TEST(Store, UpsertAddsThenModifiesAndSkipsNoOps) {
  Store store;
  Recorder rec;
  store.subscribe([&](const Event& e) { rec(e); });

  auto r1 = store.apply(Event::upsert(kDir, release("api", "app:1"), "/srv/api.yaml"));
  ASSERT_TRUE(r1.event);
  EXPECT_EQ(r1.event->type, EventType::kAdded);
  EXPECT_FALSE(r1.conflict);

  EXPECT_FALSE(store.apply(Event::upsert(kDir, release("api", "app:1"), "/srv/api.yaml")).event);
  auto r3 = store.apply(Event::upsert(kDir, release("api", "app:2"), "/srv/api.yaml"));
  ASSERT_TRUE(r3.event);
  EXPECT_EQ(r3.event->type, EventType::kModified);
  // Same object from another file is a change: relative paths resolve elsewhere.
  EXPECT_TRUE(store.apply(Event::upsert(kDir, release("api", "app:2"), "/srv/b.yaml")).event);

  EXPECT_THAT(rec.seen, ::testing::ElementsAre("added Release/shop/api app:1 @1",
                                               "modified Release/shop/api app:2 @2",
                                               "modified Release/shop/api app:2 @3"));
  EXPECT_EQ(store.version(), 3U);
  auto entry = store.get(release_ref("shop", "api"));
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->origin, "/srv/b.yaml");
  EXPECT_EQ(entry->source, kDir);
  EXPECT_EQ(entry->version, 3U);
}

TEST(Store, DeleteCarriesTheLastObjectAndIgnoresWhatIsNotThere) {
  Store store;
  (void)store.apply(Event::upsert(kDir, release("api", "app:7")));
  auto del = store.apply(Event::deletion(kDir, release_ref("shop", "api")));
  ASSERT_TRUE(del.event);
  EXPECT_EQ(del.event->type, EventType::kDeleted);
  ASSERT_TRUE(del.event->object);
  EXPECT_EQ(image_of(*del.event->object), "app:7");
  EXPECT_FALSE(store.get(release_ref("shop", "api")));
  EXPECT_FALSE(store.apply(Event::deletion(kDir, release_ref("shop", "api"))).event);
  EXPECT_EQ(store.size(), 0U);
}

TEST(Store, ListOfAKindHasExactlyThatKindInOrder) {
  Store store;
  for (const char* name : {"zeta", "alpha", "mid"}) {
    (void)store.apply(Event::upsert(kDir, release(name)));
  }
  for (const char* name : {"b-undo", "a-undo"}) {
    (void)store.apply(Event::upsert(kDir, rollback(name, "alpha")));
  }
  std::vector<std::string> releases;
  for (const auto& e : store.list(Kind::kRelease)) releases.push_back(e.ref.str());
  std::vector<std::string> rollbacks;
  for (const auto& e : store.list(Kind::kRollback)) rollbacks.push_back(e.ref.str());
  EXPECT_THAT(releases, ::testing::ElementsAre("Release/shop/alpha", "Release/shop/mid",
                                               "Release/shop/zeta"));
  EXPECT_THAT(rollbacks, ::testing::ElementsAre("Rollback/shop/a-undo", "Rollback/shop/b-undo"));
  EXPECT_TRUE(Store().list(Kind::kRollback).empty());
}

TEST(Store, KindsAreSeparateKeys) {
  Store store;
  (void)store.apply(Event::upsert(kDir, release("api")));
  (void)store.apply(Event::upsert(kDir, rollback("api", "api")));
  EXPECT_EQ(store.size(), 2U);
  EXPECT_EQ(store.list(Kind::kRelease).size(), 1U);
  EXPECT_EQ(store.list(Kind::kRollback).size(), 1U);
  ASSERT_TRUE(store.get_release({"shop", "api"}));
  EXPECT_EQ(store.get_release({"shop", "api"})->spec.image.value(), "app:1");
  ASSERT_TRUE(store.get_rollback({"shop", "api"}));
  EXPECT_EQ(store.get_rollback({"shop", "api"})->spec.release_name, "api");
  EXPECT_FALSE(store.get_release({"shop", "nope"}));
}

TEST(Store, ReplaceAllSwapsARelistInAndYieldsTheDifference) {
  Store store;
  (void)store.apply(Event::upsert(kDir, release("keep", "k:1")));
  (void)store.apply(Event::upsert(kDir, release("change", "c:1")));
  (void)store.apply(Event::upsert(kDir, release("drop", "d:1")));
  (void)store.apply(Event::upsert(kDocker, release("other", "o:1")));
  Recorder rec;
  store.subscribe([&](const Event& e) { rec(e); });

  std::vector<ReplaceItem> items;
  items.push_back({release("keep", "k:1"), ""});
  items.push_back({release("change", "c:2"), ""});
  items.push_back({release("new", "n:1"), ""});
  const ReplaceResult result = store.replace_all(kDir, std::move(items));

  EXPECT_THAT(rec.seen, ::testing::UnorderedElementsAre("deleted Release/shop/drop d:1 @5",
                                                        "modified Release/shop/change c:2 @6",
                                                        "added Release/shop/new n:1 @7"));
  EXPECT_EQ(result.events.size(), 3U);
  EXPECT_TRUE(result.conflicts.empty());
  // Another source's objects are untouched by this source's relist.
  EXPECT_TRUE(store.get(release_ref("shop", "other")));
  EXPECT_EQ(store.list_source(kDir).size(), 3U);
}

TEST(Store, ReplaceAllWithNothingDeletesEverythingOfThatSource) {
  Store store;
  (void)store.apply(Event::upsert(kDir, release("a")));
  (void)store.apply(Event::upsert(kDir, release("b")));
  EXPECT_EQ(store.replace_all(kDir, {}).events.size(), 2U);
  EXPECT_EQ(store.size(), 0U);
}

TEST(Store, TheFirstSourceOwnsARefAndTheNextTakesOverWhenItGoes) {
  Store store;
  (void)store.apply(Event::upsert(kDir, release("api", "file:1"), "/srv/api.yaml"));
  auto second = store.apply(Event::upsert(kDocker, release("api", "label:1"), "web-1"));
  EXPECT_FALSE(second.event);
  ASSERT_TRUE(second.conflict);
  EXPECT_EQ(second.conflict->message(),
            "Release shop/api from docker-labels (web-1) is already defined by "
            "directory:/srv (/srv/api.yaml)");
  EXPECT_EQ(image_of(*store.get(release_ref("shop", "api"))->object), "file:1");

  // The waiting claim still follows its source's updates, silently.
  EXPECT_FALSE(store.apply(Event::upsert(kDocker, release("api", "label:2"), "web-1")).event);

  auto gone = store.apply(Event::deletion(kDir, release_ref("shop", "api")));
  ASSERT_TRUE(gone.event);
  EXPECT_EQ(gone.event->type, EventType::kModified);
  EXPECT_EQ(gone.event->source, kDocker);
  EXPECT_EQ(image_of(*gone.event->object), "label:2");

  auto last = store.apply(Event::deletion(kDocker, release_ref("shop", "api")));
  ASSERT_TRUE(last.event);
  EXPECT_EQ(last.event->type, EventType::kDeleted);
}

TEST(Store, ReplaceAllReportsEveryWaitingClaim) {
  Store store;
  (void)store.apply(Event::upsert(kDocker, release("api")));
  std::vector<ReplaceItem> items;
  items.push_back({release("api"), "/srv/api.yaml"});
  const auto result = store.replace_all(kDir, std::move(items));
  EXPECT_TRUE(result.events.empty());
  ASSERT_EQ(result.conflicts.size(), 1U);
  EXPECT_EQ(result.conflicts[0].owner, kDocker);
  // Removing a waiting claim changes nothing visible.
  EXPECT_TRUE(store.replace_all(kDir, {}).events.empty());
  EXPECT_EQ(store.get(release_ref("shop", "api"))->source, kDocker);
}

TEST(Store, HandlersMayReadTheStore) {
  Store store;
  std::size_t seen_size = 0;
  store.subscribe([&](const Event&) { seen_size = store.size(); });
  (void)store.apply(Event::upsert(kDir, release("api")));
  EXPECT_EQ(seen_size, 1U);
}

TEST(Store, UnsubscribedHandlersHearNothing) {
  Store store;
  int calls = 0;
  const auto id = store.subscribe([&](const Event&) { ++calls; });
  (void)store.apply(Event::upsert(kDir, release("a")));
  store.unsubscribe(id);
  (void)store.apply(Event::upsert(kDir, release("b")));
  EXPECT_EQ(calls, 1);
}

TEST(ObjectRef, FormatsAndOrders) {
  EXPECT_EQ(release_ref("shop", "api").str(), "Release/shop/api");
  EXPECT_EQ(ref_of(rollback("rb", "api")).str(), "Rollback/shop/rb");
  EXPECT_LT(release_ref("shop", "api"), rollback_ref("shop", "api"));
  EXPECT_EQ(parse_kind("Rollback"), Kind::kRollback);
  EXPECT_FALSE(parse_kind("Deployment"));
}

}  // namespace
}  // namespace rwd::runtime
