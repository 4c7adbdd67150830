// take_backup and verify_backup: pg_dump -Fc into a .partial file, read it
// back with pg_restore --list, fsync, rename, hash.
#include "rewind/postgres/backup.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "rewind/process/child.hpp"

#include "child_process.hpp"

namespace rwd::postgres {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kListCap = std::size_t{64} << 20U;

MigrationError failed(std::string message) {
  return MigrationError::make(MigrationCode::kFailed, model::ErrorKind::kTerminal,
                              std::move(message));
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::optional<std::string> env_value(const char* name) {
  const char* v = std::getenv(name);  // NOLINT(concurrency-mt-unsafe)
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

// Creates `directory` (0700) when missing; returns its absolute path.
MigrationResult<std::string> prepare_directory(const std::string& directory) {
  if (directory.empty()) {
    return MigrationError::invalid(
        "migration.backup.directory is empty: a backup needs a directory");
  }
  std::error_code ec;
  const fs::path dir = fs::absolute(directory, ec).lexically_normal();
  if (fs::is_directory(dir, ec)) return dir.string();
  if (fs::exists(dir, ec)) {
    return failed("backup directory " + dir.string() + " exists and is not a directory");
  }
  if (!fs::create_directories(dir, ec) && !fs::is_directory(dir)) {
    return failed("cannot create backup directory " + dir.string() + ": " + ec.message());
  }
  fs::permissions(dir, fs::perms::owner_all, ec);
  return dir.string();
}

bool fsync_path(const std::string& path, bool directory) {
  const int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

std::int64_t count_toc_entries(const std::string& listing) {
  std::int64_t entries = 0;
  std::size_t pos = 0;
  while (pos < listing.size()) {
    auto end = listing.find('\n', pos);
    if (end == std::string::npos) end = listing.size();
    const std::string_view line(listing.data() + pos, end - pos);  // NOLINT
    if (!line.empty() && line[0] != ';' && line.find_first_not_of(" \t\r") != line.npos) ++entries;
    pos = end + 1;
  }
  return entries;
}

// pg_restore --list: the number of table-of-contents entries of a dump.
MigrationResult<std::int64_t> list_entries(const std::string& path, const BackupOptions& options) {
  process::Request request;
  request.argv = {detail::resolve_pg_tool(options.pg_restore), "--list", path};
  request.timeout = options.timeout;
  request.output_cap = kListCap;
  const auto r = process::run(request);
  if (!r.succeeded()) {
    return failed("pg_restore --list " + path + " " + r.outcome() + ": " +
                  process::first_lines(r.err));
  }
  // A dump of an empty database lists no entries, only its header; a file
  // that is not a custom-format dump makes pg_restore fail above.
  if (r.out.find("Format: CUSTOM") == std::string::npos) {
    return failed("pg_restore --list " + path + " does not describe a custom-format dump");
  }
  return count_toc_entries(r.out);
}

MigrationResult<bool> run_dump(const DatabaseUrl& url,
                               const std::map<std::string, std::string>& info,
                               const BackupOptions& options, const std::string& partial) {
  process::Request request;
  request.argv = {detail::resolve_pg_tool(options.pg_dump),
                  "-Fc",
                  "--no-password",
                  "--lock-wait-timeout=" + std::to_string(options.lock_wait_timeout.count()),
                  "-f",
                  partial};
  request.env = detail::pg_environment(info, options.connect_timeout);
  request.timeout = options.timeout;
  const auto r = process::run(request);
  if (r.succeeded()) return true;
  const std::string message = url.redact("pg_dump -Fc of " + url.display() + " into " + partial +
                                         " " + r.outcome() + ": " + process::first_lines(r.err));
  if (r.started() && !r.timed_out() && detail::is_connection_failure(r.err)) {
    return MigrationError::make(MigrationCode::kConnection, model::ErrorKind::kTransient, message);
  }
  // --lock-wait-timeout cancels pg_dump's LOCK TABLE with a statement timeout.
  const bool lock_wait = r.err.find("could not obtain lock") != std::string::npos ||
                         (r.err.find("LOCK TABLE") != std::string::npos &&
                          r.err.find("statement timeout") != std::string::npos);
  if (lock_wait) {
    // Another session holds a lock that pg_dump's ACCESS SHARE waits for.
    return MigrationError::make(MigrationCode::kMigrationBlocked, model::ErrorKind::kTransient,
                                message);
  }
  const auto kind = r.timed_out() ? model::ErrorKind::kTransient : model::ErrorKind::kTerminal;
  return MigrationError::make(MigrationCode::kFailed, kind, message);
}

// fsync, rename to the final name, fsync the directory.
MigrationResult<bool> publish(const std::string& partial, const std::string& path) {
  if (!fsync_path(partial, false)) {
    return failed("cannot fsync " + partial + ": " + std::strerror(errno));
  }
  std::error_code ec;
  fs::rename(partial, path, ec);
  if (ec) return failed("cannot rename " + partial + " to " + path + ": " + ec.message());
  fsync_path(fs::path(path).parent_path().string(), true);
  return true;
}

}  // namespace

std::string database_name(const DatabaseUrl& url) {
  const auto info = detail::parse_conninfo(url, nullptr);
  if (info && info->contains("dbname")) return info->at("dbname");
  if (auto db = env_value("PGDATABASE")) return *db;
  if (info && info->contains("user")) return info->at("user");
  if (auto user = env_value("PGUSER")) return *user;
  const passwd* pw = ::getpwuid(::geteuid());  // NOLINT(concurrency-mt-unsafe)
  return pw != nullptr ? pw->pw_name : "";
}

MigrationResult<BackupFile> take_backup(const DatabaseUrl& url, const BackupOptions& options,
                                        model::Timestamp now) {
  std::string parse_error;
  const auto info = detail::parse_conninfo(url, &parse_error);
  if (!info) return MigrationError::invalid("database URL cannot be parsed: " + parse_error);
  auto dir = prepare_directory(options.directory);
  if (!dir) return dir.error();
  BackupFile file;
  file.database = database_name(url);
  file.path = (fs::path(*dir) / backup_file_name(file.database, now)).string();
  file.taken_at = now;
  const std::string partial = file.path + ".partial";
  const auto start = Clock::now();
  spdlog::info("backup: pg_dump -Fc of {} into {}", url.display(), file.path);
  auto steps = [&]() -> MigrationResult<bool> {
    if (auto dumped = run_dump(url, *info, options, partial); !dumped) return dumped;
    auto entries = list_entries(partial, options);
    if (!entries) return entries.error();
    file.entries = *entries;
    return publish(partial, file.path);
  }();
  if (!steps) {
    std::error_code ec;
    fs::remove(partial, ec);
    return steps.error();
  }
  auto hash = sha256_file(file.path);
  if (!hash) return hash.error();
  file.sha256 = std::move(*hash);
  file.verified = true;
  std::error_code ec;
  file.bytes = static_cast<std::int64_t>(fs::file_size(file.path, ec));
  spdlog::info("backup: {} done: {} bytes, {} entries, {:.1f}s", file.path, file.bytes,
               file.entries, seconds_since(start));
  return file;
}

MigrationResult<BackupFile> verify_backup(const std::string& path, const std::string& sha256,
                                          const BackupOptions& options) {
  BackupFile file;
  std::error_code ec;
  file.path = fs::absolute(path, ec).lexically_normal().string();
  if (!fs::is_regular_file(file.path, ec)) {
    return failed("backup " + file.path + " does not exist or is not a regular file");
  }
  if (sha256.empty()) {
    return MigrationError::invalid("backup " + file.path + " has no recorded SHA-256 to check");
  }
  auto hash = sha256_file(file.path);
  if (!hash) return hash.error();
  if (*hash != sha256) {
    return failed("backup " + file.path + " has SHA-256 " + *hash + ", expected " + sha256 +
                  ": the file changed after it was taken");
  }
  auto entries = list_entries(file.path, options);
  if (!entries) return entries.error();
  if (auto parsed = parse_backup_file_name(fs::path(file.path).filename().string())) {
    file.database = parsed->database;
    file.taken_at = parsed->taken_at;
  }
  file.bytes = static_cast<std::int64_t>(fs::file_size(file.path, ec));
  file.sha256 = *hash;
  file.entries = *entries;
  file.verified = true;
  return file;
}

}  // namespace rwd::postgres
