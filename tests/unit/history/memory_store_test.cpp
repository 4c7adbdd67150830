#include "rewind/history/memory_store.hpp"

#include <vector>

#include <gtest/gtest.h>

namespace rwd::history {
namespace {

using model::ObjectKey;
using model::RevisionNumber;

model::History history_with(std::int64_t n) {
  model::History h;
  model::RevisionRecord rec;
  rec.number = RevisionNumber{n};
  rec.hash = model::RevisionHash{"h" + std::to_string(n)};
  h.revisions.push_back(rec);
  return h;
}

model::Release release(const std::string& ns, const std::string& name) {
  model::Release r;
  r.metadata.ns = ns;
  r.metadata.name = name;
  r.spec.image = model::ImageRef{"shop-api:v1"};
  r.status.phase = model::ReleasePhase::kHealthy;
  return r;
}

TEST(MemoryHistoryStoreTest, AbsentIsEmpty) {
  MemoryHistoryStore s;
  auto h = s.load({"shop", "api"});
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(h->revisions.empty());
  EXPECT_TRUE(s.list()->empty());
}

TEST(MemoryHistoryStoreTest, SaveLoadListRemove) {
  MemoryHistoryStore s;
  ASSERT_TRUE(s.save({"shop", "web"}, history_with(2)).ok());
  ASSERT_TRUE(s.save({"shop", "api"}, history_with(1)).ok());
  ASSERT_TRUE(s.save({"shop", "api"}, history_with(3)).ok());
  EXPECT_EQ(*s.load({"shop", "api"}), history_with(3));
  EXPECT_EQ(*s.list(), (std::vector<ObjectKey>{{"shop", "api"}, {"shop", "web"}}));
  EXPECT_EQ(s.save_count(), 3U);
  ASSERT_TRUE(s.remove({"shop", "api"}).ok());
  ASSERT_TRUE(s.remove({"shop", "api"}).ok());  // absent is fine
  EXPECT_EQ(*s.list(), (std::vector<ObjectKey>{{"shop", "web"}}));
}

TEST(MemoryHistoryStoreTest, RefusesBadKeys) {
  MemoryHistoryStore s;
  EXPECT_EQ(s.save({"shop", "../x"}, {}).error().kind, model::ErrorKind::kInvalidSpec);
  EXPECT_FALSE(s.load({"", "api"}).ok());
  EXPECT_FALSE(s.remove({"shop", "a/b"}).ok());
}

TEST(MemoryHistoryStoreTest, CorruptEntryBlocksSavesUntilQuarantined) {
  MemoryHistoryStore s;
  ASSERT_TRUE(s.save({"shop", "api"}, history_with(1)).ok());
  s.put_corrupt({"shop", "api"}, "revisions[0].number: missing (line 3)");
  auto loaded = s.load({"shop", "api"});
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().message.find("revisions[0].number"), std::string::npos);
  EXPECT_EQ(*s.list(), (std::vector<ObjectKey>{{"shop", "api"}}));

  const model::Status refused = s.save({"shop", "api"}, history_with(2));
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("quarantine"), std::string::npos);

  auto moved = s.quarantine({"shop", "api"});
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(s.quarantined(), std::vector<std::string>{*moved});
  EXPECT_TRUE(s.load({"shop", "api"})->revisions.empty());
  EXPECT_TRUE(s.save({"shop", "api"}, history_with(2)).ok());
  EXPECT_FALSE(s.quarantine({"shop", "absent"}).ok());
}

TEST(MemoryHistoryStoreTest, InjectedFailuresHappenOnce) {
  MemoryHistoryStore s;
  s.fail_next_save(model::Error::transient("write /x: No space left on device"));
  const model::Status st = s.save({"shop", "api"}, history_with(1));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind, model::ErrorKind::kTransient);
  EXPECT_TRUE(s.load({"shop", "api"})->revisions.empty());  // the failed save changed nothing
  EXPECT_TRUE(s.save({"shop", "api"}, history_with(1)).ok());

  s.fail_next_load(model::Error::terminal("read /x: Permission denied"));
  EXPECT_FALSE(s.load({"shop", "api"}).ok());
  EXPECT_FALSE(s.save({"shop", "api"}, history_with(2)).ok());  // not over what it could not read
  EXPECT_TRUE(s.load({"shop", "api"}).ok());
  EXPECT_TRUE(s.save({"shop", "api"}, history_with(2)).ok());
}

TEST(MemoryStatusStoreTest, ReleasesAndRollbacksApart) {
  MemoryStatusStore s;
  ASSERT_TRUE(s.write(release("shop", "api")).ok());
  model::Rollback rb;
  rb.metadata.ns = "shop";
  rb.metadata.name = "api";  // same key, other kind
  rb.spec.release_name = "api";
  rb.status.phase = model::RollbackPhase::kRunning;
  ASSERT_TRUE(s.write(rb).ok());

  EXPECT_EQ(**s.read_release({"shop", "api"}), release("shop", "api"));
  EXPECT_EQ(**s.read_rollback({"shop", "api"}), rb);
  EXPECT_FALSE(s.read_release({"shop", "web"})->has_value());
  EXPECT_EQ(*s.list(StatusKind::kRelease), (std::vector<ObjectKey>{{"shop", "api"}}));
  EXPECT_EQ(s.write_count(), 2U);

  ASSERT_TRUE(s.remove(StatusKind::kRollback, {"shop", "api"}).ok());
  EXPECT_FALSE(s.read_rollback({"shop", "api"})->has_value());
  EXPECT_TRUE(s.read_release({"shop", "api"})->has_value());
  EXPECT_TRUE(s.list(StatusKind::kRollback)->empty());
}

TEST(MemoryStatusStoreTest, CorruptAndInjected) {
  MemoryStatusStore s;
  s.put_corrupt(StatusKind::kRelease, {"shop", "api"}, "not valid JSON (line 1, column 1)");
  EXPECT_FALSE(s.read_release({"shop", "api"}).ok());
  EXPECT_FALSE(s.write(release("shop", "api")).ok());
  ASSERT_TRUE(s.quarantine(StatusKind::kRelease, {"shop", "api"}).ok());
  EXPECT_TRUE(s.write(release("shop", "api")).ok());

  s.fail_next_write(model::Error::terminal("write /x: Read-only file system"));
  EXPECT_FALSE(s.write(release("shop", "api")).ok());
  s.fail_next_read(model::Error::transient("read /x: Input/output error"));
  EXPECT_FALSE(s.read_release({"shop", "api"}).ok());
  EXPECT_TRUE(s.read_release({"shop", "api"}).ok());
  EXPECT_FALSE(s.write(release("shop", "..")).ok());
}

}  // namespace
}  // namespace rwd::history
