// restore_backup: pg_restore into a scratch database, then swap it in for the
// live one by renaming (connected to the maintenance database `postgres`).
// Each step can be found done or half-done on a second call with the same
// `now`, which finishes the job.
#include <chrono>
#include <thread>

#include <spdlog/spdlog.h>

#include "rewind/postgres/backup.hpp"
#include "rewind/process/child.hpp"

#include "child_process.hpp"
#include "restore_internal.hpp"
#include "session.hpp"

namespace rwd::postgres {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kRenameWait = std::chrono::seconds(10);

MigrationError failed(std::string message) {
  return MigrationError::make(MigrationCode::kFailed, model::ErrorKind::kTerminal,
                              std::move(message));
}

class Restorer {
 public:
  Restorer(const DatabaseUrl& url, std::map<std::string, std::string> info, std::string database,
           const BackupOptions& options, model::Timestamp now)
      : url_(url),
        info_(std::move(info)),
        database_(std::move(database)),
        names_(restore_names(database_, now)),
        options_(options) {}

  MigrationResult<RestoreReport> run(pqxx::connection& c, const BackupFile& backup) {
    c_ = &c;
    const auto present = existing();
    const bool live = present.contains(database_);
    if (present.contains(names_.kept_as)) return finish(present);
    auto verified = verify_backup(backup.path, backup.sha256, options_);
    if (!verified) return verified.error();
    if (present.contains(names_.scratch)) exec("DROP DATABASE " + q(names_.scratch));
    const auto start = Clock::now();
    spdlog::info("restore: pg_restore of {} ({} bytes) into {} (to replace database {})",
                 backup.path, verified->bytes, names_.scratch, database_);
    exec(create_scratch(live));
    if (auto restored = pg_restore(verified->path); !restored) {
      exec("DROP DATABASE IF EXISTS " + q(names_.scratch));
      return restored.error();
    }
    if (live) {
      if (auto swapped = move_live_aside(); !swapped) return swapped.error();
    }
    exec("ALTER DATABASE " + q(names_.scratch) + " RENAME TO " + q(database_));
    spdlog::info("restore: database {} restored from {} ({} bytes, {:.1f}s); old data kept as {}",
                 database_, backup.path, verified->bytes,
                 std::chrono::duration<double>(Clock::now() - start).count(),
                 live ? names_.kept_as : "(none)");
    return RestoreReport{database_, live ? names_.kept_as : ""};
  }

 private:
  std::string q(const std::string& name) const { return c_->quote_name(name); }

  void exec(const std::string& sql) const {
    pqxx::nontransaction n(*c_);
    n.exec(sql);
  }

  std::set<std::string> existing() const {
    pqxx::nontransaction n(*c_);
    std::set<std::string> out;
    for (const auto& row :
         n.exec_params("SELECT datname FROM pg_database WHERE datname IN ($1, $2, $3)", database_,
                       names_.scratch, names_.kept_as)) {
      out.insert(row[0].as<std::string>());
    }
    return out;
  }

  // The swap was done (or half done) by an earlier call with the same `now`.
  MigrationResult<RestoreReport> finish(const std::set<std::string>& present) {
    const bool live = present.contains(database_);
    const bool scratch = present.contains(names_.scratch);
    if (live && scratch) {
      return failed("restore of " + database_ + ": " + names_.kept_as + ", " + names_.scratch +
                    " and " + database_ + " all exist; resolve by hand which one is live");
    }
    if (scratch) exec("ALTER DATABASE " + q(names_.scratch) + " RENAME TO " + q(database_));
    exec("ALTER DATABASE " + q(names_.kept_as) + " ALLOW_CONNECTIONS true");
    spdlog::info("restore: database {} already restored; old data kept as {}", database_,
                 names_.kept_as);
    return RestoreReport{database_, names_.kept_as};
  }

  // Same encoding, collation and owner as the live database (when there is one).
  std::string create_scratch(bool live) const {
    std::string sql = "CREATE DATABASE " + q(names_.scratch) + " TEMPLATE template0";
    if (!live) return sql;
    pqxx::nontransaction n(*c_);
    const auto r = n.exec_params(
        "SELECT pg_encoding_to_char(encoding), datcollate, datctype, pg_get_userbyid(datdba) "
        "FROM pg_database WHERE datname = $1",
        database_);
    if (r.empty()) return sql;
    return sql + " ENCODING " + c_->quote(r[0][0].as<std::string>()) + " LC_COLLATE " +
           c_->quote(r[0][1].as<std::string>()) + " LC_CTYPE " +
           c_->quote(r[0][2].as<std::string>()) + " OWNER " + q(r[0][3].as<std::string>());
  }

