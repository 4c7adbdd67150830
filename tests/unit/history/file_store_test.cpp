// The file stores on a real temporary state directory.

#include "rewind/history/file_store.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rewind/history/codec.hpp"
#include "rewind/model/codec.hpp"

namespace rwd::history {
namespace {

namespace fs = std::filesystem;
using model::ObjectKey;
using ::testing::HasSubstr;

model::History history_with(std::int64_t last) {
  model::History h;
  for (std::int64_t n = 1; n <= last; ++n) {
    model::RevisionRecord rec;
    rec.number = model::RevisionNumber{n};
    rec.hash = model::RevisionHash{"hash" + std::to_string(n)};
    rec.revision.image = model::ImageRef{"rewind-demo:v" + std::to_string(n)};
    rec.spec.target.docker = model::DockerTarget{"shop", "api"};
    rec.spec.image = rec.revision.image;
    rec.created_at = model::Timestamp{std::chrono::seconds(1'700'000'000 + n)};
    rec.outcome = model::RevisionOutcome::kSuperseded;
    h.revisions.push_back(rec);
  }
  return h;
}

model::Release release(const std::string& name, model::ReleasePhase phase) {
  model::Release r;
  r.metadata.ns = "shop";
  r.metadata.name = name;
  r.metadata.generation = 2;
  r.spec.target.docker = model::DockerTarget{"shop", name};
  r.spec.image = model::ImageRef{"rewind-demo:v1"};
  r.status.phase = phase;
  r.status.current_revision = model::RevisionNumber{1};
  return r;
}

class FileStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    state_ = fs::temp_directory_path() / ("rewind-hd-state-" + std::to_string(rd()));
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(state_, ec);
  }
  [[nodiscard]] FileStoreOptions options() const {
    FileStoreOptions o;
    o.state_dir = state_;
    o.clock = [] { return std::chrono::system_clock::from_time_t(1'767'225'600); };  // 2026-01-01
    return o;
  }
  std::unique_ptr<FileHistoryStore> open_history() {
    auto s = FileHistoryStore::open(options());
    EXPECT_TRUE(s.ok()) << s.error().message;
    return std::move(s).value();
  }
  std::unique_ptr<FileStatusStore> open_status() {
    auto s = FileStatusStore::open(options());
    EXPECT_TRUE(s.ok()) << s.error().message;
    return std::move(s).value();
  }
  static std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
  }
  static void put(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
  }
  static std::vector<std::string> names(const fs::path& dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }
  fs::path state_;
};

TEST_F(FileStoreTest, OpenCreatesTheLayout) {
  auto h = open_history();
  auto s = open_status();
  EXPECT_TRUE(fs::is_directory(state_ / "history"));
  EXPECT_TRUE(fs::is_directory(state_ / "status"));
  EXPECT_EQ(h->layout().root(), state_);
}

TEST_F(FileStoreTest, OpenFailsClearlyWhenTheStateDirIsAFile) {
  put(state_, "not a directory");
  auto s = FileHistoryStore::open(options());
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message, HasSubstr("create directory " + state_.string()));
  EXPECT_THAT(s.error().message, HasSubstr("Not a directory"));
}

TEST_F(FileStoreTest, HistoryRoundTrip) {
  auto store = open_history();
  auto empty = store->load({"shop", "api"});
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->revisions.empty());

  ASSERT_TRUE(store->save({"shop", "api"}, history_with(3)).ok());
  ASSERT_TRUE(store->save({"other", "web"}, history_with(1)).ok());
  const fs::path file = state_ / "history" / "shop" / "api.json";
  EXPECT_EQ(slurp(file), encode_history(history_with(3)));
  EXPECT_EQ(slurp(file), model::to_json(history_with(3)).dump(2) + "\n");

  auto loaded = open_history()->load({"shop", "api"});  // a fresh store reads it back
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(*loaded, history_with(3));
  EXPECT_EQ(*store->list(), (std::vector<ObjectKey>{{"other", "web"}, {"shop", "api"}}));

