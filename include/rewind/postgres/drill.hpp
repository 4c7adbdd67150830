#pragma once
// A rollback drill on a copy: the dump restored into a scratch database, the
// sql-dir migrations run there down to the revision a rollback would go
// to, the revision read back, the rows counted, the copy dropped. The live
// database is never touched.

#include <cstdint>
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

// Restores `backup` (verified again first) into <database>_rewind_drill_<now>,
// migrates it to `to` with `set`, checks that the revision is `to`, counts
// `tables` (a missing one has 0 rows) and drops the scratch database on every
// path. Any failure is the drill's failure, with the step that failed named.
MigrationResult<DrillReport> run_drill(const DatabaseUrl& url, const BackupFile& backup,
                                       const MigrationSet& set, const std::string& to,
                                       const std::vector<std::string>& tables,
                                       const BackupOptions& options, const DriverOptions& driver,
                                       model::Timestamp now);

}  // namespace rwd::postgres
