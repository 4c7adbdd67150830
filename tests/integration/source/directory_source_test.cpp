// The directory source on a real directory with real inotify: listing,
// edits, renames, broken files.

#include <gmock/gmock.h>

#include "dir_fixture.hpp"

namespace rwd::source::testing {
namespace {

using SourceTest = SourceFixture;

TEST_F(SourceTest, TheInitialListIsInTheStoreWhenStartReturns) {
  write_file(root_ / "api.yaml",
             release_yaml("api", "api:1") + "---\n" + rollback_yaml("rb", "api"));
  write_file(root_ / "team" / "deep" / "web.yml", release_yaml("web", "web:1"));
  write_file(root_ / ".git" / "config.yaml", release_yaml("hidden", "x:1"));
  write_file(root_ / ".hidden.yaml", release_yaml("dotfile", "x:1"));
  write_file(root_ / "notes.txt", release_yaml("txt", "x:1"));
  write_file(root_ / ".github" / "ci.yaml", "on: push\n");
  start();
  EXPECT_TRUE(source_->has_synced());
  EXPECT_EQ(image("api"), "api:1");
  EXPECT_EQ(image("web"), "web:1");
  EXPECT_TRUE(store_.get_rollback({"shop", "rb"}));
  EXPECT_EQ(store_.size(), 3U);  // no dot-files, dot-directories or other extensions
  EXPECT_EQ(origin("web"), (root_ / "team/deep/web.yml").string());
  EXPECT_TRUE(source_->diagnostics().empty());
  EXPECT_EQ(source_->stats().full_scans, 1U);
  EXPECT_EQ(source_->stats().watched_dirs, 3U);  // root, team, team/deep
  EXPECT_EQ(store_.get(runtime::release_ref("shop", "api"))->source, "directory:" + root_.string());
}

TEST_F(SourceTest, StartFailsOnAMissingDirectory) {
  DirectorySourceOptions o;
  o.root = root_ / "nope";
  DirectorySource source(o, store_);
  const model::Status st = source.start();
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.error().message, ::testing::HasSubstr("not a directory"));
  EXPECT_FALSE(source.has_synced());
}

TEST_F(SourceTest, CreateEditDelete) {
  start();
  write_file(root_ / "api.yaml", release_yaml("api", "api:1"));
  EXPECT_TRUE(becomes("api", "api:1"));
  write_file(root_ / "api.yaml", release_yaml("api", "api:2"));  // in place
  EXPECT_TRUE(becomes("api", "api:2"));
  fs::remove(root_ / "api.yaml");
  EXPECT_TRUE(becomes("api", "<none>"));
}

TEST_F(SourceTest, WriteToATempFileThenRenameOver) {
  write_file(root_ / "api.yaml", release_yaml("api", "api:1"));
  // A generous debounce: the assertion below is about batching, not speed.
  {
    DirectorySourceOptions o;
    o.debounce = 400ms;
    start(o);
  }
  std::vector<runtime::EventType> events;
  std::mutex mu;
  store_.subscribe([&](const runtime::Event& e) {
    std::lock_guard lock(mu);
    events.push_back(e.type);
  });
  write_atomically(root_ / "api.yaml", release_yaml("api", "api:2"), ".api.yaml.swp");
  EXPECT_TRUE(becomes("api", "api:2"));
  // vim's way: probe file, backup by rename, write the new file.
  write_file(root_ / "4913", "");
  fs::remove(root_ / "4913");
  fs::rename(root_ / "api.yaml", root_ / "api.yaml~");
  write_file(root_ / "api.yaml", release_yaml("api", "api:3"));
  fs::remove(root_ / "api.yaml~");
  EXPECT_TRUE(becomes("api", "api:3"));
  std::lock_guard lock(mu);
  // Never deleted on the way: the debounce joins unlink/rename and the new file.
  EXPECT_THAT(events, ::testing::Each(runtime::EventType::kModified));
}

TEST_F(SourceTest, RenamingAFileMovesItsObjectsWithoutDeletingThem) {
  write_file(root_ / "api.yaml", release_yaml("api", "api:1"));
  {
    DirectorySourceOptions o;
    o.debounce = 400ms;
    start(o);
  }
  std::vector<std::string> events;
  std::mutex mu;
  store_.subscribe([&](const runtime::Event& e) {
    std::lock_guard lock(mu);
    events.push_back(std::string(runtime::to_string(e.type)) + " " + e.origin);
  });
  fs::create_directories(root_ / "prod");
  fs::rename(root_ / "api.yaml", root_ / "prod" / "api.yaml");
  EXPECT_TRUE(eventually([&] { return origin("api") == (root_ / "prod/api.yaml").string(); }));
  EXPECT_EQ(image("api"), "api:1");
  std::lock_guard lock(mu);
  EXPECT_THAT(events, ::testing::ElementsAre("modified " + (root_ / "prod/api.yaml").string()));
}

TEST_F(SourceTest, ABrokenFileKeepsItsObjectsReportsErrorsAndRecovers) {
  write_file(root_ / "api.yaml",
             release_yaml("api", "api:1") + "---\n" + rollback_yaml("rb", "api"));
  start();
  const auto version = store_.version();

  write_file(root_ / "api.yaml",
             "apiVersion: rewind.dev/v1alpha1\nkind: Release\nmetadata: [oops\n");
  ASSERT_TRUE(eventually([&] { return diagnostics_mention("api.yaml"); }));
  EXPECT_EQ(image("api"), "api:1");
  EXPECT_TRUE(store_.get_rollback({"shop", "rb"}));
  EXPECT_EQ(store_.version(), version);  // nothing changed in the store
  ASSERT_EQ(source_->files().size(), 1U);
  EXPECT_TRUE(source_->files()[0].stale);
  // The callback (status writer, log) hears of it too.
  EXPECT_TRUE(eventually([&] {
    std::lock_guard lock(diag_mu_);
    return !published_.empty() && !published_.back().empty();
  }));

  // Valid YAML, invalid spec: still kept, a field error with its path.
  write_file(root_ / "api.yaml",
             "apiVersion: rewind.dev/v1alpha1\nkind: Release\n"
             "metadata: {name: api, namespace: shop}\n"
             "spec: {target: {docker: {project: shop, service: api}}, "
             "image: api:9, replicas: 3}\n");
  ASSERT_TRUE(eventually([&] { return diagnostics_mention("spec.replicas"); }));
  EXPECT_EQ(image("api"), "api:1");

  write_file(root_ / "api.yaml", release_yaml("api", "api:2"));
  EXPECT_TRUE(becomes("api", "api:2"));
  EXPECT_TRUE(eventually([&] { return source_->diagnostics().empty(); }));
  // The fixed file has no Rollback: its deletion follows the Release's update.
  EXPECT_TRUE(eventually([&] { return !store_.get_rollback({"shop", "rb"}); }));
  EXPECT_TRUE(eventually([&] {
    std::lock_guard lock(diag_mu_);
    return published_.back().empty();
  }));
}

TEST_F(SourceTest, AFileOverTheSizeLimitIsRefusedAndTheOldObjectsStay) {
  write_file(root_ / "api.yaml", release_yaml("api", "api:1"));
  start();
  std::string big = release_yaml("api", "api:2") + "# ";
  big.append(1024 * 1024, 'x');
  big += "\n";
  write_file(root_ / "api.yaml", big);
  ASSERT_TRUE(eventually([&] { return diagnostics_mention("more than the limit"); }));
  EXPECT_EQ(image("api"), "api:1");
}

TEST_F(SourceTest, DuplicatesAcrossFilesAreReportedAndTheFirstKeepsTheName) {
  write_file(root_ / "a.yaml", release_yaml("api", "from-a"));
  start();
  write_file(root_ / "0-first.yaml", release_yaml("api", "from-0"));
  ASSERT_TRUE(eventually([&] { return diagnostics_mention("already defined in"); }));
  EXPECT_EQ(image("api"), "from-a");
  EXPECT_TRUE(diagnostics_mention("0-first.yaml: metadata.name"));
  fs::remove(root_ / "a.yaml");
  EXPECT_TRUE(becomes("api", "from-0"));
  EXPECT_TRUE(eventually([&] { return source_->diagnostics().empty(); }));
}

TEST_F(SourceTest, SpacesAndUnicodeInFileNames) {
  start();
  const fs::path p = root_ / "déploiement de l'été ✓" / "mon fichier ü.yaml";
  write_file(p, release_yaml("unicode", "u:1"));
  EXPECT_TRUE(becomes("unicode", "u:1"));
  EXPECT_EQ(origin("unicode"), p.string());
  write_file(p, "kind: [");
  ASSERT_TRUE(eventually([&] { return diagnostics_mention("mon fichier ü.yaml"); }));
  fs::remove(p);
  EXPECT_TRUE(becomes("unicode", "<none>"));
}

TEST_F(SourceTest, ConflictsWithAnotherSourceAreReported) {
  model::Object labelled =
      model::parse_resources(release_yaml("api", "label:1"), "labels").objects.at(0).object;
  (void)store_.apply(runtime::Event::upsert("docker-labels", labelled, "web-1"));
  write_file(root_ / "api.yaml", release_yaml("api", "file:1"));
  start();
  EXPECT_EQ(image("api"), "label:1");
  EXPECT_TRUE(diagnostics_mention("is already defined by docker-labels"));
  // The other source lets go: the file's object shows and the conflict ends.
  (void)store_.apply(
      runtime::Event::deletion("docker-labels", runtime::release_ref("shop", "api")));
  EXPECT_EQ(image("api"), "file:1");
  EXPECT_TRUE(eventually([&] { return source_->diagnostics().empty(); }));
  EXPECT_TRUE(eventually([&] {
    std::lock_guard lock(diag_mu_);
    return !published_.empty() && published_.back().empty();
  }));
}

}  // namespace
}  // namespace rwd::source::testing