  ASSERT_TRUE(store->remove({"shop", "api"}).ok());
  ASSERT_TRUE(store->remove({"shop", "api"}).ok());
  EXPECT_FALSE(fs::exists(file));
  EXPECT_EQ(*store->list(), (std::vector<ObjectKey>{{"other", "web"}}));
}

TEST_F(FileStoreTest, SavingWhatTheFileHoldsWritesNothing) {
  auto store = open_history();
  ASSERT_TRUE(store->save({"shop", "api"}, history_with(2)).ok());
  const fs::path file = state_ / "history" / "shop" / "api.json";
  struct stat before {};
  ASSERT_EQ(::stat(file.c_str(), &before), 0);
  // The same history again (a resync): the file is not replaced, so its
  // inode stays (a write replaces the file by a rename).
  ASSERT_TRUE(store->save({"shop", "api"}, history_with(2)).ok());
  struct stat same {};
  ASSERT_EQ(::stat(file.c_str(), &same), 0);
  EXPECT_EQ(same.st_ino, before.st_ino);
  // Different content is written.
  ASSERT_TRUE(store->save({"shop", "api"}, history_with(3)).ok());
  struct stat changed {};
  ASSERT_EQ(::stat(file.c_str(), &changed), 0);
  EXPECT_NE(changed.st_ino, before.st_ino);
  EXPECT_EQ(slurp(file), encode_history(history_with(3)));
}

TEST_F(FileStoreTest, ReplaceLeavesOnlyTheNewFile) {
  auto store = open_history();
  for (std::int64_t n = 1; n <= 5; ++n) {
    ASSERT_TRUE(store->save({"shop", "api"}, history_with(n)).ok());
  }
  EXPECT_EQ(*store->load({"shop", "api"}), history_with(5));
  EXPECT_EQ(names(state_ / "history" / "shop"), std::vector<std::string>{"api.json"});
}

TEST_F(FileStoreTest, StaleTemporaryFilesAreIgnoredAndCleanedOnOpen) {
  const std::string stale = ".tmp-2147483647-deadbeefdeadbeef-7";
  put(state_ / "history" / "shop" / stale, "{\"revisions\": [");  // a torn temp file
  put(state_ / "status" / "shop" / "releases" / stale, "{");
  put(state_ / "history" / "shop" / "api.json", encode_history(history_with(2)));

  auto history = open_history();
  EXPECT_EQ(history->stale_temp_files_removed(), 1U);
  EXPECT_EQ(names(state_ / "history" / "shop"), std::vector<std::string>{"api.json"});
  EXPECT_EQ(*history->list(), (std::vector<ObjectKey>{{"shop", "api"}}));
  EXPECT_EQ(*history->load({"shop", "api"}), history_with(2));

  auto status = open_status();
  EXPECT_EQ(status->stale_temp_files_removed(), 1U);
  EXPECT_TRUE(fs::is_empty(state_ / "status" / "shop" / "releases"));
}

TEST_F(FileStoreTest, ListSkipsWhatIsNotAHistory) {
  auto store = open_history();
  ASSERT_TRUE(store->save({"shop", "api"}, history_with(1)).ok());
  put(state_ / "history" / "shop" / "api.json.corrupt-20260101T000000Z", "x");
  put(state_ / "history" / "shop" / "notes.txt", "x");
  put(state_ / "history" / "shop" / ".tmp-1-abc-1", "x");
  put(state_ / "history" / "stray.json", "x");  // not in a namespace directory
  EXPECT_EQ(*store->list(), (std::vector<ObjectKey>{{"shop", "api"}}));
}

TEST_F(FileStoreTest, CorruptHistoryIsReportedKeptAndNotOverwritten) {
  auto store = open_history();
  const fs::path file = state_ / "history" / "shop" / "api.json";
  std::string text = encode_history(history_with(2));
  const auto at = text.find("\"number\": 2");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 11, "\"number\": \"two\"");
  put(file, text);
  const int line =
      1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));

  auto loaded = store->load({"shop", "api"});
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().kind, model::ErrorKind::kTerminal);
  EXPECT_THAT(loaded.error().message, HasSubstr(file.string() + ": revisions[1].number: "));
  EXPECT_THAT(loaded.error().message, HasSubstr("(line " + std::to_string(line) + ")"));
  EXPECT_THAT(loaded.error().message, HasSubstr("the history of shop/api was left as it is"));

  const model::Status refused = store->save({"shop", "api"}, history_with(1));
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.error().message, HasSubstr("refusing to replace " + file.string()));
  EXPECT_EQ(slurp(file), text);

  auto moved = store->quarantine({"shop", "api"});
  ASSERT_TRUE(moved.ok()) << moved.error().message;
  EXPECT_EQ(*moved, file.string() + ".corrupt-20260101T000000Z");
  EXPECT_EQ(slurp(*moved), text);
  EXPECT_TRUE(store->load({"shop", "api"})->revisions.empty());
  EXPECT_TRUE(store->list()->empty());
  ASSERT_TRUE(store->save({"shop", "api"}, history_with(1)).ok());
  EXPECT_EQ(*store->load({"shop", "api"}), history_with(1));
}

