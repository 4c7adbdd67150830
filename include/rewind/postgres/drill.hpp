#pragma once
// A rollback drill on a copy: the dump restored into a scratch database, the
// migrations run there down to the revision a rollback would go to (sql-dir
// scripts, or the alembic / golang-migrate / flyway down command with
// DATABASE_URL naming the copy), the revision read back, the rows counted,
// the copy dropped. The live database is never touched.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "rewind/postgres/backup.hpp"
#include "rewind/postgres/driver.hpp"
#include "rewind/postgres/sql_dir.hpp"

namespace rwd::postgres {

struct DrillReport {
  std::string scratch;  // the database it used (dropped again)
  std::string from;     // the dump's schema revision
  std::string to;
  std::vector<std::string> applied;
  std::map<std::string, std::int64_t> rows;  // of `tables`, after the migration
};

// Moves the copy (its URL given) to the drill's target revision.
using CopyMigrator = std::function<MigrationResult<MigrationReport>(const DatabaseUrl& copy)>;

// The sql-dir migrator of `set` as a CopyMigrator.
CopyMigrator sql_dir_copy_migrator(const MigrationSet& set, const std::string& to,
                                   const DriverOptions& driver);

struct DrillPlan {
  model::MigrationDriver driver = model::MigrationDriver::kSqlDir;  // reads the copy's revision
  CopyMigrator migrate;
  std::string to;
  std::vector<std::string> tables;
};

// Restores `backup` (verified again first) into <database>_rewind_drill_<now>,
// migrates it with plan.migrate, checks with plan.driver that the revision is
// plan.to, counts plan.tables (a missing one has 0 rows) and drops the
// scratch database on every path. Any failure is the drill's failure, with
// the step that failed named.
MigrationResult<DrillReport> run_drill(const DatabaseUrl& url, const BackupFile& backup,
                                       const DrillPlan& plan, const BackupOptions& options,
                                       const DriverOptions& driver, model::Timestamp now);

}  // namespace rwd::postgres
