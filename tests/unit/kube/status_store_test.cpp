// Status and history in the status subresource of the in-memory API server.

#include "rewind/kube/status_store.hpp"

#include <gtest/gtest.h>

#include "rewind/kube/objects.hpp"

#include "fake_api.hpp"

namespace rwd::kube {
namespace {

using testing::FakeApiState;

constexpr const char* kPath = "/apis/rewind.dev/v1alpha1/namespaces/shop/releases/api";

Json release_json() {
  return Json::parse(R"({
    "apiVersion": "rewind.dev/v1alpha1", "kind": "Release",
    "metadata": {"name": "api", "namespace": "shop", "generation": 3, "uid": "u-1",
                 "resourceVersion": "7", "creationTimestamp": "2026-11-21T10:00:00Z"},
    "spec": {"target": {"kubernetes": {"deployment": "api"}}, "image": "shop/api:v2"}
  })");
}

model::History two_revisions() {
  model::History h;
  for (int n : {1, 2}) {
    model::RevisionRecord r;
    r.number = model::RevisionNumber{n};
    r.revision.image = model::ImageRef("shop/api:v" + std::to_string(n));
    r.revision.config_hash = std::string(16, '0');
    r.hash = model::RevisionHash(std::string(16, static_cast<char>('a' + n)));
    r.spec.image = r.revision.image;
    r.spec.target.kubernetes = model::KubernetesTarget{"api", "", "", ""};
    r.created_at = *model::parse_timestamp("2026-11-21T10:00:0" + std::to_string(n) + "Z");
    h.revisions.push_back(r);
  }
  return h;
}

struct StatusStoreTest : ::testing::Test {
  std::shared_ptr<FakeApiState> state = std::make_shared<FakeApiState>();
  Api api{testing::fake_cluster(), ApiOptions{}, testing::fake_factory(state)};
  KubeStatusStore store{api};
  model::ObjectKey key{"shop", "api"};

  void SetUp() override { state->objects[kPath] = release_json(); }

  model::Release read() {
    auto r = store.read_release(key);
    EXPECT_TRUE(r) << r.error().message;
    EXPECT_TRUE(r && *r);
    return r && *r ? **r : model::Release{};
  }
};

TEST_F(StatusStoreTest, ReadsTheReleaseWithItsNamespaceOnTheTarget) {
  const model::Release r = read();
  EXPECT_EQ(r.metadata.generation, 3);
  ASSERT_TRUE(r.spec.target.kubernetes);
  EXPECT_EQ(r.spec.target.kubernetes->ns, "shop");
  auto none = store.read_release({"shop", "other"});
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
}

TEST_F(StatusStoreTest, StatusAndHistoryAreWrittenWithoutLosingEachOther) {
  ASSERT_TRUE(store.save(key, two_revisions()));
  model::Release r = read();
  r.status.phase = model::ReleasePhase::kHealthy;
  r.status.current_revision = model::RevisionNumber{2};
  r.status.observed_generation = 3;
  ASSERT_TRUE(store.write(r));
  // Both are there, through the status subresource.
  const Json& obj = state->objects[kPath];
  EXPECT_EQ(obj["status"]["phase"], "Healthy");
  EXPECT_EQ(obj["status"]["currentRevision"], 2);
  ASSERT_EQ(obj["status"]["history"].size(), 2U);
  auto h = store.load(key);
  ASSERT_TRUE(h) << h.error().message;
  EXPECT_EQ(*h, two_revisions());
  EXPECT_EQ(read().status.phase, model::ReleasePhase::kHealthy);
  for (const auto& req : state->requests) {
    if (req.method == "PUT") {
      EXPECT_EQ(testing::strip_query(req.target), std::string(kPath) + "/status");
    }
  }
  // Saving the history again keeps the status.
  model::History more = two_revisions();
  more.revisions.pop_back();
  ASSERT_TRUE(store.save(key, more));
  EXPECT_EQ(state->objects[kPath]["status"]["phase"], "Healthy");
  EXPECT_EQ(state->objects[kPath]["status"]["history"].size(), 1U);
}

TEST_F(StatusStoreTest, NothingIsSentWhenNothingChanged) {
  model::Release r = read();
  r.status.phase = model::ReleasePhase::kHealthy;
  ASSERT_TRUE(store.write(r));
  const std::size_t puts = state->count("PUT");
  ASSERT_TRUE(store.write(r));
  ASSERT_TRUE(store.write(r));
  EXPECT_EQ(state->count("PUT"), puts);
  EXPECT_EQ(store.unchanged(), 2U);
  EXPECT_EQ(store.writes(), 1U);
}

TEST_F(StatusStoreTest, AConflictIsReadAgainAndRetried) {
  state->conflicts = 2;
  model::Release r = read();
  r.status.phase = model::ReleasePhase::kProgressing;
  ASSERT_TRUE(store.write(r));
  EXPECT_EQ(state->objects[kPath]["status"]["phase"], "Progressing");
  EXPECT_EQ(state->count("PUT"), 3U);
}

TEST_F(StatusStoreTest, ConflictsWithoutEndBecomeATransientError) {
  state->conflicts = 100;
  model::Release r = read();
  r.status.phase = model::ReleasePhase::kProgressing;
  auto st = store.write(r);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind, model::ErrorKind::kTransient);
  EXPECT_NE(st.error().message.find("conflicts"), std::string::npos);
  EXPECT_EQ(state->count("PUT"), static_cast<std::size_t>(kConflictRetries));
}

TEST_F(StatusStoreTest, ABrokenHistoryIsAnErrorNamingTheField) {
  state->objects[kPath]["status"]["history"] = Json::array({Json{{"number", "x"}}});
  auto h = store.load(key);
  ASSERT_FALSE(h);
  EXPECT_NE(h.error().message.find("shop/api: status.history"), std::string::npos)
      << h.error().message;
}

TEST_F(StatusStoreTest, ListsReleasesAndTheOnesWithHistory) {
  ASSERT_TRUE(store.save(key, two_revisions()));
  Json other = release_json();
  other["metadata"]["name"] = "web";
  state->objects["/apis/rewind.dev/v1alpha1/namespaces/shop/releases/web"] = other;
  auto all = store.list(history::StatusKind::kRelease);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 2U);
  auto with_history = store.list();
  ASSERT_TRUE(with_history);
  EXPECT_EQ(*with_history, (std::vector<model::ObjectKey>{{"shop", "api"}}));
}

}  // namespace
}  // namespace rwd::kube
