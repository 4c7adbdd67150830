// File store failures against the real kernel: a full file system (a small
// tmpfs), a read-only one, a directory the writer may not write (an
// unprivileged child when we are root, since root ignores permissions).
//
// The tmpfs cases need mount(2) (root with CAP_SYS_ADMIN). Where it is not
// permitted they are skipped with the reason; the always-available failure
// (a target that is a directory) is covered by the unit tests.

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rewind/history/codec.hpp"
#include "rewind/history/file_store.hpp"

#include "unprivileged.hpp"

namespace rwd::history {
namespace {

namespace fs = std::filesystem;
using itest::unprivileged;
using ::testing::HasSubstr;

model::History history_of(std::int64_t revisions, std::size_t reason_bytes) {
  model::History h;
  for (std::int64_t n = 1; n <= revisions; ++n) {
    model::RevisionRecord rec;
    rec.number = model::RevisionNumber{n};
    rec.hash = model::RevisionHash{"h" + std::to_string(n)};
    rec.spec.target.docker = model::DockerTarget{"shop", "api"};
    rec.spec.image = model::ImageRef{"rewind-demo:v" + std::to_string(n)};
    rec.revision.image = rec.spec.image;
    rec.outcome_reason = std::string(reason_bytes, 'x');
    h.revisions.push_back(rec);
  }
  return h;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

class FaultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("rewind-hd-faults-" + std::to_string(rd()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  // A tmpfs of `size` on dir_; false (with the reason in why_) when mount(2)
  // is not permitted here.
  bool mount_tmpfs(const std::string& size) {
    const std::string opts = "size=" + size + ",mode=0755";
    if (::mount("tmpfs", dir_.c_str(), "tmpfs", 0, opts.c_str()) != 0) {
      why_ = std::string("mount(2) of a tmpfs is not permitted here: ") + std::strerror(errno);
      return false;
    }
    mounted_ = true;
    return true;
  }
  std::unique_ptr<FileHistoryStore> open_store() {
    FileStoreOptions o;
    o.state_dir = dir_ / "state";
    auto s = FileHistoryStore::open(o);
    EXPECT_TRUE(s.ok()) << s.error().message;
    return s.ok() ? std::move(s).value() : nullptr;
  }
  fs::path dir_;
  bool mounted_ = false;
  std::string why_;
};

TEST_F(FaultsTest, FullFileSystemKeepsTheOldFile) {
  if (!mount_tmpfs("128k")) GTEST_SKIP() << why_;
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  const model::ObjectKey key{"shop", "api"};
  ASSERT_TRUE(store->save(key, history_of(2, 100)).ok());
  const fs::path file = dir_ / "state" / "history" / "shop" / "api.json";
  const std::string before = slurp(file);

  // ~400 KiB does not fit in 128 KiB.
  const model::Status st = store->save(key, history_of(40, 10'000));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind, model::ErrorKind::kTransient);
  EXPECT_THAT(st.error().message,
              HasSubstr("write " + file.string() + ": No space left on device"));
  EXPECT_THAT(st.error().message, HasSubstr("the previous file is unchanged"));
  EXPECT_EQ(slurp(file), before);
  EXPECT_EQ(fs::directory_iterator(file.parent_path())->path().filename(), "api.json");
  EXPECT_EQ(std::distance(fs::directory_iterator(file.parent_path()), fs::directory_iterator()), 1);
  auto loaded = store->load(key);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(*loaded, history_of(2, 100));
  // Space comes back: the same store saves again.
  ASSERT_TRUE(store->save(key, history_of(3, 100)).ok());
}

TEST_F(FaultsTest, ReadOnlyFileSystem) {
  if (!mount_tmpfs("1m")) GTEST_SKIP() << why_;
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  const model::ObjectKey key{"shop", "api"};
  ASSERT_TRUE(store->save(key, history_of(2, 10)).ok());
  ASSERT_EQ(::mount("tmpfs", dir_.c_str(), "tmpfs", MS_REMOUNT | MS_RDONLY, "size=1m"), 0)
      << std::strerror(errno);

  const model::Status st = store->save(key, history_of(3, 10));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind, model::ErrorKind::kTerminal);
  EXPECT_THAT(st.error().message, HasSubstr("Read-only file system"));
  EXPECT_THAT(st.error().message, HasSubstr("api.json"));
  EXPECT_EQ(*store->load(key), history_of(2, 10));  // reads still work

  FileStoreOptions o;
  o.state_dir = dir_ / "elsewhere";
  auto fresh = FileHistoryStore::open(o);
  ASSERT_FALSE(fresh.ok());
  EXPECT_THAT(fresh.error().message, HasSubstr("create directory " + (dir_ / "elsewhere").string() +
                                               ": Read-only file system"));
}

TEST_F(FaultsTest, PermissionDenied) {
  auto store = open_store();
  ASSERT_NE(store, nullptr);
  const model::ObjectKey key{"shop", "api"};
  ASSERT_TRUE(store->save(key, history_of(1, 10)).ok());
  const fs::path file = dir_ / "state" / "history" / "shop" / "api.json";
  const std::string before = slurp(file);
  // Readable and searchable by anyone, writable by nobody but root.
  for (const fs::path& p :
       {dir_, dir_ / "state", dir_ / "state" / "history", dir_ / "state" / "history" / "shop"}) {
    ::chmod(p.c_str(), 0555);
  }
  ::chmod(file.c_str(), 0644);

  const std::string message = unprivileged([&] {
    const model::Status st = store->save(key, history_of(2, 10));
    if (st.ok()) return std::string("saved");
    return std::string(model::to_string(st.error().kind)) + ": " + st.error().message;
  });
  for (const fs::path& p :
       {dir_, dir_ / "state", dir_ / "state" / "history", dir_ / "state" / "history" / "shop"}) {
    ::chmod(p.c_str(), 0755);
  }
  EXPECT_THAT(message, HasSubstr("write " + file.string() + ": Permission denied"));
  EXPECT_THAT(message, HasSubstr("creating a temporary file"));
  EXPECT_EQ(message.rfind("terminal: ", 0), 0U) << message;
  EXPECT_EQ(slurp(file), before);
}

}  // namespace
}  // namespace rwd::history
