#pragma once
// execute::DatabaseTarget on PostgreSQL: the migration drivers, pg_dump
// backups, restores and row counts of this module behind the executor's
// interface. The database URL is resolved from spec.migration.database for
// every call (an environment variable or a file that changed is picked up)
// and never leaves this object unredacted.

#include <filesystem>
#include <functional>
#include <string>

#include "rewind/execute/database.hpp"
#include "rewind/postgres/backup.hpp"
#include "rewind/postgres/command_migration.hpp"
#include "rewind/postgres/database_url.hpp"

namespace rwd::postgres {

struct PostgresDatabaseOptions {
  // Where a Release's relative paths (migration.directory, backup.directory,
  // urlFrom.file) start: the folder of its file. Unset: the working directory.
  std::function<std::filesystem::path(const model::Release&)> base_dir;
  EnvLookup env = process_env();
  std::string pg_dump = "pg_dump";
  std::string pg_restore = "pg_restore";
  // alembic / golang-migrate / flyway with runIn image: runs the command in
  // a one-off container (the CLI wires ContainerPlatform::run_once). Unset:
  // such a migration is an error.
  CommandRunner run_in_image;
  // urlFrom.secretKeyRef (Kubernetes mode: a GET of the Secret in the
  // Release's namespace). Unset: refused, saying so.
  SecretLookup secrets;
};

class PostgresDatabase : public execute::DatabaseTarget {
 public:
  explicit PostgresDatabase(PostgresDatabaseOptions options) : options_(std::move(options)) {}

  model::Result<std::string> revision(const execute::DatabaseRef& db) override;
  model::Result<execute::FileContents> down_scripts(const execute::DatabaseRef& db) override;
  model::Result<execute::MigrationDone> migrate(const execute::DatabaseRef& db,
                                                const std::string& to,
                                                const execute::FileContents& kept_down) override;
  model::Result<model::BackupRecord> backup(
      const execute::DatabaseRef& db, model::Timestamp now, const std::set<std::string>& protect,
      std::optional<model::Timestamp> reuse_since = std::nullopt) override;
  model::Result<std::map<std::string, std::int64_t>> row_counts(
      const execute::DatabaseRef& db, const std::vector<std::string>& tables) override;
  model::Result<execute::RestoreDone> restore(const execute::DatabaseRef& db,
                                              const model::BackupRecord& backup,
                                              model::Timestamp stamp) override;
  model::Result<std::string> drill(const execute::DatabaseRef& db,
                                   const execute::DrillRequest& request,
                                   model::Timestamp now) override;

 private:
  std::filesystem::path path_of(const execute::DatabaseRef& db, const std::string& p) const;
  MigrationResult<DatabaseUrl> url_of(const execute::DatabaseRef& db) const;
  BackupOptions backup_options(const execute::DatabaseRef& db) const;
  // runIn host: the command as a child process; a relative program path
  // ("bin/migrate") starts at the Release's base dir.
  model::Result<execute::CommandOutput> run_on_host(const execute::DatabaseRef& db,
                                                    const execute::OneOffCommand& command) const;
  // The revision of the database at `url`, read with the spec's driver.
  RevisionReader revision_reader(const execute::DatabaseRef& db, const DatabaseUrl& url) const;
  // Where spec.migration.runIn says an alembic / golang-migrate / flyway
  // command runs: a child process, or a one-off container of db.image.
  CommandRunner command_runner(const execute::DatabaseRef& db) const;
  model::Result<execute::MigrationDone> migrate_with_command(const execute::DatabaseRef& db,
                                                             const std::string& to);

  PostgresDatabaseOptions options_;
};

// A driver error as the executor sees it: the reason is the MigrationCode's
// name (MigrationBlocked, MissingDownScript, ...); connection trouble and
// blocked locks are transient.
model::Error to_model_error(const MigrationError& e);

}  // namespace rwd::postgres
