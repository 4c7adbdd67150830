// PostgresStateStore against a real server: round trips, hosts kept apart,
// corrupt rows, the schema created once, no password in errors, and
// `rewind status --state <url>` listing every host.

#include "rewind/postgres/state_store.hpp"

#include <array>
#include <cstdio>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rewind/model/codec.hpp"

#include "pg_fixture.hpp"

namespace rwd::itest {
namespace {

using postgres::PostgresStateStore;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kRelease = R"(apiVersion: rewind.dev/v1alpha1
kind: Release
metadata: {name: api, namespace: shop}
spec:
  target: {docker: {project: shop, service: api}}
  image: rewind-demo:v1
  healthCheck: {http: {path: /health, port: 8080}}
)";

constexpr const char* kRollback = R"(apiVersion: rewind.dev/v1alpha1
kind: Rollback
metadata: {name: api-incident-1, namespace: shop}
spec: {releaseRef: {name: api}, to: previous}
)";

template <class T>
T parsed(const char* text) {
  const model::ParseResult r = model::parse_resources(text, "test.yaml");
  EXPECT_TRUE(r.ok());
  return std::get<T>(r.objects.at(0).object);
}

model::History history_of(int revisions) {
  model::History h;
  for (int n = 1; n <= revisions; ++n) {
    model::RevisionRecord rec;
    rec.number = model::RevisionNumber{n};
    rec.hash = model::RevisionHash{"h" + std::to_string(n)};
    rec.spec.target.docker = model::DockerTarget{"shop", "api"};
    rec.spec.image = model::ImageRef{"rewind-demo:v" + std::to_string(n)};
    rec.revision.image = rec.spec.image;
    h.revisions.push_back(rec);
  }
  return h;
}

class StateStoreTest : public PostgresTest {
 protected:
  void SetUp() override {
    query(
        "DROP TABLE IF EXISTS rewind_histories, rewind_statuses, rewind_quarantine, "
        "rewind_state_schema");
  }
  static std::unique_ptr<PostgresStateStore> open(const std::string& host) {
    auto s = PostgresStateStore::open(url(), host);
    EXPECT_TRUE(s.ok()) << s.error().message;
    return s ? std::move(*s) : nullptr;
  }
};

const model::ObjectKey kApi{"shop", "api"};

TEST_F(StateStoreTest, RoundTripsHistoryReleaseAndRollback) {
  auto store = open("web-1");
  ASSERT_TRUE(store);
  EXPECT_TRUE(store->load(kApi)->revisions.empty());
  ASSERT_TRUE(store->save(kApi, history_of(3)).ok());
  ASSERT_TRUE(store->save(kApi, history_of(2)).ok());  // replaced, not appended
  EXPECT_EQ(model::to_json(*store->load(kApi)), model::to_json(history_of(2)));

  const auto release = parsed<model::Release>(kRelease);
  const auto rollback = parsed<model::Rollback>(kRollback);
  ASSERT_TRUE(store->write(release).ok());
  ASSERT_TRUE(store->write(rollback).ok());
  auto r = store->read_release(kApi);
  ASSERT_TRUE(r.ok() && r->has_value());
  EXPECT_EQ(model::to_json(**r), model::to_json(release));
  auto rb = store->read_rollback(rollback.metadata.key());
  ASSERT_TRUE(rb.ok() && rb->has_value());
  EXPECT_EQ(model::to_json(**rb), model::to_json(rollback));

  EXPECT_EQ(*store->list(), std::vector<model::ObjectKey>{kApi});
  EXPECT_EQ(*store->list(history::StatusKind::kRelease), std::vector<model::ObjectKey>{kApi});
  ASSERT_TRUE(store->remove(kApi).ok());
  ASSERT_TRUE(store->remove(kApi).ok());  // absent: not an error
  ASSERT_TRUE(store->remove(history::StatusKind::kRelease, kApi).ok());
  EXPECT_TRUE(store->list()->empty());
  EXPECT_FALSE(store->read_release(kApi)->has_value());
}

TEST_F(StateStoreTest, TwoHostsWithTheSameKeyAreKeptApart) {
  auto a = open("web-1");
  auto b = open("web-2");
  ASSERT_TRUE(a && b);
  auto release = parsed<model::Release>(kRelease);
  ASSERT_TRUE(a->write(release).ok());
  release.spec.image = model::ImageRef{"rewind-demo:v2"};
  ASSERT_TRUE(b->write(release).ok());
  ASSERT_TRUE(a->save(kApi, history_of(1)).ok());
  EXPECT_EQ((*a->read_release(kApi))->spec.image.value(), "rewind-demo:v1");
  EXPECT_EQ((*b->read_release(kApi))->spec.image.value(), "rewind-demo:v2");
  EXPECT_TRUE(b->load(kApi)->revisions.empty());
  const std::vector<postgres::HostKey> all{{"web-1", kApi}, {"web-2", kApi}};
  EXPECT_EQ(*a->list_all_releases(), all);
  ASSERT_TRUE(b->remove(history::StatusKind::kRelease, kApi).ok());
  EXPECT_TRUE(a->read_release(kApi)->has_value());
}

