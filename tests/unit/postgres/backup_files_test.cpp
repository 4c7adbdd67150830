#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "rewind/postgres/backup.hpp"

namespace rwd::postgres {
namespace {

namespace fs = std::filesystem;
using std::chrono::hours;
using std::chrono::milliseconds;

model::Timestamp at(const char* text) { return *model::parse_timestamp(text); }

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "rewind-backup-files-XXXXXX").string();
    dir_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const std::string& path() const { return dir_; }
  std::string touch(const std::string& name, const std::string& content = "x") const {
    const std::string p = dir_ + "/" + name;
    std::ofstream(p) << content;
    return p;
  }
  std::string dump(const std::string& db, model::Timestamp t) const {
    return touch(backup_file_name(db, t));
  }

 private:
  std::string dir_;
};

TEST(BackupFileName, FormatsUtcMilliseconds) {
  EXPECT_EQ(backup_file_name("shop", at("2026-03-04T05:06:07.089Z")),
            "shop-20260304T050607089Z.dump");
  EXPECT_EQ(backup_file_name("shop", at("2026-03-04T07:06:07+02:00")),
            "shop-20260304T050607000Z.dump");
}

TEST(BackupFileName, EncodesUnsafeBytes) {
  const std::string name = backup_file_name("a/b c%", at("2026-01-01T00:00:00Z"));
  EXPECT_EQ(name, "a%2Fb%20c%25-20260101T000000000Z.dump");
  const auto parsed = parse_backup_file_name(name);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->database, "a/b c%");
}

TEST(BackupFileName, ParsesItsOwnNamesOnly) {
  const auto t = at("2026-12-31T23:59:58.123Z");
  const auto parsed = parse_backup_file_name(backup_file_name("my-db", t));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->database, "my-db");
  EXPECT_EQ(parsed->taken_at, t);
  for (const char* bad :
       {"shop-20260304T050607089Z.dump.partial", "shop-20260304T050607089.dump",
        "-20260304T050607089Z.dump", "shop-20261304T050607089Z.dump",
        "shop-20260230T050607089Z.dump", "shop-20260304T250607089Z.dump",
        "shop_20260304T050607089Z.dump", "shop-2026030xT050607089Z.dump", "README",
        "a%2-20260304T050607089Z.dump", "a b-20260304T050607089Z.dump"}) {
    EXPECT_FALSE(parse_backup_file_name(bad)) << bad;
  }
}

TEST(RestoreNames, SuffixesWithSecondStamp) {
  const auto names = restore_names("shop", at("2026-03-04T05:06:07.900Z"));
  EXPECT_EQ(names.scratch, "shop_rewind_restore_20260304T050607Z");
  EXPECT_EQ(names.kept_as, "shop_before_rollback_20260304T050607Z");
}

TEST(RestoreNames, LongNamesFitTheIdentifierLimit) {
  const auto t = at("2026-03-04T05:06:07Z");
  const std::string long_a(60, 'a');
  const auto a = restore_names(long_a, t);
  EXPECT_EQ(a.scratch.size(), 63U);
  EXPECT_EQ(a.kept_as.size(), 63U);
  EXPECT_TRUE(a.kept_as.ends_with("_before_rollback_20260304T050607Z")) << a.kept_as;
  EXPECT_TRUE(a.kept_as.starts_with("aaaa")) << a.kept_as;
  // Same long prefix, different name: different scratch databases.
  const auto b = restore_names(long_a + "b", t);
  EXPECT_NE(a.scratch, b.scratch);
  EXPECT_NE(a.kept_as, b.kept_as);
  // A name that just fits is used as is.
  const std::string fits(63 - 33, 'c');
  EXPECT_EQ(restore_names(fits, t).kept_as, fits + "_before_rollback_20260304T050607Z");
}

TEST(RestoreNames, NeverSplitsAUtf8Character) {
  std::string name;
  for (int i = 0; i < 30; ++i) name += "\xC3\xA9";  // é, two bytes each
  const auto names = restore_names(name, at("2026-03-04T05:06:07Z"));
  EXPECT_LE(names.kept_as.size(), 63U);
  const std::string base = names.kept_as.substr(0, names.kept_as.find('_'));
  EXPECT_EQ(base.size() % 2, 0U) << names.kept_as;
}