TEST_F(FileStoreTest, TruncatedHistoryIsCorruptToo) {
  auto store = open_history();
  const fs::path file = state_ / "history" / "shop" / "api.json";
  put(file, encode_history(history_with(2)).substr(0, 40));
  auto loaded = store->load({"shop", "api"});
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.error().message,
              HasSubstr(file.string() + ": cannot be read back: not valid JSON"));
  put(file, "");
  EXPECT_THAT(store->load({"shop", "api"}).error().message, HasSubstr("the file is empty"));
  // Removing is the other way out.
  ASSERT_TRUE(store->remove({"shop", "api"}).ok());
  EXPECT_TRUE(store->save({"shop", "api"}, history_with(1)).ok());
}

TEST_F(FileStoreTest, RepairedFileLoadsAgainAndUnblocksSaves) {
  auto store = open_history();
  const fs::path file = state_ / "history" / "shop" / "api.json";
  put(file, "{");
  ASSERT_FALSE(store->load({"shop", "api"}).ok());
  put(file, encode_history(history_with(1)));  // an operator fixed it by hand
  ASSERT_TRUE(store->load({"shop", "api"}).ok());
  EXPECT_TRUE(store->save({"shop", "api"}, history_with(2)).ok());
}

TEST_F(FileStoreTest, UnsafeKeysTouchNothing) {
  auto store = open_history();
  for (const ObjectKey& key : std::initializer_list<ObjectKey>{{"..", "x"},
                                                               {"shop", "../../etc/passwd"},
                                                               {"shop", ""},
                                                               {"", "api"},
                                                               {"shop", std::string("a\0b", 3)}}) {
    const model::Status st = store->save(key, history_with(1));
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().kind, model::ErrorKind::kInvalidSpec);
    EXPECT_FALSE(store->load(key).ok());
    EXPECT_FALSE(store->remove(key).ok());
    EXPECT_FALSE(store->quarantine(key).ok());
  }
  EXPECT_TRUE(fs::is_empty(state_ / "history"));
}

TEST_F(FileStoreTest, TargetThatIsADirectoryIsAClearError) {
  auto store = open_history();
  const fs::path file = state_ / "history" / "shop" / "api.json";
  fs::create_directories(file);
  const model::Status st = store->save({"shop", "api"}, history_with(1));
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.error().message, HasSubstr("write " + file.string() + ": Is a directory"));
  auto loaded = store->load({"shop", "api"});
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.error().message, HasSubstr("read " + file.string() + ": Is a directory"));
  EXPECT_EQ(names(file.parent_path()), std::vector<std::string>{"api.json"});
}

