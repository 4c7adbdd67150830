#pragma once
// The database as the executor sees it: the schema revision, migrations,
// verified backups, restores and row counts of the database a Release's
// `spec.migration` names. Implemented for PostgreSQL
// (rwd::postgres::PostgresDatabase) and in memory for unit tests
// (tests/unit/execute/fake_database.hpp).
//
// Errors carry a CamelCase model::Error::reason where a condition should
// name the cause: MigrationBlocked, MissingDownScript, DirtySchema,
// BackupFailed, DatabaseUnreachable, RestoreFailed.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "rewind/model/release.hpp"
#include "rewind/model/result.hpp"
#include "rewind/model/time.hpp"

namespace rwd::execute {

// What a database step works on.
struct DatabaseRef {
  const model::Release& release;     // its name, and where its relative paths start
  const model::MigrationSpec& spec;  // of the revision the plan moves to
  // alembic / golang-migrate / flyway with runIn image: the image whose
  // migrations run — the target's for an upgrade, the one being left for a
  // downgrade. nullopt where no command runs.
  std::optional<model::ImageRef> image;
  // migrate() of alembic: true when the plan moves the schema down (alembic
  // revision ids are not ordered, so the direction cannot be read from them).
  bool down = false;
};

struct MigrationDone {
  std::string from;  // "none": the schema was empty
  std::string to;
  std::vector<std::string> applied;  // scripts run, in order
};

struct RestoreDone {
  std::string database;  // the live name, now holding the dump's data
  std::string kept_as;   // the database it replaced, renamed and kept
  std::string exported;  // a data-only dump of verifyTables of kept_as ("" when none)
};

using FileContents = std::map<std::string, std::string>;  // file name -> contents

// What a rollback drill exercises.
struct DrillRequest {
  model::BackupRecord backup;       // restored into a scratch database
  std::string to;                   // the schema revision a rollback would go to
  FileContents kept_down;           // down scripts history kept
  std::vector<std::string> tables;  // counted on the copy afterwards
};

class DatabaseTarget {
 public:
  virtual ~DatabaseTarget() = default;

  // The schema revision the database is at ("none": nothing applied).
  virtual model::Result<std::string> revision(const DatabaseRef& db) = 0;

  // sql-dir: the *.down.sql files of migration.directory now, kept in
  // history with the revision so that a later downgrade can run them.
  // Other drivers: empty.
  virtual model::Result<FileContents> down_scripts(const DatabaseRef& db) = 0;

  // Moves the schema to `to` (up or down). `kept_down` are down scripts that
  // history kept from newer revisions; a downgrade uses them where
  // migration.directory (an older revision's) has none. A missing down
  // script stops it before anything changes. Re-entrant: a database already
  // at `to` is done.
  virtual model::Result<MigrationDone> migrate(const DatabaseRef& db, const std::string& to,
                                               const FileContents& kept_down) = 0;

  // A dump into backup.directory, read back and hashed; unverified is an
  // error. Then old dumps are pruned (backup.keep, backup.maxAge), never one
  // in `protect`. `reuse_since`: a verified dump of the database taken at or
  // after that time (by the same plan, before a restart) is returned instead
  // of taking another.
  virtual model::Result<model::BackupRecord> backup(
      const DatabaseRef& db, model::Timestamp now, const std::set<std::string>& protect,
      std::optional<model::Timestamp> reuse_since = std::nullopt) = 0;

  // Exact row counts of `tables`; a table that does not exist (yet, or any
  // more) has 0.
  virtual model::Result<std::map<std::string, std::int64_t>> row_counts(
      const DatabaseRef& db, const std::vector<std::string>& tables) = 0;

  // Puts the data of `backup` (verified again first) in place of the live
  // database and keeps the old one renamed. `stamp` names the kept
  // database; the same stamp after a restart finds the work done.
  virtual model::Result<RestoreDone> restore(const DatabaseRef& db,
                                             const model::BackupRecord& backup,
                                             model::Timestamp stamp) = 0;

  // A rollback drill on a copy: restore the backup into a scratch database,
  // migrate it to `to`, check the revision and count rows, drop the copy.
  // The live database is not touched. Returns what it checked; an error is
  // a failed drill.
  virtual model::Result<std::string> drill(const DatabaseRef& db, const DrillRequest& request,
                                           model::Timestamp now) = 0;
};

}  // namespace rwd::execute
