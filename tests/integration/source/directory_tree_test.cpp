// The directory source and the shape of the tree: directories that come
// later, git checkouts, directory swaps, symlinks, the root going away.

#include <gmock/gmock.h>

#include "dir_fixture.hpp"

namespace rwd::source::testing {
namespace {

using TreeTest = SourceFixture;

TEST_F(TreeTest, ASubdirectoryCreatedLaterIsWatched) {
  start();
  // Directory and file in one go: the file may land before the watch does;
  // the listing after the watch picks it up.
  write_file(root_ / "new" / "deeper" / "api.yaml", release_yaml("api", "api:1"));
  EXPECT_TRUE(becomes("api", "api:1"));
  EXPECT_TRUE(eventually([&] { return source_->stats().watched_dirs == 3; }));
  // And it is watched: an edit there is seen.
  write_file(root_ / "new" / "deeper" / "api.yaml", release_yaml("api", "api:2"));
  EXPECT_TRUE(becomes("api", "api:2"));
  fs::remove_all(root_ / "new");
  EXPECT_TRUE(becomes("api", "<none>"));
  EXPECT_TRUE(eventually([&] { return source_->stats().watched_dirs == 1; }));
}

TEST_F(TreeTest, ADirectoryMovedInAndOut) {
  write_file(dir_.path() / "staging" / "web.yaml", release_yaml("web", "web:1"));
  start();
  fs::rename(dir_.path() / "staging", root_ / "staging");
  EXPECT_TRUE(becomes("web", "web:1"));
  fs::rename(root_ / "staging", dir_.path() / "gone");
  EXPECT_TRUE(becomes("web", "<none>"));
  // Moved out, no longer watched: edits there are not seen.
  write_file(dir_.path() / "gone" / "web.yaml", release_yaml("web", "web:2"));
  write_file(root_ / "marker.yaml", release_yaml("marker", "m:1"));
  EXPECT_TRUE(becomes("marker", "m:1"));
  EXPECT_FALSE(has_release("web"));
}

TEST_F(TreeTest, SwappingDirectoriesLikeADeployTool) {
  write_file(root_ / "current" / "api.yaml", release_yaml("api", "api:1"));
  write_file(root_ / "current" / "old-only.yaml", release_yaml("old", "o:1"));
  start();
  write_file(root_ / "next" / "api.yaml", release_yaml("api", "api:2"));
  write_file(root_ / "next" / "new-only.yaml", release_yaml("new", "n:1"));
  fs::rename(root_ / "current", root_ / "previous");
  fs::rename(root_ / "next", root_ / "current");
  fs::remove_all(root_ / "previous");
  EXPECT_TRUE(becomes("api", "api:2"));
  EXPECT_TRUE(becomes("new", "n:1"));
  EXPECT_TRUE(becomes("old", "<none>"));
  EXPECT_EQ(origin("api"), (root_ / "current/api.yaml").string());
}

TEST_F(TreeTest, GitCheckoutBetweenBranches) {
  const std::string git = "git -C '" + root_.string() +
                          "' -c user.name=rewind -c user.email=rewind@localhost "
                          "-c init.defaultBranch=main -c commit.gpgsign=false ";
  ASSERT_EQ(run(git + "init -q"), 0);
  write_file(root_ / "api.yaml", release_yaml("api", "api:1"));
  write_file(root_ / "team" / "web.yaml", release_yaml("web", "web:1"));
  ASSERT_EQ(run(git + "add -A && " + git + "commit -q -m one"), 0);
  ASSERT_EQ(run(git + "checkout -q -b two"), 0);
  write_file(root_ / "api.yaml", release_yaml("api", "api:2"));
  fs::remove_all(root_ / "team");
  write_file(root_ / "other" / "worker.yaml", release_yaml("worker", "w:1"));
  ASSERT_EQ(run(git + "add -A && " + git + "commit -q -m two"), 0);
  ASSERT_EQ(run(git + "checkout -q main"), 0);

  start();
  EXPECT_EQ(image("api"), "api:1");
  EXPECT_EQ(image("web"), "web:1");
  EXPECT_FALSE(has_release("worker"));

  ASSERT_EQ(run(git + "checkout -q two"), 0);
  EXPECT_TRUE(becomes("api", "api:2"));
  EXPECT_TRUE(becomes("web", "<none>"));
  EXPECT_TRUE(becomes("worker", "w:1"));

  // git revert of the bump: back to api:1, as a GitOps revert would.
  ASSERT_EQ(run(git + "revert --no-edit HEAD >/dev/null"), 0);
  EXPECT_TRUE(becomes("api", "api:1"));
  EXPECT_TRUE(becomes("web", "web:1"));
  EXPECT_TRUE(becomes("worker", "<none>"));
  EXPECT_TRUE(source_->diagnostics().empty());
}

TEST_F(TreeTest, ASymlinkLeavingTheDirectoryIsNotFollowed) {
  write_file(dir_.path() / "outside" / "evil.yaml", release_yaml("evil", "e:1"));
  fs::create_symlink(dir_.path() / "outside" / "evil.yaml", root_ / "evil.yaml");
  fs::create_symlink(dir_.path() / "outside", root_ / "linked-dir");
  fs::create_symlink("../outside/evil.yaml", root_ / "relative.yaml");
  start();
  EXPECT_FALSE(has_release("evil"));
  fs::create_symlink(dir_.path() / "outside" / "evil.yaml", root_ / "later.yaml");
  write_file(root_ / "marker.yaml", release_yaml("marker", "m:1"));
  EXPECT_TRUE(becomes("marker", "m:1"));
  EXPECT_FALSE(has_release("evil"));
  EXPECT_EQ(store_.size(), 1U);
}

TEST_F(TreeTest, ConfigMapStyleSymlinksInsideAreFollowedAndSwapped) {
  // What the kubelet builds for a ConfigMap volume:
  //   ..2024_1/api.yaml, ..data -> ..2024_1, api.yaml -> ..data/api.yaml
  write_file(root_ / "..2024_1" / "api.yaml", release_yaml("api", "api:1"));
  fs::create_directory_symlink("..2024_1", root_ / "..data");
  fs::create_symlink("..data/api.yaml", root_ / "api.yaml");
  start();
  EXPECT_EQ(image("api"), "api:1");

  // An update: a new timestamped directory, then ..data swapped atomically.
  write_file(root_ / "..2024_2" / "api.yaml", release_yaml("api", "api:2"));
  fs::create_directory_symlink("..2024_2", root_ / "..data_tmp");
  fs::rename(root_ / "..data_tmp", root_ / "..data");
  fs::remove_all(root_ / "..2024_1");
  EXPECT_TRUE(becomes("api", "api:2"));
}

TEST_F(TreeTest, TheRootGoingAwayKeepsTheObjectsUntilItIsBack) {
  write_file(root_ / "api.yaml", release_yaml("api", "api:1"));
  {
    DirectorySourceOptions o;
    o.root_check = 20ms;
    start(o);
  }
  fs::remove_all(root_);
  ASSERT_TRUE(eventually([&] { return diagnostics_mention("directory was removed"); }));
  EXPECT_EQ(image("api"), "api:1");

  write_file(root_ / "api.yaml", release_yaml("api", "api:2"));
  EXPECT_TRUE(becomes("api", "api:2"));
  EXPECT_TRUE(eventually([&] { return source_->diagnostics().empty(); }));
  // Watched again.
  write_file(root_ / "web.yaml", release_yaml("web", "web:1"));
  EXPECT_TRUE(becomes("web", "web:1"));
}

TEST_F(TreeTest, ARootThatIsASymlinkFollowsItsRetarget) {
  const fs::path v1 = dir_.path() / "v1";
  const fs::path v2 = dir_.path() / "v2";
  write_file(v1 / "api.yaml", release_yaml("api", "api:1"));
  write_file(v2 / "api.yaml", release_yaml("api", "api:2"));
  fs::remove(root_);
  fs::create_directory_symlink(v1, root_);
  {
    DirectorySourceOptions o;
    o.root_check = 20ms;
    start(o);
  }
  EXPECT_EQ(image("api"), "api:1");
  fs::create_directory_symlink(v2, dir_.path() / "tmp-link");
  fs::rename(dir_.path() / "tmp-link", root_);
  EXPECT_TRUE(becomes("api", "api:2"));
  write_file(v2 / "api.yaml", release_yaml("api", "api:3"));
  EXPECT_TRUE(becomes("api", "api:3"));
}

}  // namespace
}  // namespace rwd::source::testing