TEST_F(StateStoreTest, ACorruptBodyIsAnErrorAndBlocksWritesUntilQuarantined) {
  auto store = open("web-1");
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->save(kApi, history_of(2)).ok());
  query(
      "UPDATE rewind_histories SET body = jsonb_set(body, '{revisions,1,outcome}', "
      "'\"Bogus\"') RETURNING 1");
  auto loaded = store->load(kApi);
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.error().message, HasSubstr("host web-1"));
  EXPECT_THAT(loaded.error().message, HasSubstr("shop/api"));
  EXPECT_THAT(loaded.error().message, HasSubstr("revisions[1].outcome"));
  auto refused = store->save(kApi, history_of(1));
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.error().message, HasSubstr("quarantine or remove it first"));

  auto moved = store->quarantine(kApi);
  ASSERT_TRUE(moved.ok()) << moved.error().message;
  EXPECT_THAT(*moved, HasSubstr("rewind_quarantine"));
  EXPECT_EQ(query("SELECT count(*) FROM rewind_quarantine WHERE host = 'web-1'"),
            std::vector<std::string>{"1"});
  EXPECT_TRUE(store->load(kApi)->revisions.empty());
  EXPECT_TRUE(store->save(kApi, history_of(1)).ok());
}

TEST_F(StateStoreTest, ACorruptReleaseNamesKindAndField) {
  auto store = open("web-1");
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->write(parsed<model::Release>(kRelease)).ok());
  query(
      "UPDATE rewind_statuses SET body = jsonb_set(body, '{spec,image}', '{\"a\": 1}') "
      "RETURNING 1");
  auto r = store->read_release(kApi);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr("releases shop/api"));
  EXPECT_THAT(r.error().message, HasSubstr("spec.image"));
  EXPECT_FALSE(store->write(parsed<model::Release>(kRelease)).ok());
  ASSERT_TRUE(store->remove(history::StatusKind::kRelease, kApi).ok());
  EXPECT_TRUE(store->write(parsed<model::Release>(kRelease)).ok());
}

TEST_F(StateStoreTest, TheSchemaIsCreatedOnceByTwoStoresStartingTogether) {
  std::array<model::Status, 2> results;
  std::thread t1([&] {
    results[0] = PostgresStateStore::open(url(), "a").ok() ? model::Status{} : model::Error{};
  });
  std::thread t2([&] {
    results[1] = PostgresStateStore::open(url(), "b").ok() ? model::Status{} : model::Error{};
  });
  t1.join();
  t2.join();
  EXPECT_TRUE(results[0].ok() && results[1].ok());
  EXPECT_EQ(query("SELECT count(*) FROM rewind_state_schema"), std::vector<std::string>{"1"});
  EXPECT_EQ(query("SELECT max(version) FROM rewind_state_schema"), std::vector<std::string>{"1"});
}

TEST_F(StateStoreTest, ThePasswordNeverAppearsInErrors) {
  auto wrong = PostgresStateStore::open(
      postgres::DatabaseUrl(server().url_with("rewind", server().password() + "x", "postgres")),
      "web-1");
  ASSERT_FALSE(wrong.ok());
  EXPECT_THAT(wrong.error().message, Not(HasSubstr(server().password())));
  auto store = open("web-1");
  ASSERT_TRUE(store);
  query("DROP TABLE rewind_statuses");
  auto r = store->read_release(kApi);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr("rewind_statuses"));
  EXPECT_THAT(r.error().message, Not(HasSubstr(server().password())));
}

TEST_F(StateStoreTest, ABrokenConnectionIsOpenedAgain) {
  auto store = open("web-1");
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->save(kApi, history_of(1)).ok());
  query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
      "AND backend_type = 'client backend'");
  auto loaded = store->load(kApi);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded->revisions.size(), 1U);
}

std::string run(const std::string& command, int& status) {
  std::string out;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return out;
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), static_cast<int>(buf.size()), p) != nullptr) out += buf.data();
  status = ::pclose(p);
  return out;
}

TEST_F(StateStoreTest, StatusListsEveryHostsReleases) {
  auto a = open("web-1");
  auto b = open("web-2");
  ASSERT_TRUE(a && b);
  auto release = parsed<model::Release>(kRelease);
  ASSERT_TRUE(a->write(release).ok());
  release.metadata.name = "worker";
  ASSERT_TRUE(b->write(release).ok());
  // The password comes from the environment, never from argv.
  std::string no_password = server().url();
  no_password.replace(no_password.find(":" + server().password()), server().password().size() + 1,
                      "");
  int status = -1;
  const std::string out =
      run("PGPASSWORD=" + server().password() + " " + std::string(REWIND_BINARY_DIR) +
              "/controller/cli/rewind status --state " + no_password,
          status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_THAT(out, HasSubstr("HOST"));
  EXPECT_THAT(out, HasSubstr("web-1"));
  EXPECT_THAT(out, HasSubstr("web-2"));
  EXPECT_THAT(out, HasSubstr("worker"));
  EXPECT_THAT(out, Not(HasSubstr(server().password())));

  ASSERT_TRUE(b->write(parsed<model::Release>(kRelease)).ok());  // api on both hosts now
  const std::string detail =
      run("PGPASSWORD=" + server().password() + " " + std::string(REWIND_BINARY_DIR) +
              "/controller/cli/rewind status api -n shop --state " + no_password,
          status);
  EXPECT_EQ(status, 0) << detail;
  EXPECT_THAT(detail, HasSubstr("Host: web-1"));
  EXPECT_THAT(detail, HasSubstr("Host: web-2"));
  const std::string dir =
      run(std::string(REWIND_BINARY_DIR) + "/controller/cli/rewind status --state /var/lib/rewind",
          status);
  EXPECT_NE(status, 0);
  EXPECT_THAT(dir, HasSubstr("--state-dir"));
}

}  // namespace
}  // namespace rwd::itest
