// export_tables: the rows a restoreBackup rollback took out of service, kept
// as a data-only dump next to the backups so they can be re-imported by hand.

#include <filesystem>

#include <spdlog/spdlog.h>

#include "rewind/postgres/backup.hpp"
#include "rewind/process/child.hpp"

#include "child_process.hpp"

namespace rwd::postgres {

MigrationResult<BackupFile> export_tables(const DatabaseUrl& url, const std::string& database,
                                          const std::vector<std::string>& tables,
                                          const BackupOptions& options, model::Timestamp now) {
  std::string parse_error;
  const auto info = detail::parse_conninfo(url, &parse_error);
  if (!info) return MigrationError::invalid("export: " + url.redact(parse_error));
  BackupFile file;
  file.database = database;
  file.taken_at = now;
  file.path = (std::filesystem::path(options.directory) / backup_file_name(database, now)).string();
  process::Request request;
  request.argv = {detail::resolve_pg_tool(options.pg_dump),
                  "-Fc",
                  "--data-only",
                  "--no-password",
                  "--lock-wait-timeout=" + std::to_string(options.lock_wait_timeout.count()),
                  "-f",
                  file.path};
  for (const auto& t : tables) request.argv.push_back("--table=" + t);
  request.env = detail::pg_environment(*info, options.connect_timeout, database);
  request.timeout = options.timeout;
  const auto r = process::run(request);
  if (!r.succeeded()) {
    std::error_code ec;
    std::filesystem::remove(file.path, ec);
    return MigrationError::make(
        MigrationCode::kFailed, model::ErrorKind::kTerminal,
        url.redact("pg_dump --data-only of " + database + " into " + file.path + " " + r.outcome() +
                   ": " + process::first_lines(r.err)));
  }
  auto sum = sha256_file(file.path);
  if (!sum) return sum.error();
  file.sha256 = *sum;
  std::error_code ec;
  file.bytes = static_cast<std::int64_t>(std::filesystem::file_size(file.path, ec));
  file.verified = true;
  spdlog::info("export: rows of {} in database {} kept in {} ({} bytes)", tables.size(), database,
               file.path, file.bytes);
  return file;
}

}  // namespace rwd::postgres
