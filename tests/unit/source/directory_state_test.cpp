#include "rewind/source/directory_state.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "directory_fixtures.hpp"

namespace rwd::source {
namespace {

using runtime::release_ref;
using runtime::rollback_ref;
using testing::image_of;
using testing::parse;
using testing::release_yaml;
using testing::rollback_yaml;

// "added Release/shop/api a.yaml"
std::vector<std::string> describe(const std::vector<Change>& changes) {
  std::vector<std::string> out;
  for (const Change& c : changes) {
    out.push_back(std::string(to_string(c.type)) + " " + c.ref.str() + " " + c.object.file);
  }
  return out;
}

std::vector<std::string> lines(const std::vector<model::Diagnostic>& diags) {
  std::vector<std::string> out;
  for (const auto& d : diags) out.push_back(d.str());
  return out;
}

TEST(DirectoryState, AFileAddsItsObjectsAndAnEditModifiesThem) {
  DirectoryState s;
  auto c1 = s.set_file(
      "a.yaml",
      parse(release_yaml("api", "app:1") + "---\n" + rollback_yaml("rb", "api"), "a.yaml"));
  EXPECT_THAT(describe(c1), ::testing::ElementsAre("added Release/shop/api a.yaml",
                                                   "added Rollback/shop/rb a.yaml"));
  EXPECT_EQ(s.objects().at(release_ref("shop", "api")).document, 0U);
  EXPECT_EQ(s.objects().at(rollback_ref("shop", "rb")).document, 1U);

  auto c2 = s.set_file(
      "a.yaml",
      parse(release_yaml("api", "app:2") + "---\n" + rollback_yaml("rb", "api"), "a.yaml"));
  EXPECT_THAT(describe(c2), ::testing::ElementsAre("modified Release/shop/api a.yaml"));
  EXPECT_EQ(image_of(s.objects().at(release_ref("shop", "api")).object), "app:2");

  // The same content again changes nothing.
  EXPECT_TRUE(s.set_file("a.yaml",
                         parse(release_yaml("api", "app:2") + "---\n" + rollback_yaml("rb", "api"),
                               "a.yaml"))
                  .empty());
  EXPECT_TRUE(s.diagnostics().empty());
}

TEST(DirectoryState, ADocumentLeavingTheFileDeletesItsObject) {
  DirectoryState s;
  (void)s.set_file(
      "a.yaml",
      parse(release_yaml("api", "app:1") + "---\n" + rollback_yaml("rb", "api"), "a.yaml"));
  auto c = s.set_file("a.yaml", parse(release_yaml("api", "app:1"), "a.yaml"));
  EXPECT_THAT(describe(c), ::testing::ElementsAre("deleted Rollback/shop/rb a.yaml"));
  // Single-document files carry no document index.
  EXPECT_EQ(s.objects().at(release_ref("shop", "api")).document, std::nullopt);
}

TEST(DirectoryState, ABrokenFileKeepsItsLastGoodObjectsAndReportsErrors) {
  DirectoryState s;
  (void)s.set_file(
      "a.yaml",
      parse(release_yaml("api", "app:1") + "---\n" + rollback_yaml("rb", "api"), "a.yaml"));
  // One document gone bad, the other changed: nothing of the file applies.
  const std::string broken = release_yaml("api", "app:2") + "---\n" +
                             "apiVersion: rewind.dev/v1alpha1\nkind: Rollback\n"
                             "metadata: {name: rb}\nspec: {to: previous}\n";
  auto c = s.set_file("a.yaml", parse(broken, "a.yaml"));
  EXPECT_TRUE(c.empty());
  EXPECT_EQ(image_of(s.objects().at(release_ref("shop", "api")).object), "app:1");
  EXPECT_EQ(s.objects().size(), 2U);
  ASSERT_FALSE(s.diagnostics().empty());
  EXPECT_THAT(s.diagnostics()[0].str(), ::testing::StartsWith("a.yaml[1]: spec"));
  ASSERT_EQ(s.files().size(), 1U);
  EXPECT_TRUE(s.files()[0].stale);
  EXPECT_EQ(s.files()[0].objects, 2U);

  // Unparseable YAML: the same.
  EXPECT_TRUE(s.set_file("a.yaml", parse("metadata: [unclosed\n", "a.yaml")).empty());
  EXPECT_EQ(s.objects().size(), 2U);

  // Fixed: the new content applies and the errors go.
  auto fixed = s.set_file("a.yaml", parse(release_yaml("api", "app:3"), "a.yaml"));
  EXPECT_THAT(describe(fixed), ::testing::ElementsAre("modified Release/shop/api a.yaml",
                                                      "deleted Rollback/shop/rb a.yaml"));
  EXPECT_TRUE(s.diagnostics().empty());
  EXPECT_FALSE(s.files()[0].stale);
}

TEST(DirectoryState, AFileBrokenFromTheStartProvidesNothing) {
  DirectoryState s;
  EXPECT_TRUE(s.set_file("bad.yaml", parse("kind: Release\n", "bad.yaml")).empty());
  EXPECT_TRUE(s.objects().empty());
  EXPECT_FALSE(s.diagnostics().empty());
  EXPECT_FALSE(s.files()[0].stale);  // nothing kept: nothing stale
}

TEST(DirectoryState, ReadErrorsAreBrokenFilesToo) {
  DirectoryState s;
  (void)s.set_file("a.yaml", parse(release_yaml("api", "app:1"), "a.yaml"));
  model::ParseResult unreadable;
  unreadable.errors.push_back({"a.yaml", std::nullopt, {"", "file is too large", {}}});
  EXPECT_TRUE(s.set_file("a.yaml", unreadable).empty());
  EXPECT_EQ(s.objects().size(), 1U);
  EXPECT_THAT(lines(s.diagnostics()), ::testing::ElementsAre("a.yaml: file is too large"));
}

TEST(DirectoryState, RemovingAFileDeletesItsObjectsEvenWhenItWasBroken) {
  DirectoryState s;
  (void)s.set_file("a.yaml", parse(release_yaml("api", "app:1"), "a.yaml"));
  (void)s.set_file("a.yaml", parse("{", "a.yaml"));
  auto c = s.remove_file("a.yaml");
  EXPECT_THAT(describe(c), ::testing::ElementsAre("deleted Release/shop/api a.yaml"));
  EXPECT_TRUE(s.diagnostics().empty());
  EXPECT_TRUE(s.remove_file("a.yaml").empty());
}

TEST(DirectoryState, OneNameTwiceInOneFileBreaksTheFile) {
  DirectoryState s;
  (void)s.set_file("a.yaml", parse(release_yaml("api", "app:1"), "a.yaml"));
  auto c = s.set_file(
      "a.yaml",
      parse(release_yaml("api", "app:2") + "---\n" + release_yaml("api", "app:3"), "a.yaml"));
  EXPECT_TRUE(c.empty());
  EXPECT_EQ(image_of(s.objects().at(release_ref("shop", "api")).object), "app:1");
  EXPECT_THAT(lines(s.diagnostics()),
              ::testing::ElementsAre("a.yaml[1]: metadata.name: Release \"api\" in namespace "
                                     "\"shop\" is already defined in a.yaml[0]"));
}

TEST(DirectoryState, TheFileHoldingANameKeepsItAndTheDuplicateIsReported) {
  DirectoryState s;
  (void)s.set_file("b.yaml", parse(release_yaml("api", "from-b"), "b.yaml"));
  // a.yaml sorts first but comes later: b.yaml keeps the name.
  auto c = s.set_file("a.yaml", parse(release_yaml("api", "from-a"), "a.yaml"));
  EXPECT_TRUE(c.empty());
  EXPECT_EQ(image_of(s.objects().at(release_ref("shop", "api")).object), "from-b");
  EXPECT_THAT(lines(s.diagnostics()),
              ::testing::ElementsAre("a.yaml: metadata.name: Release \"api\" in namespace "
                                     "\"shop\" is already defined in b.yaml"));
  // The holder lets go: the duplicate takes over, as a modification.
  auto c2 = s.remove_file("b.yaml");
  EXPECT_THAT(describe(c2), ::testing::ElementsAre("modified Release/shop/api a.yaml"));
  EXPECT_TRUE(s.diagnostics().empty());
}

TEST(DirectoryState, OnAFirstListThePathThatSortsFirstHoldsTheName) {
  DirectoryState s;
  std::map<std::string, model::ParseResult> files;
  files.emplace("z.yaml", parse(release_yaml("api", "from-z"), "z.yaml"));
  files.emplace("m/a.yaml", parse(release_yaml("api", "from-m"), "m/a.yaml"));
  auto c = s.reset(std::move(files));
  EXPECT_THAT(describe(c), ::testing::ElementsAre("added Release/shop/api m/a.yaml"));
  ASSERT_EQ(s.diagnostics().size(), 1U);
  EXPECT_EQ(s.diagnostics()[0].source, "z.yaml");
}

TEST(DirectoryState, DifferentNamespacesAndKindsAreNotDuplicates) {
  DirectoryState s;
  (void)s.set_file("a.yaml", parse(release_yaml("api", "x:1", "shop"), "a.yaml"));
  (void)s.set_file("b.yaml", parse(release_yaml("api", "x:1", "blog"), "b.yaml"));
  (void)s.set_file("c.yaml", parse(rollback_yaml("api", "api"), "c.yaml"));
  EXPECT_EQ(s.objects().size(), 3U);
  EXPECT_TRUE(s.diagnostics().empty());
}

TEST(DirectoryState, ANameMovingBetweenFilesInOneBatchIsOneModification) {
  DirectoryState s;
  (void)s.set_file("old.yaml", parse(release_yaml("api", "app:1"), "old.yaml"));
  std::map<std::string, std::optional<model::ParseResult>> batch;
  batch.emplace("old.yaml", std::nullopt);
  batch.emplace("new.yaml", parse(release_yaml("api", "app:1"), "new.yaml"));
  auto c = s.update(std::move(batch));
  EXPECT_THAT(describe(c), ::testing::ElementsAre("modified Release/shop/api new.yaml"));
}

TEST(DirectoryState, ResetDropsVanishedFilesAndKeepsLastGoodOfBrokenOnes) {
  DirectoryState s;
  (void)s.set_file("a.yaml", parse(release_yaml("a", "a:1"), "a.yaml"));
  (void)s.set_file("b.yaml", parse(release_yaml("b", "b:1"), "b.yaml"));
  std::map<std::string, model::ParseResult> files;
  files.emplace("a.yaml", parse("{{{", "a.yaml"));
  files.emplace("c.yaml", parse(release_yaml("c", "c:1"), "c.yaml"));
  auto c = s.reset(std::move(files));
  EXPECT_THAT(describe(c), ::testing::ElementsAre("deleted Release/shop/b b.yaml",
                                                  "added Release/shop/c c.yaml"));
  EXPECT_TRUE(s.objects().count(release_ref("shop", "a")));
  EXPECT_FALSE(s.diagnostics().empty());
  EXPECT_TRUE(s.has_file("a.yaml"));
  EXPECT_FALSE(s.has_file("b.yaml"));
}

TEST(DirectoryState, AnEmptyFileIsValidAndProvidesNothing) {
  DirectoryState s;
  (void)s.set_file("a.yaml", parse(release_yaml("api", "app:1"), "a.yaml"));
  auto c = s.set_file("a.yaml", parse("", "a.yaml"));
  EXPECT_THAT(describe(c), ::testing::ElementsAre("deleted Release/shop/api a.yaml"));
}

TEST(DirectoryState, OneFileOfManyChangesOnlyItsObjectsAndDuplicatesStayReported) {
  DirectoryState s;
  std::map<std::string, model::ParseResult> all;
  for (int i = 0; i < 300; ++i) {
    const std::string file = "svc-" + std::to_string(i) + ".yaml";
    all.emplace(file, parse(release_yaml("svc-" + std::to_string(i), "app:1"), file));
  }
  all.emplace("zz-dup.yaml", parse(release_yaml("svc-7", "app:9"), "zz-dup.yaml"));
  EXPECT_EQ(s.reset(std::move(all)).size(), 300U);
  ASSERT_EQ(s.diagnostics().size(), 1U);

  EXPECT_THAT(
      describe(s.set_file("svc-42.yaml", parse(release_yaml("svc-42", "app:2"), "svc-42.yaml"))),
      ::testing::ElementsAre("modified Release/shop/svc-42 svc-42.yaml"));
  EXPECT_THAT(lines(s.diagnostics()), ::testing::ElementsAre(::testing::HasSubstr(
                                          "\"svc-7\" in namespace \"shop\" is already defined in "
                                          "svc-7.yaml")));
  // The holder goes: the duplicate takes over, as one modification.
  EXPECT_THAT(describe(s.remove_file("svc-7.yaml")),
              ::testing::ElementsAre("modified Release/shop/svc-7 zz-dup.yaml"));
  EXPECT_TRUE(s.diagnostics().empty());
  EXPECT_EQ(image_of(s.objects().at(release_ref("shop", "svc-7")).object), "app:9");
  EXPECT_THAT(describe(s.remove_file("svc-0.yaml")),
              ::testing::ElementsAre("deleted Release/shop/svc-0 svc-0.yaml"));
  EXPECT_EQ(s.objects().size(), 299U);
}

}  // namespace
}  // namespace rwd::source
