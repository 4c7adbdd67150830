#pragma once
// The sql-dir migration format: NNNN_name.up.sql / NNNN_name.down.sql.
// Parsing and planning are pure: scripts come in as data (file name ->
// SQL), from migration.directory or from the history, which keeps the down
// scripts of a revision when it goes live (the older revision a downgrade
// returns to does not contain them).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rewind/postgres/error.hpp"

namespace rwd::postgres {

inline constexpr const char* kNoRevision = "none";

struct SqlScript {
  std::string file;  // "0002_add_orders.up.sql"
  std::string sql;
};

struct SqlMigration {
  std::uint64_t number = 0;  // 2
  std::string revision;      // "0002", as written in the file name
  std::string name;          // "add_orders"
  std::optional<SqlScript> up;
  std::optional<SqlScript> down;
};

// Ordered by number. Gaps are allowed.
struct MigrationSet {
  std::string origin;  // "migration.directory /srv/app/migrations", for messages
  std::map<std::uint64_t, SqlMigration> migrations;

  [[nodiscard]] const SqlMigration* find(const std::string& revision) const;
};

// File name -> contents. Names that do not end in .sql are ignored (README,
// .gitkeep); a .sql name that does not match NNNN_name.(up|down).sql, two
// files for one number and direction, or up/down names that differ are errors.
MigrationResult<MigrationSet> parse_migration_files(const std::map<std::string, std::string>& files,
                                                    std::string origin);

// Every regular file of `directory`: name -> contents.
MigrationResult<std::map<std::string, std::string>> read_migration_files(
    const std::string& directory);

// Reads every regular file of `directory` and parses it as above.
MigrationResult<MigrationSet> read_migration_directory(const std::string& directory);

enum class Direction { kUp, kDown };

struct MigrationStep {
  Direction direction = Direction::kUp;
  std::uint64_t number = 0;
  std::string revision;  // the migration this step applies or reverts
  std::string name;
  SqlScript script;
};

struct MigrationPlan {
  std::string from;  // kNoRevision or a revision
  std::string to;
  std::vector<MigrationStep> steps;  // in order; empty when from == to
};

// A row of rewind_schema_migrations: a migration the database has applied.
struct AppliedRevision {
  std::uint64_t number = 0;
  std::string revision;
  std::string name;
};

// Steps from revision `from` (kNoRevision: empty schema) to `to`: up scripts
// in ascending order, or down scripts in descending order. Every down script
// must be present, or the plan fails naming the file it expected; nothing
// has run at that point. `applied` (the database's rows), when given, is
// what a down plan reverts, so an applied revision that `set` does not
// mention at all also stops it.
MigrationResult<MigrationPlan> plan_migration(const MigrationSet& set, const std::string& from,
                                              const std::string& to,
                                              const std::vector<AppliedRevision>& applied = {});

}  // namespace rwd::postgres
