// Reading and listing on a real file system.

#include "rewind/source/directory_files.hpp"

#include <sys/stat.h>

#include <gmock/gmock.h>

#include "dir_fixture.hpp"
#include "unprivileged.hpp"

namespace rwd::source::testing {
namespace {

class FilesTest : public ::testing::Test {
 protected:
  TempDir dir_;
  fs::path root_ = fs::canonical(dir_.path());
};

TEST_F(FilesTest, ScanListsResourceFilesAndRealDirectories) {
  write_file(root_ / "b.yaml", "");
  write_file(root_ / "a" / "x.yml", "");
  write_file(root_ / "a" / "x.json", "");
  write_file(root_ / ".git" / "HEAD.yaml", "");
  write_file(root_ / ".a.yaml", "");
  fs::create_directory_symlink(root_ / "a", root_ / "link-to-a");
  fs::create_symlink(root_ / "b.yaml", root_ / "c.yaml");
  const TreeScan scan = scan_tree(root_);
  EXPECT_THAT(scan.dirs, ::testing::UnorderedElementsAre("", "a"));
  EXPECT_THAT(scan.files, ::testing::ElementsAre("a/x.yml", "b.yaml", "c.yaml"));
}

TEST_F(FilesTest, ReadsAndParses) {
  write_file(root_ / "api.yaml", release_yaml("api", "api:1"));
  const FileRead r = read_resource_file(root_, "api.yaml", "releases/api.yaml", {});
  ASSERT_EQ(r.status, ReadStatus::kRead);
  EXPECT_TRUE(r.result.ok());
  ASSERT_EQ(r.result.objects.size(), 1U);
  EXPECT_FALSE(r.symlink);
}

TEST_F(FilesTest, MissingDanglingAndNonFiles) {
  EXPECT_EQ(read_resource_file(root_, "nope.yaml", "x", {}).status, ReadStatus::kMissing);
  fs::create_symlink(root_ / "nowhere.yaml", root_ / "dangling.yaml");
  EXPECT_EQ(read_resource_file(root_, "dangling.yaml", "x", {}).status, ReadStatus::kMissing);
  fs::create_directory(root_ / "dir.yaml");
  EXPECT_EQ(read_resource_file(root_, "dir.yaml", "x", {}).status, ReadStatus::kMissing);
  ASSERT_EQ(::mkfifo((root_ / "fifo.yaml").c_str(), 0644), 0);
  EXPECT_EQ(read_resource_file(root_, "fifo.yaml", "x", {}).status, ReadStatus::kMissing);
}

TEST_F(FilesTest, SymlinksInsideAreReadOutsideAreNot) {
  write_file(root_ / "sub" / "real.yaml", release_yaml("api", "api:1"));
  fs::create_symlink("sub/real.yaml", root_ / "inside.yaml");
  const FileRead in = read_resource_file(root_, "inside.yaml", "x", {});
  EXPECT_EQ(in.status, ReadStatus::kRead);
  EXPECT_TRUE(in.symlink);
  TempDir other;
  write_file(other.path() / "o.yaml", release_yaml("o", "o:1"));
  fs::create_symlink(other.path() / "o.yaml", root_ / "outside.yaml");
  const FileRead out = read_resource_file(root_, "outside.yaml", "x", {});
  EXPECT_EQ(out.status, ReadStatus::kOutside);
  EXPECT_THAT(out.detail, ::testing::HasSubstr("leaves the watched directory"));
}

TEST_F(FilesTest, TheSizeLimitIsEnforced) {
  write_file(root_ / "big.yaml", std::string(2048, '#'));
  model::Limits limits;
  limits.max_file_bytes = 1024;
  const FileRead r = read_resource_file(root_, "big.yaml", "releases/big.yaml", limits);
  ASSERT_EQ(r.status, ReadStatus::kRead);
  ASSERT_EQ(r.result.errors.size(), 1U);
  EXPECT_EQ(r.result.errors[0].str(),
            "releases/big.yaml: file is 2048 bytes, more than the limit of 1024 bytes");
}

TEST_F(FilesTest, AnUnreadableFileIsAnError) {
  write_file(root_ / "secret.yaml", "x: 1\n");
  fs::permissions(root_ / "secret.yaml", fs::perms::none);
  // The directories stay searchable by anyone: only the file is unreadable.
  for (fs::path p = root_; p != p.root_path(); p = p.parent_path()) {
    fs::permissions(p, fs::perms::others_exec, fs::perm_options::add);
  }
  // As root the check runs in a child that dropped to uid 65534.
  const std::string seen = itest::unprivileged([&] {
    const FileRead r = read_resource_file(root_, "secret.yaml", "x", {});
    if (r.status != ReadStatus::kRead) return std::string("status is not kRead");
    return r.result.ok() ? std::string("read fine") : "error: " + r.result.errors.front().str();
  });
  EXPECT_THAT(seen, ::testing::StartsWith("error: "));
  EXPECT_THAT(seen, ::testing::HasSubstr("Permission denied"));
}

TEST(IsWithin, ComparesWholeComponents) {
  EXPECT_TRUE(is_within("/srv/a", "/srv/a"));
  EXPECT_TRUE(is_within("/srv/a", "/srv/a/b/c.yaml"));
  EXPECT_TRUE(is_within("/srv/a/", "/srv/a/b"));
  EXPECT_FALSE(is_within("/srv/a", "/srv/ab/c.yaml"));
  EXPECT_FALSE(is_within("/srv/a", "/srv"));
  EXPECT_FALSE(is_within("/srv/a", "/etc/passwd"));
}

}  // namespace
}  // namespace rwd::source::testing
