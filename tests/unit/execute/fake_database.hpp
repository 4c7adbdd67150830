#pragma once
// In-memory DatabaseTarget for unit tests: a schema revision, row counts per
// table and a list of dumps. Every call is logged ("backup", "migrate 0002",
// "restore /b/1.dump", "counts") so tests can assert on the order of
// operations, and each operation can be made to fail.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "rewind/execute/database.hpp"

namespace rwd::execute::testing {

class FakeDatabase : public DatabaseTarget {
 public:
  std::string schema = "none";
  std::map<std::string, std::int64_t> rows;
  std::vector<std::string> calls;
  std::vector<model::BackupRecord> dumps;
  FileContents directory_down;  // what down_scripts() reports
  FileContents last_kept;       // the kept down scripts the last migrate got
  std::set<std::string> last_protect;
  // Failures, each for the next call of its kind (cleared when used).
  std::optional<model::Error> fail_backup, fail_migrate, fail_restore, fail_drill;
  bool unverified_backup = false;
  // What the last drill() was asked: the image its command would run in.
  std::optional<model::ImageRef> drill_image;
  bool drill_down = false;
  // Applied by migrate() when it reaches a schema: rows it loses, say.
  std::map<std::string, std::map<std::string, std::int64_t>> rows_at_schema;
  // The data a restore brings back, by dump path.
  std::map<std::string, std::pair<std::string, std::map<std::string, std::int64_t>>> dump_contents;

  model::Result<std::string> revision(const DatabaseRef&) override { return schema; }

  model::Result<FileContents> down_scripts(const DatabaseRef&) override { return directory_down; }

  model::Result<MigrationDone> migrate(const DatabaseRef&, const std::string& to,
                                       const FileContents& kept) override {
    calls.push_back("migrate " + to);
    last_kept = kept;
    if (fail_migrate) return take(fail_migrate);
    MigrationDone d{schema, to, {}};
    if (schema != to) d.applied.push_back(schema + "->" + to);
    schema = to;
    if (auto it = rows_at_schema.find(to); it != rows_at_schema.end()) {
      for (const auto& [t, n] : it->second) rows[t] = n;
    }
    return d;
  }

  model::Result<model::BackupRecord> backup(
      const DatabaseRef& db, model::Timestamp now, const std::set<std::string>& protect,
      std::optional<model::Timestamp> reuse_since = std::nullopt) override {
    calls.push_back("backup");
    if (reuse_since && !dumps.empty() && dumps.back().taken_at >= *reuse_since) {
      calls.back() = "backup (reused)";
      return dumps.back();
    }
    last_protect = protect;
    if (fail_backup) return take(fail_backup);
    model::BackupRecord b;
    b.path = db.spec.backup.directory + "/" + std::to_string(dumps.size() + 1) + ".dump";
    b.bytes = 1000;
    b.sha256 = "ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12";
    b.verified = !unverified_backup;
    b.taken_at = now;
    dumps.push_back(b);
    dump_contents[b.path] = {schema, rows};
    return b;
  }

  model::Result<std::map<std::string, std::int64_t>> row_counts(
      const DatabaseRef&, const std::vector<std::string>& tables) override {
    calls.push_back("counts");
    std::map<std::string, std::int64_t> out;
    for (const auto& t : tables) out[t] = rows.count(t) != 0U ? rows.at(t) : 0;
    return out;
  }

  model::Result<RestoreDone> restore(const DatabaseRef&, const model::BackupRecord& b,
                                     model::Timestamp stamp) override {
    calls.push_back("restore " + b.path);
    if (fail_restore) return take(fail_restore);
    const auto it = dump_contents.find(b.path);
    if (it == dump_contents.end()) return model::Error::terminal("no dump " + b.path);
    schema = it->second.first;
    rows = it->second.second;
    const std::string kept =
        "app_before_rollback_" + std::to_string(stamp.time_since_epoch().count());
    return RestoreDone{"app", kept, "/backups/" + kept + ".dump"};
  }

  model::Result<std::string> drill(const DatabaseRef& db, const DrillRequest& r,
                                   model::Timestamp) override {
    calls.push_back("drill " + r.backup.path + " to " + r.to);
    last_kept = r.kept_down;
    drill_image = db.image;
    drill_down = db.down;
    if (fail_drill) return take(fail_drill);
    return "copy migrated to " + r.to;
  }

 private:
  static model::Error take(std::optional<model::Error>& e) {
    model::Error out = *e;
    e.reset();
    return out;
  }
};

}  // namespace rwd::execute::testing