TEST(Sha256, KnownValues) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  TempDir dir;
  auto file = sha256_file(dir.touch("f", "abc"));
  ASSERT_TRUE(file.ok()) << file.error().message();
  EXPECT_EQ(*file, sha256_hex("abc"));
  const auto missing = sha256_file(dir.path() + "/missing");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find(dir.path() + "/missing"), std::string::npos);
}

TEST(ListBackups, NewestFirstOnlyThisDatabase) {
  TempDir dir;
  const auto t = at("2026-03-04T05:00:00Z");
  const auto old = dir.dump("shop", t);
  const auto mid = dir.dump("shop", t + hours(1));
  const auto recent = dir.dump("shop", t + hours(2));
  dir.dump("shop-eu", t + hours(3));
  dir.touch(backup_file_name("shop", t + hours(4)) + ".partial");
  dir.touch("notes.txt");
  const auto list = list_backups(dir.path(), "shop");
  ASSERT_EQ(list.size(), 3U);
  EXPECT_EQ(list[0].path, recent);
  EXPECT_EQ(list[1].path, mid);
  EXPECT_EQ(list[2].path, old);
  EXPECT_EQ(list[0].taken_at, t + hours(2));
  EXPECT_EQ(list[0].database, "shop");
  EXPECT_EQ(list[0].bytes, 1);
  EXPECT_TRUE(list_backups(dir.path() + "/missing", "shop").empty());
}

TEST(PruneBackups, KeepsCountNewestAndProtected) {
  TempDir dir;
  const auto t = at("2026-03-04T05:00:00Z");
  std::vector<std::string> paths;
  for (int i = 0; i < 5; ++i) paths.push_back(dir.dump("shop", t + hours(i)));  // [4] newest
  const auto other = dir.dump("other", t);
  const auto removed =
      prune_backups(dir.path(), "shop", 2, milliseconds(0), t + hours(5), {paths[0]});
  EXPECT_EQ(removed, (std::vector<std::string>{paths[2], paths[1]}));
  EXPECT_TRUE(fs::exists(paths[0]));  // protected
  EXPECT_TRUE(fs::exists(paths[3]));
  EXPECT_TRUE(fs::exists(paths[4]));
  EXPECT_TRUE(fs::exists(other));
}

TEST(PruneBackups, MaxAgeButNeverTheNewest) {
  TempDir dir;
  const auto t = at("2026-03-04T05:00:00Z");
  const auto a = dir.dump("shop", t);
  const auto b = dir.dump("shop", t + hours(1));
  const auto c = dir.dump("shop", t + hours(30));
  // 24h max age at t+40h: a and b are too old; c (10h) stays.
  auto removed = prune_backups(dir.path(), "shop", 0, hours(24), t + hours(40), {});
  EXPECT_EQ(removed, (std::vector<std::string>{b, a}));
  // Even when the newest is too old, it stays.
  removed = prune_backups(dir.path(), "shop", 0, hours(24), t + hours(100), {});
  EXPECT_TRUE(removed.empty());
  EXPECT_TRUE(fs::exists(c));
  // keep 1 removes nothing more either.
  EXPECT_TRUE(prune_backups(dir.path(), "shop", 1, hours(1), t + hours(100), {}).empty());
}

TEST(PruneBackups, ProtectMatchesNormalisedPaths) {
  TempDir dir;
  const auto t = at("2026-03-04T05:00:00Z");
  const auto a = dir.dump("shop", t);
  dir.dump("shop", t + hours(1));
  const std::string roundabout = dir.path() + "/./sub/../" + fs::path(a).filename().string();
  EXPECT_TRUE(prune_backups(dir.path(), "shop", 1, hours(0), t, {roundabout}).empty());
  EXPECT_TRUE(fs::exists(a));
}

}  // namespace
}  // namespace rwd::postgres
