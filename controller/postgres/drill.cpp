#include "rewind/postgres/drill.hpp"

#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include "rewind/postgres/command_migration.hpp"

#include "child_process.hpp"
#include "restore_internal.hpp"
#include "session.hpp"

namespace rwd::postgres {
namespace {

MigrationError step_failed(const std::string& step, const MigrationError& e) {
  MigrationError out = e;
  out.error.message = "drill: " + step + ": " + e.message();
  return out;
}

// Drops the scratch database when the drill ends, however it ends.
class ScratchDatabase {
 public:
  ScratchDatabase(detail::Session& maintenance, std::string name)
      : s_(maintenance), name_(std::move(name)) {}
  ~ScratchDatabase() { drop(); }
  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;

  void create() {
    drop();
    s_.exec_now("CREATE DATABASE " + s_.connection().quote_name(name_) + " TEMPLATE template0");
  }
  void drop() noexcept {
    try {
      s_.exec_now("DROP DATABASE IF EXISTS " + s_.connection().quote_name(name_) + " WITH (FORCE)");
    } catch (const std::exception& e) {
      spdlog::warn("drill: cannot drop scratch database {}: {}", name_, e.what());
    }
  }

 private:
  detail::Session& s_;
  std::string name_;
};

}  // namespace

CopyMigrator sql_dir_copy_migrator(const MigrationSet& set, const std::string& to,
                                   const DriverOptions& driver) {
  return [set, to, driver](const DatabaseUrl& copy) {
    return make_sql_dir_migrator(copy, driver)->migrate(set, to);
  };
}

MigrationResult<DrillReport> run_drill(const DatabaseUrl& url, const BackupFile& backup,
                                       const DrillPlan& plan, const BackupOptions& options,
                                       const DriverOptions& driver, model::Timestamp now) {
  const std::string& to = plan.to;
  std::string parse_error;
  const auto info = detail::parse_conninfo(url, &parse_error);
  if (!info) return MigrationError::invalid("drill: " + url.redact(parse_error));
  DrillReport report;
  report.scratch = restore_names(database_name(url), now).drill;
  report.to = to;
  auto verified = verify_backup(backup.path, backup.sha256, options);
  if (!verified) return step_failed("verify " + backup.path, verified.error());

  auto session =
      detail::Session::open(DatabaseUrl(detail::with_database(*info, "postgres")), driver);
  if (!session) return step_failed("connect", session.error());
  ScratchDatabase scratch(**session, report.scratch);
  try {
    scratch.create();
  } catch (...) {
    return step_failed("create " + report.scratch,
                       detail::current_error(url, "creating the scratch database"));
  }
  if (auto r = detail::pg_restore_into(url, *info, report.scratch, backup.path, options); !r) {
    return step_failed("restore", r.error());
  }
  const DatabaseUrl copy = url.with_database(report.scratch);
  auto moved = plan.migrate(copy);
  if (!moved) return step_failed("migrate to " + to, moved.error());
  report.from = moved->from;
  report.applied = moved->applied;
  auto now_at = make_driver(plan.driver, copy, driver)->current_revision();
  if (!now_at) return step_failed("read the revision", now_at.error());
  if (!at_revision(*now_at, to)) {
    return MigrationError::make(
        MigrationCode::kFailed, model::ErrorKind::kTerminal,
        "drill: the copy is at revision " + *now_at + " after migrating to " + to);
  }
  auto rows = count_rows(copy, plan.tables, driver, /*missing_as_zero=*/true);
  if (!rows) return step_failed("count rows", rows.error());
  report.rows = std::move(*rows);
  return report;
}

}  // namespace rwd::postgres
