// The atomic file primitives on a real temporary directory.

#include "rewind/history/atomic_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rwd::history {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("rewind-hd-atomic-" + std::to_string(rd()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(dir_, ec);
  }
  static std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
  }
  static void touch(const fs::path& p, const std::string& text = "x") {
    std::ofstream(p, std::ios::binary) << text;
  }
  [[nodiscard]] std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }
  fs::path dir_;
};

TEST_F(AtomicFileTest, WritesAndReplaces) {
  const fs::path f = dir_ / "a.json";
  ASSERT_TRUE(write_file_atomic(f, "one\n").ok());
  EXPECT_EQ(slurp(f), "one\n");
  ASSERT_TRUE(write_file_atomic(f, "two").ok());
  EXPECT_EQ(slurp(f), "two");
  EXPECT_EQ(names(), std::vector<std::string>{"a.json"});  // no temporary file left
  struct stat st {};
  ASSERT_EQ(::stat(f.c_str(), &st), 0);
  const mode_t mask = ::umask(0);
  ::umask(mask);
  EXPECT_EQ(st.st_mode & 0777U, kFileMode & ~static_cast<unsigned>(mask));
}

TEST_F(AtomicFileTest, ReadFile) {
  const fs::path f = dir_ / "a.json";
  touch(f, "hello");
  auto text = read_file(f, 100);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "hello");

  auto big = read_file(f, 4);
  ASSERT_FALSE(big.ok());
  EXPECT_THAT(big.error().message, HasSubstr("larger than 4 bytes"));

  bool missing = false;
  auto absent = read_file(dir_ / "nope.json", 100, &missing);
  ASSERT_FALSE(absent.ok());
  EXPECT_TRUE(missing);
  EXPECT_THAT(absent.error().message, HasSubstr("nope.json: No such file or directory"));

  auto d = read_file(dir_, 100, &missing);
  ASSERT_FALSE(d.ok());
  EXPECT_FALSE(missing);
  EXPECT_THAT(d.error().message, HasSubstr("Is a directory"));
}

// The failure that runs anywhere, as root too and without mount(2): a target
// that is a directory. The rename fails, the error names the path and the
// errno text, nothing is left behind. ENOSPC, EROFS and EACCES are in
// tests/integration/history (tmpfs mounts, an unprivileged child).
TEST_F(AtomicFileTest, FailedRenameLeavesNoTemporaryFile) {
  const fs::path f = dir_ / "a.json";
  fs::create_directories(f / "child");
  const model::Status st = write_file_atomic(f, "new");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind, model::ErrorKind::kTerminal);
  EXPECT_THAT(st.error().message, HasSubstr("write " + f.string() + ": "));
  EXPECT_THAT(st.error().message, HasSubstr("renaming into place"));
  EXPECT_THAT(st.error().message, HasSubstr("the previous file is unchanged"));
  EXPECT_EQ(names(), std::vector<std::string>{"a.json"});
  EXPECT_TRUE(fs::is_directory(f / "child"));
}

TEST_F(AtomicFileTest, MissingDirectoryIsAnError) {
  const model::Status st = write_file_atomic(dir_ / "no" / "a.json", "x");
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.error().message, HasSubstr("No such file or directory"));
  EXPECT_THAT(st.error().message, HasSubstr("creating a temporary file"));
}

TEST_F(AtomicFileTest, EnsureDirectory) {
  ASSERT_TRUE(ensure_directory(dir_ / "a" / "b" / "c").ok());
  EXPECT_TRUE(fs::is_directory(dir_ / "a" / "b" / "c"));
  ASSERT_TRUE(ensure_directory(dir_ / "a" / "b").ok());  // already there
  touch(dir_ / "file");
  const model::Status st = ensure_directory(dir_ / "file" / "sub");
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.error().message, HasSubstr("Not a directory"));
}

TEST_F(AtomicFileTest, RemoveFile) {
  touch(dir_ / "a.json");
  EXPECT_TRUE(remove_file(dir_ / "a.json").ok());
  EXPECT_FALSE(fs::exists(dir_ / "a.json"));
  EXPECT_TRUE(remove_file(dir_ / "a.json").ok());
}

TEST_F(AtomicFileTest, MoveAsideNeverReplaces) {
  touch(dir_ / "a.json", "first");
  auto one = move_aside(dir_ / "a.json", "20260101T000000Z");
  ASSERT_TRUE(one.ok()) << one.error().message;
  EXPECT_EQ(*one, dir_ / "a.json.corrupt-20260101T000000Z");
  touch(dir_ / "a.json", "second");
  auto two = move_aside(dir_ / "a.json", "20260101T000000Z");
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(*two, dir_ / "a.json.corrupt-20260101T000000Z-2");
  EXPECT_EQ(slurp(*one), "first");
  EXPECT_EQ(slurp(*two), "second");
  EXPECT_FALSE(fs::exists(dir_ / "a.json"));
  EXPECT_FALSE(move_aside(dir_ / "a.json", "x").ok());
}

TEST_F(AtomicFileTest, RemovesOnlyStaleTemporaryFiles) {
  fs::create_directories(dir_ / "ns");
  // pid 2147483647 cannot exist (pid_max is at most 2^22).
  touch(dir_ / ".tmp-2147483647-deadbeefdeadbeef-1");
  touch(dir_ / "ns" / ".tmp-2147483647-deadbeefdeadbeef-2");
  touch(dir_ / "ns" / ".tmp-garbage");
  // A live process (ours is always live: use our parent's pid) with another token.
  const std::string live = ".tmp-" + std::to_string(::getppid()) + "-0123456789abcdef-3";
  touch(dir_ / live);
  // Our own pid with another token: an earlier process that had our pid.
  touch(dir_ / (".tmp-" + std::to_string(::getpid()) + "-0123456789abcdef-4"));
  touch(dir_ / "a.json");
  touch(dir_ / ".tmp-not-a-pid");
  fs::create_directories(dir_ / ".tmp-a-directory");

  EXPECT_EQ(remove_stale_temp_files(dir_, 0), 3U);  // not below ns/ at depth 0
  EXPECT_EQ(remove_stale_temp_files(dir_, 1), 2U);
  EXPECT_EQ(names(), (std::vector<std::string>{live, ".tmp-a-directory", "a.json", "ns"}));
  EXPECT_TRUE(fs::is_empty(dir_ / "ns"));
}

TEST_F(AtomicFileTest, PrivateNames) {
  EXPECT_TRUE(is_store_private_name(".tmp-1-2-3"));
  EXPECT_TRUE(is_store_private_name("api.json.corrupt-20260101T000000Z"));
  EXPECT_TRUE(is_store_private_name(".hidden.json"));
  EXPECT_FALSE(is_store_private_name("api.json"));
}

TEST(IoErrorTest, KindsFollowErrno) {
  EXPECT_EQ(io_error("write", "/x", ENOSPC).kind, model::ErrorKind::kTransient);
  EXPECT_EQ(io_error("write", "/x", EIO).kind, model::ErrorKind::kTransient);
  EXPECT_EQ(io_error("write", "/x", EACCES).kind, model::ErrorKind::kTerminal);
  EXPECT_EQ(io_error("write", "/x", EROFS).kind, model::ErrorKind::kTerminal);
  EXPECT_EQ(io_error("write", "/x", ENOSPC).message, "write /x: No space left on device");
}

}  // namespace
}  // namespace rwd::history
