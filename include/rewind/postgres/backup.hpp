#pragma once
// Backups of a PostgreSQL database with pg_dump, their verification, their
// pruning, restoring one in place of the live database, and row counts.
//
// The password never reaches a command line (other users can read
// /proc/<pid>/cmdline): pg_dump, pg_restore and psql get the connection as
// PG* environment variables of the child only. Every message is redacted
// with DatabaseUrl::redact().

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "rewind/model/time.hpp"
#include "rewind/postgres/database_url.hpp"
#include "rewind/postgres/driver.hpp"
#include "rewind/postgres/error.hpp"

namespace rwd::postgres {

struct BackupOptions {
  std::string directory;            // created (0700) when missing
  std::string pg_dump = "pg_dump";  // looked up on PATH unless absolute
  std::string pg_restore = "pg_restore";
  std::chrono::seconds timeout{3600};  // a dump or restore running longer is killed
  std::chrono::milliseconds connect_timeout{10'000};
  // pg_dump waits this long for each table's lock; a session holding an
  // exclusive lock longer makes the backup fail with kMigrationBlocked.
  std::chrono::milliseconds lock_wait_timeout{5'000};
};

// A dump on disk.
struct BackupFile {
  std::string path;      // absolute
  std::string database;  // the database it is a dump of
  std::int64_t bytes = 0;
  std::string sha256;        // lower-case hex of the file's contents
  bool verified = false;     // pg_restore --list read it back as a custom-format dump
  std::int64_t entries = 0;  // table-of-contents entries pg_restore listed
  model::Timestamp taken_at{};
};

// `pg_dump -Fc` of the URL's database into
// <directory>/<database>-<UTC yyyymmddTHHMMSSmmmZ>.dump (see backup_file_name):
// written to a ".partial" name, read back with `pg_restore --list`, fsynced,
// renamed, hashed. A failed dump or verification leaves no .dump file behind and
// returns kFailed with pg_dump's (redacted) stderr, or kConnection when the
// server could not be reached.
MigrationResult<BackupFile> take_backup(const DatabaseUrl& url, const BackupOptions& options,
                                        model::Timestamp now);

// Checks a dump again before it is used: the file exists, its SHA-256 is
// `sha256`, and pg_restore --list reads it.
MigrationResult<BackupFile> verify_backup(const std::string& path, const std::string& sha256,
                                          const BackupOptions& options);

// The dumps of `database` in `directory` (by file name), newest first.
std::vector<BackupFile> list_backups(const std::string& directory, const std::string& database);

// Removes dumps of `database` beyond the `keep` newest, and those older than
// `max_age` — but never the newest one, and never a path in `protect` (dumps
// history still needs for restoreBackup). `keep` <= 0 or `max_age` <= 0 turns
// that rule off. Returns the removed paths.
std::vector<std::string> prune_backups(const std::string& directory, const std::string& database,
                                       std::int32_t keep, model::Duration max_age,
                                       model::Timestamp now, const std::set<std::string>& protect);

// Exact row counts (SELECT count(*)) of `tables` ("orders" or
// "shop.orders", quoted as identifiers). A missing table is an error naming
// it, or with `missing_as_zero` counts 0 rows (a migration may create or
// drop it).
MigrationResult<std::map<std::string, std::int64_t>> count_rows(
    const DatabaseUrl& url, const std::vector<std::string>& tables,
    const DriverOptions& options = {}, bool missing_as_zero = false);

struct RestoreReport {
  std::string database;  // the live name, now holding the dump's data
  std::string kept_as;   // <database>_before_rollback_<yyyymmddTHHMMSSZ>: the data it replaced
};

// Restores `backup` (verified again first) in place of the URL's database:
// pg_restore into a new database <database>_rewind_restore_<stamp>, then —
// connected to the maintenance database `postgres` — ends the other
// sessions of <database>, renames it to <database>_before_rollback_<stamp>
// and the new one to <database>. The old data is kept until someone drops
// it. Re-entrant: called again after a crash with the same `now`, it finds
// the step already done (or the scratch database half-restored, dropped and
// made again) and finishes.
MigrationResult<RestoreReport> restore_backup(const DatabaseUrl& url, const BackupFile& backup,
                                              const BackupOptions& options, model::Timestamp now);

// A data-only dump (pg_dump -Fc --data-only) of `tables` of `database` on
// the URL's server into options.directory, named <database>-<time>.dump:
// after a restoreBackup rollback, the rows of the kept database, so that
// what was written after the backup can be re-imported by hand.
MigrationResult<BackupFile> export_tables(const DatabaseUrl& url, const std::string& database,
                                          const std::vector<std::string>& tables,
                                          const BackupOptions& options, model::Timestamp now);

// The database name of a URL (libpq's `dbname`, default the user name).
std::string database_name(const DatabaseUrl& url);

// ---- Naming and hashing (pure; exposed for unit tests) ----

// "<database>-<UTC yyyymmddTHHMMSSmmmZ>.dump". Bytes of the database name
// outside [A-Za-z0-9_.-] are written as %XX, so a name never leaves the directory.
std::string backup_file_name(const std::string& database, model::Timestamp taken_at);

struct ParsedBackupName {
  std::string database;  // decoded
  model::Timestamp taken_at{};
};
// The inverse of backup_file_name (a file name, not a path); nullopt for any other name.
std::optional<ParsedBackupName> parse_backup_file_name(const std::string& file_name);

// The databases restore_backup makes: <base>_rewind_restore_<yyyymmddTHHMMSSZ> and
// <base>_before_rollback_<yyyymmddTHHMMSSZ>. A name that would pass PostgreSQL's 63-byte
// identifier limit gets a shortened base: the database name cut at a UTF-8 boundary plus
// "_" and 8 hex digits of its SHA-256, so two long names never share a scratch database.
struct RestoreNames {
  std::string scratch;
  std::string kept_as;
  std::string drill;  // <database>_rewind_drill_<stamp>: a rollback drill's scratch database
};
RestoreNames restore_names(const std::string& database, model::Timestamp now);

// Lower-case hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);
// Lower-case hex SHA-256 of a file's contents; an error names the file.
MigrationResult<std::string> sha256_file(const std::string& path);

}  // namespace rwd::postgres
