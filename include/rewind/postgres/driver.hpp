#pragma once
// Migration drivers: read the schema revision of a database and, for
// sql-dir, move it to a target revision. Not wired into the executor yet.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rewind/model/release.hpp"
#include "rewind/postgres/database_url.hpp"
#include "rewind/postgres/error.hpp"
#include "rewind/postgres/sql_dir.hpp"

namespace rwd::postgres {

struct DriverOptions {
  std::chrono::milliseconds connect_timeout{10'000};
  // A DDL statement waiting for a table lock longer than this fails with
  // MigrationBlocked instead of queueing (and blocking every reader behind it).
  std::chrono::milliseconds lock_timeout{5'000};
  std::chrono::milliseconds statement_timeout{300'000};
  // Waiting for another controller that migrates the same database.
  std::chrono::milliseconds migration_lock_timeout{60'000};
};

class MigrationDriver {
 public:
  virtual ~MigrationDriver() = default;
  // The schema revision, or kNoRevision when nothing was applied. A dirty or
  // unreadable state is an error (kDirty / kUnknownState), never a guess.
  virtual MigrationResult<std::string> current_revision() = 0;
};

struct MigrationReport {
  std::string from;
  std::string to;
  std::vector<std::string> applied;  // "0002_add_orders.up.sql", in order
};

// sql-dir: rewind's own revision table rewind_schema_migrations (one row per
// applied migration; created on first use).
class SqlDirMigrator : public MigrationDriver {
 public:
  // Under the migration advisory lock of the database: reads the revision,
  // plans to `target` with `set` and runs each step in its own transaction
  // together with its revision row. A failed step leaves the database at the
  // previous step's revision.
  virtual MigrationResult<MigrationReport> migrate(const MigrationSet& set,
                                                   const std::string& target) = 0;
};

std::unique_ptr<MigrationDriver> make_driver(model::MigrationDriver kind, DatabaseUrl url,
                                             DriverOptions options = {});
std::unique_ptr<SqlDirMigrator> make_sql_dir_migrator(DatabaseUrl url, DriverOptions options = {});

// The advisory lock key for migrations of `database`: a fixed hash of
// "rewind:" + database, the same in every rewind process.
std::int64_t migration_lock_key(const std::string& database);

inline constexpr const char* kSqlDirTable = "rewind_schema_migrations";

}  // namespace rwd::postgres