  MigrationResult<bool> pg_restore(const std::string& path) const {
    return detail::pg_restore_into(url_, info_, names_.scratch, path, options_);
  }

  // No new sessions, the others ended, then the rename (retried while the
  // ended backends are still exiting).
  MigrationResult<bool> move_live_aside() {
    exec("ALTER DATABASE " + q(database_) + " ALLOW_CONNECTIONS false");
    const auto deadline = Clock::now() + kRenameWait;
    while (true) {
      {
        pqxx::nontransaction n(*c_);
        n.exec_params(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid()",
            database_);
      }
      try {
        exec("ALTER DATABASE " + q(database_) + " RENAME TO " + q(names_.kept_as));
        break;
      } catch (const pqxx::sql_error& e) {
        if (e.sqlstate() != "55006" || Clock::now() > deadline) {
          exec("ALTER DATABASE " + q(database_) + " ALLOW_CONNECTIONS true");
          return failed("cannot rename database " + database_ + " to " + names_.kept_as +
                        " (other sessions keep it open): " + url_.redact(e.what()));
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    exec("ALTER DATABASE " + q(names_.kept_as) + " ALLOW_CONNECTIONS true");
    return true;
  }

  const DatabaseUrl& url_;
  std::map<std::string, std::string> info_;
  std::string database_;
  RestoreNames names_;
  const BackupOptions& options_;
  pqxx::connection* c_ = nullptr;
};

}  // namespace

namespace detail {

// A libpq key=value value: '...' with \ and ' escaped.
std::string conninfo_value(const std::string& value) {
  std::string out = "'";
  for (const char c : value) {
    if (c == '\\' || c == '\'') out.push_back('\\');
    out.push_back(c);
  }
  return out + "'";
}

std::string with_database(std::map<std::string, std::string> info, const std::string& database) {
  info["dbname"] = database;
  std::string out;
  for (const auto& [key, value] : info) {
    out += (out.empty() ? "" : " ") + key + "=" + conninfo_value(value);
  }
  return out;
}

MigrationResult<bool> pg_restore_into(const DatabaseUrl& url,
                                      const std::map<std::string, std::string>& info,
                                      const std::string& database, const std::string& path,
                                      const BackupOptions& options) {
  process::Request request;
  request.argv = {resolve_pg_tool(options.pg_restore), "--no-password", "--exit-on-error",
                  "--dbname=dbname=" + conninfo_value(database), path};
  request.env = pg_environment(info, options.connect_timeout, database);
  request.timeout = options.timeout;
  const auto r = process::run(request);
  if (r.succeeded()) return true;
  const std::string message =
      url.redact("pg_restore of " + path + " into database " + database + " on " + url.display() +
                 " " + r.outcome() + ": " + process::first_lines(r.err));
  if (r.started() && !r.timed_out() && is_connection_failure(r.err)) {
    return MigrationError::make(MigrationCode::kConnection, model::ErrorKind::kTransient, message);
  }
  return MigrationError::make(MigrationCode::kFailed, model::ErrorKind::kTerminal, message);
}

}  // namespace detail

MigrationResult<RestoreReport> restore_backup(const DatabaseUrl& url, const BackupFile& backup,
                                              const BackupOptions& options, model::Timestamp now) {
  std::string parse_error;
  auto info = detail::parse_conninfo(url, &parse_error);
  if (!info) return MigrationError::invalid("database URL cannot be parsed: " + parse_error);
  const std::string database = database_name(url);
  if (database == "postgres" || database == "template0" || database == "template1") {
    return MigrationError::invalid("cannot restore " + backup.path + " over database " + database +
                                   ": the maintenance and template databases are not replaced");
  }
  const DatabaseUrl maintenance(detail::with_database(*info, "postgres"));
  DriverOptions driver;
  driver.connect_timeout = options.connect_timeout;
  auto session = detail::Session::open(maintenance, driver);
  if (!session) return session.error();
  try {
    Restorer restorer(url, std::move(*info), database, options, now);
    return restorer.run((*session)->connection(), backup);
  } catch (...) {
    return detail::current_error(
        url, "restoring " + backup.path + " over database " + database + " on " + url.display());
  }
}

}  // namespace rwd::postgres
