// sql-dir: migrate a database under its migration advisory lock, one
// transaction per step (the script and its revision row commit together).
#include <bit>

#include <spdlog/spdlog.h>

#include "rewind/postgres/driver.hpp"

#include "revision_tables.hpp"
#include "session.hpp"

namespace rwd::postgres {
namespace {

constexpr const char* kCreateTable =
    "CREATE TABLE IF NOT EXISTS rewind_schema_migrations ("
    " number bigint PRIMARY KEY,"
    " revision text NOT NULL,"
    " name text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now())";

bool blank(const std::string& sql) { return sql.find_first_not_of(" \t\r\n") == std::string::npos; }

void run_step(pqxx::connection& c, const MigrationStep& step) {
  pqxx::work w(c);
  if (!blank(step.script.sql)) w.exec(step.script.sql);
  const auto number = static_cast<long long>(step.number);
  if (step.direction == Direction::kUp) {
    w.exec_params(
        "INSERT INTO rewind_schema_migrations (number, revision, name) VALUES ($1, $2, $3)", number,
        step.revision, step.name);
  } else {
    const auto r = w.exec_params("DELETE FROM rewind_schema_migrations WHERE number = $1", number);
    if (r.affected_rows() != 1) {
      throw std::runtime_error("revision " + step.revision + " has no row in " + kSqlDirTable);
    }
  }
  w.commit();
}

std::vector<AppliedRevision> read_applied(pqxx::connection& c) {
  pqxx::read_transaction t(c);
  std::vector<AppliedRevision> applied;
  for (const auto& row :
       t.exec("SELECT number, revision, name FROM rewind_schema_migrations ORDER BY number")) {
    applied.push_back(
        {row[0].as<std::uint64_t>(), row[1].as<std::string>(), row[2].as<std::string>()});
  }
  return applied;
}

class PgSqlDirMigrator final : public SqlDirMigrator {
 public:
  PgSqlDirMigrator(DatabaseUrl url, DriverOptions options)
      : url_(std::move(url)), options_(options) {}

  MigrationResult<std::string> current_revision() override {
    return detail::read_revision(url_, options_, std::string("reading ") + kSqlDirTable,
                                 detail::read_sql_dir);
  }

  MigrationResult<MigrationReport> migrate(const MigrationSet& set,
                                           const std::string& target) override {
    auto session = detail::Session::open(url_, options_);
    if (!session) return session.error();
    auto locked = lock(**session);
    if (!locked) return locked.error();
    return migrate_locked(**session, set, target);  // closing the session unlocks
  }

 private:
  // Waits up to migration_lock_timeout for the database's migration lock,
  // then sets the timeouts the scripts run with.
  MigrationResult<bool> lock(detail::Session& s) {
    std::string database;
    try {
      database = s.exec_now("SELECT current_database()")[0][0].as<std::string>();
      s.exec_now("SET lock_timeout = '" + detail::millis(options_.migration_lock_timeout) + "'");
      s.exec_now("SELECT pg_advisory_lock(" + std::to_string(migration_lock_key(database)) + ")");
      s.exec_now("SET lock_timeout = '" + detail::millis(options_.lock_timeout) + "'");
      s.exec_now("SET statement_timeout = '" + detail::millis(options_.statement_timeout) + "'");
      s.exec_now(kCreateTable);
      return true;
    } catch (...) {
      auto error = detail::current_error(
          url_, "taking the migration lock of database " + database + " on " + url_.display());
      if (error.blocked()) {
        error.error.message += "; another controller has been migrating it for longer than " +
                               detail::millis(options_.migration_lock_timeout);
      }
      return error;
    }
  }

  MigrationResult<MigrationReport> migrate_locked(detail::Session& s, const MigrationSet& set,
                                                  const std::string& target) {
    std::vector<AppliedRevision> applied;
    try {
      applied = read_applied(s.connection());
    } catch (...) {
      return detail::current_error(url_, std::string("reading ") + kSqlDirTable);
    }
    const std::string from = applied.empty() ? kNoRevision : applied.back().revision;
    auto plan = plan_migration(set, from, target, applied);
    if (!plan) return plan.error();
    MigrationReport report{from, target, {}};
    std::string at = from;
    for (const auto& step : plan->steps) {
      spdlog::info("migration: running {} on {}", step.script.file, url_.display());
      try {
        run_step(s.connection(), step);
      } catch (...) {
        return step_error(step, at);
      }
      report.applied.push_back(step.script.file);
      at = step.direction == Direction::kUp ? step.revision : previous_revision(applied, step);
    }
    return report;
  }

  MigrationError step_error(const MigrationStep& step, const std::string& at) const {
    auto error = detail::current_error(url_, step.script.file);
    if (detail::commit_in_doubt()) {
      // The script and its row in the table commit together: the retry
      // reads the table and runs the step again only if it did not commit.
      error.error.message += std::string("; the next attempt reads ") + kSqlDirTable +
                             " to find out (the step and its row commit together)";
      return error;
    }
    error.error.message += "; the step was rolled back and the database stays at revision " + at;
    if (error.blocked()) {
      error.error.message += " (lock_timeout " + detail::millis(options_.lock_timeout) + ")";
    }
    return error;
  }

  // The revision the database is at after reverting `step`.
  static std::string previous_revision(const std::vector<AppliedRevision>& applied,
                                       const MigrationStep& step) {
    std::string previous = kNoRevision;
    for (const auto& a : applied) {
      if (a.number < step.number) previous = a.revision;
    }
    return previous;
  }

  DatabaseUrl url_;
  DriverOptions options_;
};

}  // namespace

std::unique_ptr<SqlDirMigrator> make_sql_dir_migrator(DatabaseUrl url, DriverOptions options) {
  return std::make_unique<PgSqlDirMigrator>(std::move(url), options);
}

std::int64_t migration_lock_key(const std::string& database) {
  std::uint64_t hash = 14695981039346656037ULL;  // FNV-1a 64
  for (const char c : "rewind:" + database) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return std::bit_cast<std::int64_t>(hash);
}

}  // namespace rwd::postgres