TEST_F(FileStoreTest, StatusRoundTrip) {
  auto store = open_status();
  EXPECT_FALSE(store->read_release({"shop", "api"})->has_value());
  const model::Release api = release("api", model::ReleasePhase::kHealthy);
  ASSERT_TRUE(store->write(api).ok());
  ASSERT_TRUE(store->write(release("web", model::ReleasePhase::kDegraded)).ok());
  model::Rollback rb;
  rb.metadata.ns = "shop";
  rb.metadata.name = "incident-42";
  rb.spec.release_name = "api";
  rb.status.phase = model::RollbackPhase::kSucceeded;
  ASSERT_TRUE(store->write(rb).ok());

  const fs::path file = state_ / "status" / "shop" / "releases" / "api.json";
  EXPECT_EQ(slurp(file), model::to_json(api).dump(2) + "\n");
  EXPECT_TRUE(fs::exists(state_ / "status" / "shop" / "rollbacks" / "incident-42.json"));

  auto fresh = open_status();
  EXPECT_EQ(**fresh->read_release({"shop", "api"}), api);
  EXPECT_EQ(**fresh->read_rollback({"shop", "incident-42"}), rb);
  EXPECT_EQ(*fresh->list(StatusKind::kRelease),
            (std::vector<ObjectKey>{{"shop", "api"}, {"shop", "web"}}));
  EXPECT_EQ(*fresh->list(StatusKind::kRollback), (std::vector<ObjectKey>{{"shop", "incident-42"}}));

  ASSERT_TRUE(fresh->remove(StatusKind::kRelease, {"shop", "web"}).ok());
  EXPECT_FALSE(fresh->read_release({"shop", "web"})->has_value());
  EXPECT_EQ(*fresh->list(StatusKind::kRelease), (std::vector<ObjectKey>{{"shop", "api"}}));
}

TEST_F(FileStoreTest, CorruptStatusIsReportedAndQuarantined) {
  auto store = open_status();
  const fs::path file = state_ / "status" / "shop" / "releases" / "api.json";
  // Another object's status under this name.
  put(file, model::to_json(release("web", model::ReleasePhase::kHealthy)).dump(2));
  auto read = store->read_release({"shop", "api"});
  ASSERT_FALSE(read.ok());
  EXPECT_THAT(read.error().message,
              HasSubstr(file.string() + ": cannot be read back: holds shop/web"));
  EXPECT_THAT(read.error().message, HasSubstr("the status of Release shop/api was left as it is"));
  EXPECT_FALSE(store->write(release("api", model::ReleasePhase::kHealthy)).ok());

  auto moved = store->quarantine(StatusKind::kRelease, {"shop", "api"});
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(*moved, file.string() + ".corrupt-20260101T000000Z");
  EXPECT_TRUE(store->list(StatusKind::kRelease)->empty());
  EXPECT_TRUE(store->write(release("api", model::ReleasePhase::kHealthy)).ok());
  EXPECT_TRUE(store->read_release({"shop", "api"})->has_value());
}

TEST_F(FileStoreTest, ACorruptStatusMovedAwayByHandCanBeWrittenAgain) {
  auto store = open_status();
  const fs::path file = state_ / "status" / "shop" / "releases" / "api.json";
  put(file, "{not json");
  ASSERT_FALSE(store->read_release({"shop", "api"}).ok());
  ASSERT_FALSE(store->write(release("api", model::ReleasePhase::kHealthy)).ok());
  fs::rename(file, state_ / "api.json.broken");  // what an operator does
  ASSERT_TRUE(store->read_release({"shop", "api"}).ok()) << "gone: nothing to read";
  EXPECT_TRUE(store->write(release("api", model::ReleasePhase::kHealthy)).ok())
      << "nothing is left to protect, so the guard is lifted";
  EXPECT_TRUE(store->read_release({"shop", "api"})->has_value());
}

TEST(QuarantineStampTest, IsCompactUtc) {
  EXPECT_EQ(quarantine_stamp(std::chrono::system_clock::from_time_t(0)), "19700101T000000Z");
  EXPECT_EQ(quarantine_stamp(std::chrono::system_clock::from_time_t(1'767'225'600 + 3723)),
            "20260101T010203Z");
}

}  // namespace
}  // namespace rwd::history
