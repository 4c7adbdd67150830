#include "rewind/model/revision.hpp"

#include <set>
#include <string>

#include <gtest/gtest.h>

namespace rwd::model {
namespace {

ReleaseSpec sample_spec() {
  ReleaseSpec spec;
  spec.image = ImageRef{"registry.local/shop-api:v1.2.4"};
  spec.config.env = {{"LOG_LEVEL", "info"}, {"REGION", "eu"}};
  spec.config.env_files = {"./env/api.env"};
  MigrationSpec migration;
  migration.revision = "0007";
  spec.migration = migration;
  return spec;
}

const EnvFileContents kFiles{{"./env/api.env", "DB_POOL=10\n"}};

TEST(Fnv1a64Test, KnownVectors) {
  EXPECT_EQ(fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(fnv1a64("foobar"), 0x85944171f73967e8ULL);
  EXPECT_NE(fnv1a64("a", 1), fnv1a64("a"));
}

// History files store these values: they must never change silently. If this
// test fails, the encoding changed and every stored revision would look new.
TEST(RevisionTest, HashesAreStableAcrossReleases) {
  const Revision r = revision_of(sample_spec(), kFiles);
  EXPECT_EQ(r.image.value(), "registry.local/shop-api:v1.2.4");
  EXPECT_EQ(r.migration_revision, "0007");
  EXPECT_EQ(r.config_hash, "3d721f349c99f89c");
  EXPECT_EQ(revision_hash(r).value(), "4szxrxlfvw");
  EXPECT_EQ(config_hash(ConfigSpec{}, {}), "c98426906ef8bf70");
  EXPECT_EQ(revision_hash(Revision{}).value(), "trjn5gkvxw");
}

TEST(RevisionTest, HashShape) {
  const std::string h = revision_hash(revision_of(sample_spec(), kFiles)).value();
  ASSERT_EQ(h.size(), 10U);
  for (const char c : h) {
    EXPECT_NE(std::string_view("bcdfghjklmnpqrstvwxz2456789").find(c), std::string_view::npos) << c;
  }
  const std::string c = config_hash(sample_spec().config, kFiles);
  ASSERT_EQ(c.size(), 16U);
  EXPECT_EQ(c.find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(RevisionTest, NoMigrationMeansEmptyMigrationRevision) {
  ReleaseSpec spec = sample_spec();
  spec.migration.reset();
  EXPECT_EQ(revision_of(spec, kFiles).migration_revision, "");
}

TEST(RevisionTest, EachFieldChangesTheHash) {
  const Revision base = revision_of(sample_spec(), kFiles);
  Revision image = base;
  image.image = ImageRef{"registry.local/shop-api:v1.2.5"};
  Revision config = base;
  config.config_hash = "0000000000000000";
  Revision migration = base;
  migration.migration_revision = "0008";
  Revision no_migration = base;
  no_migration.migration_revision = "";
  const std::set<std::string> hashes = {
      revision_hash(base).value(), revision_hash(image).value(), revision_hash(config).value(),
      revision_hash(migration).value(), revision_hash(no_migration).value()};
  EXPECT_EQ(hashes.size(), 5U);
}

TEST(RevisionTest, FieldBoundariesAreUnambiguous) {
  const Revision a{ImageRef{"a"}, "bc", ""};
  const Revision b{ImageRef{"ab"}, "c", ""};
  const Revision c{ImageRef{"a"}, "b", "c"};
  EXPECT_NE(revision_hash(a), revision_hash(b));
  EXPECT_NE(revision_hash(a), revision_hash(c));
  EXPECT_NE(revision_hash(b), revision_hash(c));

  ConfigSpec x;
  x.env = {{"a", "bc"}};
  ConfigSpec y;
  y.env = {{"ab", "c"}};
  EXPECT_NE(config_hash(x, {}), config_hash(y, {}));
  // An env entry never reads as a file.
  ConfigSpec z;
  z.env_files = {"a"};
  EXPECT_NE(config_hash(z, {{"a", "bc"}}), config_hash(x, {}));
}

TEST(RevisionTest, EnvOrderDoesNotMatter) {
  ConfigSpec a;
  a.env.emplace("ZETA", "1");
  a.env.emplace("ALPHA", "2");
  ConfigSpec b;
  b.env.emplace("ALPHA", "2");
  b.env.emplace("ZETA", "1");
  EXPECT_EQ(config_hash(a, {}), config_hash(b, {}));
}

TEST(RevisionTest, ConfigSensitivity) {
  const ConfigSpec base = sample_spec().config;
  const std::string h = config_hash(base, kFiles);

  ConfigSpec value = base;
  value.env["LOG_LEVEL"] = "debug";
  EXPECT_NE(config_hash(value, kFiles), h);

  ConfigSpec added = base;
  added.env["NEW"] = "";
  EXPECT_NE(config_hash(added, kFiles), h);

  // The file's contents count, not only its path.
  EXPECT_NE(config_hash(base, {{"./env/api.env", "DB_POOL=11\n"}}), h);
  // Contents of files the spec does not name are ignored.
  EXPECT_EQ(config_hash(base, {{"./env/api.env", "DB_POOL=10\n"}, {"other.env", "X=1"}}), h);

  // A missing file differs from an empty one, and both from a present one.
  const std::string missing = config_hash(base, {});
  const std::string empty = config_hash(base, {{"./env/api.env", ""}});
  EXPECT_NE(missing, empty);
  EXPECT_NE(missing, h);
  EXPECT_NE(empty, h);

  // envFiles order matters: later files override earlier ones.
  ConfigSpec two = base;
  two.env_files = {"a.env", "b.env"};
  ConfigSpec swapped = base;
  swapped.env_files = {"b.env", "a.env"};
  const EnvFileContents files{{"a.env", "X=1"}, {"b.env", "X=2"}};
  EXPECT_NE(config_hash(two, files), config_hash(swapped, files));
}

TEST(RevisionTest, OtherSpecFieldsDoNotChangeTheRevision) {
  ReleaseSpec a = sample_spec();
  ReleaseSpec b = sample_spec();
  b.strategy.type = StrategyType::kCanary;
  b.migration->directory = "./other";
  b.rollback_policy.revision_history_limit = 3;
  EXPECT_EQ(revision_of(a, kFiles), revision_of(b, kFiles));
  EXPECT_EQ(revision_hash(revision_of(a, kFiles)), revision_hash(revision_of(b, kFiles)));
}

}  // namespace
}  // namespace rwd::model
