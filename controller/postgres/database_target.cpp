#include "rewind/postgres/database_target.hpp"

#include <cctype>

#include <spdlog/spdlog.h>

#include "rewind/postgres/drill.hpp"
#include "rewind/postgres/driver.hpp"
#include "rewind/postgres/sql_dir.hpp"
#include "rewind/process/child.hpp"

namespace rwd::postgres {
namespace {

bool is_down_script(const std::string& name) {
  const std::string suffix = ".down.sql";
  return name.size() > suffix.size() &&
         name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string number_prefix(const std::string& name) {
  std::size_t n = 0;
  while (n < name.size() && std::isdigit(static_cast<unsigned char>(name[n])) != 0) ++n;
  return name.substr(0, n);
}

DriverOptions driver_options(const model::MigrationSpec& spec) {
  DriverOptions o;
  o.lock_timeout = spec.lock_timeout;
  o.statement_timeout = spec.statement_timeout;
  return o;
}

// The directory's files plus the down scripts history kept for migrations
// whose down script the directory (an older revision's) lacks.
std::map<std::string, std::string> with_kept_down(std::map<std::string, std::string> files,
                                                  const execute::FileContents& kept) {
  std::set<std::string> numbers_with_down;
  for (const auto& [name, sql] : files) {
    if (is_down_script(name)) numbers_with_down.insert(number_prefix(name));
  }
  for (const auto& [name, sql] : kept) {
    if (!is_down_script(name) || numbers_with_down.contains(number_prefix(name))) continue;
    files.emplace(name, sql);
  }
  return files;
}

}  // namespace

model::Error to_model_error(const MigrationError& e) {
  model::ErrorKind kind = e.error.kind;
  if (e.code == MigrationCode::kConnection || e.code == MigrationCode::kMigrationBlocked) {
    kind = model::ErrorKind::kTransient;
  }
  return model::Error(kind, e.error.message, to_string(e.code));
}

std::filesystem::path PostgresDatabase::path_of(const execute::DatabaseRef& db,
                                                const std::string& p) const {
  std::filesystem::path path(p);
  if (path.is_absolute() || !options_.base_dir) return path;
  return options_.base_dir(db.release) / path;
}

MigrationResult<DatabaseUrl> PostgresDatabase::url_of(const execute::DatabaseRef& db) const {
  model::UrlSource from = db.spec.database;
  if (from.file) from.file = path_of(db, *from.file).string();
  return resolve_database_url(from, options_.env, options_.secrets, db.release.metadata.ns);
}

BackupOptions PostgresDatabase::backup_options(const execute::DatabaseRef& db) const {
  BackupOptions o;
  o.directory = path_of(db, db.spec.backup.directory).string();
  o.pg_dump = options_.pg_dump;
  o.pg_restore = options_.pg_restore;
  o.lock_wait_timeout = db.spec.lock_timeout;
  return o;
}

model::Result<std::string> PostgresDatabase::revision(const execute::DatabaseRef& db) {
  auto url = url_of(db);
  if (!url) return to_model_error(url.error());
  return revision_reader(db, *url)();
}

model::Result<execute::FileContents> PostgresDatabase::down_scripts(
    const execute::DatabaseRef& db) {
  if (db.spec.driver != model::MigrationDriver::kSqlDir) return execute::FileContents{};
  auto files = read_migration_files(path_of(db, db.spec.directory).string());
  if (!files) return to_model_error(files.error());
  execute::FileContents down;
  for (auto& [name, sql] : *files) {
    if (is_down_script(name)) down.emplace(name, std::move(sql));
  }
  return down;
}

model::Result<execute::MigrationDone> PostgresDatabase::migrate(const execute::DatabaseRef& db,
                                                                const std::string& to,
                                                                const execute::FileContents& kept) {
  if (db.spec.driver != model::MigrationDriver::kSqlDir) return migrate_with_command(db, to);
  auto url = url_of(db);
  if (!url) return to_model_error(url.error());
  const std::string dir = path_of(db, db.spec.directory).string();
  auto files = read_migration_files(dir);
  if (!files) return to_model_error(files.error());
  auto set =
      parse_migration_files(with_kept_down(std::move(*files), kept),
                            "migration.directory " + dir + " (and down scripts kept in history)");
  if (!set) return to_model_error(set.error());
  auto report = make_sql_dir_migrator(std::move(*url), driver_options(db.spec))->migrate(*set, to);
  if (!report) return to_model_error(report.error());
  return execute::MigrationDone{report->from, report->to, report->applied};
}

model::Result<execute::CommandOutput> PostgresDatabase::run_on_host(
    const execute::DatabaseRef& db, const execute::OneOffCommand& command) const {
  process::Request request;
  request.argv = command.argv;
  std::string& program = request.argv.at(0);
  if (program.find('/') != std::string::npos) program = path_of(db, program).string();
  request.env = command.env;
  request.timeout = command.timeout;
  request.output_cap = execute::kCommandOutputCap;
  request.keep = process::Keep::kTail;
  request.streams = process::Streams::kMerged;
  // Relative arguments (alembic -c alembic.ini) start where the Release's file is.
  if (options_.base_dir) request.cwd = options_.base_dir(db.release).string();
  process::Result child = process::run(request);
  if (!child.started()) return model::Error::invalid_spec("cannot start " + child.spawn_error);
  execute::CommandOutput out;
  out.exit_code = child.exit_code;
  out.timed_out = child.timed_out();
  out.output = std::move(child.out);
  return out;
}

RevisionReader PostgresDatabase::revision_reader(const execute::DatabaseRef& db,
                                                 const DatabaseUrl& url) const {
  return [spec = db.spec, url]() -> model::Result<std::string> {
    auto rev = make_driver(spec.driver, url, driver_options(spec))->current_revision();
    if (!rev) return to_model_error(rev.error());
    return *rev;
  };
}

CommandRunner PostgresDatabase::command_runner(const execute::DatabaseRef& db) const {
  if (db.spec.run_in == model::CommandPlace::kHost) {
    return [this, db](const execute::OneOffCommand& c) { return run_on_host(db, c); };
  }
  return [this, image = db.image](
             const execute::OneOffCommand& c) -> model::Result<execute::CommandOutput> {
    if (!options_.run_in_image) {
      return model::Error::invalid_spec(
          "spec.migration.runIn image needs a container platform; use runIn host here");
    }
    if (!image) {
      return model::Error::terminal(
          "no image is known to run the migration command in (runIn image)");
    }
    return options_.run_in_image(c);
  };
}

model::Result<execute::MigrationDone> PostgresDatabase::migrate_with_command(
    const execute::DatabaseRef& db, const std::string& to) {
  auto url = url_of(db);
  if (!url) return to_model_error(url.error());
  return migrate_by_command(db, to, *url, revision_reader(db, *url), command_runner(db));
}

namespace {

model::BackupRecord record_of(const BackupFile& f) {
  return model::BackupRecord{f.path, f.bytes, f.sha256, f.verified, f.taken_at};
}

// A dump this plan took before a restart: the newest of the database, when
// it is at least as new as the plan and still verifies.
std::optional<model::BackupRecord> dump_since(const std::string& database,
                                              const BackupOptions& options,
                                              model::Timestamp since) {
  const auto dumps = list_backups(options.directory, database);
  if (dumps.empty() || dumps.front().taken_at < since) return std::nullopt;
  auto sum = sha256_file(dumps.front().path);
  if (!sum) return std::nullopt;
  auto verified = verify_backup(dumps.front().path, *sum, options);
  if (!verified) return std::nullopt;
  spdlog::info("backup: {} was taken by this plan before a restart; not taking another",
               verified->path);
  return record_of(*verified);
}

}  // namespace

model::Result<model::BackupRecord> PostgresDatabase::backup(
    const execute::DatabaseRef& db, model::Timestamp now, const std::set<std::string>& protect,
    std::optional<model::Timestamp> reuse_since) {
  auto url = url_of(db);
  if (!url) return to_model_error(url.error());
  const BackupOptions options = backup_options(db);
  if (reuse_since) {
    if (auto reused = dump_since(database_name(*url), options, *reuse_since)) return *reused;
  }
  auto file = take_backup(*url, options, now);
  if (!file) {
    model::Error e = to_model_error(file.error());
    if (e.reason != "DatabaseUnreachable" && e.reason != "MigrationBlocked")
      e.reason = "BackupFailed";
    e.kind = model::ErrorKind::kTransient;  // a fixed directory or disk lets it go on
    return e;
  }
  std::set<std::string> keep = protect;
  keep.insert(file->path);
  (void)prune_backups(options.directory, file->database, db.spec.backup.keep,
                      db.spec.backup.max_age, now, keep);
  return record_of(*file);
}

model::Result<std::map<std::string, std::int64_t>> PostgresDatabase::row_counts(
    const execute::DatabaseRef& db, const std::vector<std::string>& tables) {
  auto url = url_of(db);
  if (!url) return to_model_error(url.error());
  auto counts = count_rows(*url, tables, driver_options(db.spec), /*missing_as_zero=*/true);
  if (!counts) return to_model_error(counts.error());
  return *counts;
}

model::Result<execute::RestoreDone> PostgresDatabase::restore(const execute::DatabaseRef& db,
                                                              const model::BackupRecord& backup,
                                                              model::Timestamp stamp) {
  auto url = url_of(db);
  if (!url) return to_model_error(url.error());
  BackupFile file;
  file.path = backup.path;
  file.database = database_name(*url);
  file.bytes = backup.bytes;
  file.sha256 = backup.sha256;
  file.verified = backup.verified;
  if (backup.taken_at) file.taken_at = *backup.taken_at;
  const BackupOptions options = backup_options(db);
  auto done = restore_backup(*url, file, options, stamp);
  if (!done) {
    model::Error e = to_model_error(done.error());
    if (e.reason != "DatabaseUnreachable") e.reason = "RestoreFailed";
    return e;
  }
  execute::RestoreDone out{done->database, done->kept_as, ""};
  if (!done->kept_as.empty() && !db.spec.verify_tables.empty()) {
    // Best effort: the restore stands either way; the kept database has the rows too.
    auto rows = export_tables(*url, done->kept_as, db.spec.verify_tables, options, stamp);
    if (rows) out.exported = rows->path;
  }
  return out;
}

model::Result<std::string> PostgresDatabase::drill(const execute::DatabaseRef& db,
                                                   const execute::DrillRequest& request,
                                                   model::Timestamp now) {
  auto url = url_of(db);
  if (!url) return to_model_error(url.error());
  DrillPlan plan;
  plan.driver = db.spec.driver;
  plan.to = request.to;
  plan.tables = request.tables;
  if (db.spec.driver == model::MigrationDriver::kSqlDir) {
    const std::string dir = path_of(db, db.spec.directory).string();
    auto files = read_migration_files(dir);
    if (!files) return to_model_error(files.error());
    auto set =
        parse_migration_files(with_kept_down(std::move(*files), request.kept_down),
                              "migration.directory " + dir + " (and down scripts kept in history)");
    if (!set) return to_model_error(set.error());
    plan.migrate = sql_dir_copy_migrator(*set, request.to, driver_options(db.spec));
  } else {
    // The down command of the image that runs now, pointed at the copy.
    const execute::DatabaseRef down{db.release, db.spec, db.image, true};
    plan.migrate = [this, down,
                    to = request.to](const DatabaseUrl& copy) -> MigrationResult<MigrationReport> {
      auto done =
          migrate_by_command(down, to, copy, revision_reader(down, copy), command_runner(down));
      if (!done) return MigrationError{MigrationCode::kFailed, done.error()};
      return MigrationReport{done->from, done->to, done->applied};
    };
  }
  BackupFile file;
  file.path = request.backup.path;
  file.sha256 = request.backup.sha256;
  auto report = run_drill(*url, file, plan, backup_options(db), driver_options(db.spec), now);
  if (!report) return to_model_error(report.error());
  std::string rows;
  for (const auto& [table, n] : report->rows) {
    rows += (rows.empty() ? "" : ", ") + table + " " + std::to_string(n);
  }
  return "restored " + file.path + " into " + report->scratch + ", migrated " + report->from +
         " -> " + report->to + " (" + std::to_string(report->applied.size()) +
         (db.spec.driver == model::MigrationDriver::kSqlDir ? " scripts)" : " commands)") +
         (rows.empty() ? "" : ", rows: " + rows) + "; the copy was dropped";
}

}  // namespace rwd::postgres
