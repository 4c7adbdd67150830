// current_revision() of the four drivers: each reads its tool's own table.
#include <functional>

#include "rewind/postgres/driver.hpp"

#include "revision_tables.hpp"
#include "session.hpp"

namespace rwd::postgres {
namespace detail {
namespace {

MigrationError unknown(std::string message) {
  return MigrationError::make(MigrationCode::kUnknownState, model::ErrorKind::kTerminal,
                              std::move(message));
}

MigrationError dirty(std::string message) {
  return MigrationError::make(MigrationCode::kDirty, model::ErrorKind::kTerminal,
                              std::move(message));
}

}  // namespace

bool table_exists(pqxx::transaction_base& t, const std::string& table) {
  return !t.exec_params("SELECT to_regclass($1)", table)[0][0].is_null();
}

MigrationResult<std::string> read_revision(const DatabaseUrl& url, const DriverOptions& options,
                                           const std::string& context, const RevisionReader& read) {
  auto session = Session::open(url, options);
  if (!session) return session.error();
  try {
    (*session)->exec_now("SET statement_timeout = '" + millis(options.statement_timeout) + "'");
    pqxx::read_transaction t((*session)->connection());
    return read(t);
  } catch (...) {
    return current_error(url, context);
  }
}

MigrationResult<std::string> read_sql_dir(pqxx::transaction_base& t) {
  if (!table_exists(t, kSqlDirTable)) return std::string(kNoRevision);
  const auto r =
      t.exec(std::string("SELECT revision FROM ") + kSqlDirTable + " ORDER BY number DESC LIMIT 1");
  if (r.empty()) return std::string(kNoRevision);
  return r[0][0].as<std::string>();
}

// One row (version bigint, dirty boolean); golang-migrate rewrites it.
MigrationResult<std::string> read_golang_migrate(pqxx::transaction_base& t) {
  if (!table_exists(t, "schema_migrations")) return std::string(kNoRevision);
  const auto r = t.exec("SELECT version, dirty FROM schema_migrations");
  if (r.empty()) return std::string(kNoRevision);
  if (r.size() > 1) {
    return unknown("golang-migrate schema_migrations has " + std::to_string(r.size()) +
                   " rows; golang-migrate keeps exactly one");
  }
  const auto version = r[0][0].as<std::string>();
  if (r[0][1].as<bool>()) {
    return dirty("golang-migrate schema_migrations: version " + version +
                 " is dirty (a migration stopped half-way); repair the schema, then run "
                 "`migrate force <version>`");
  }
  return version;
}

// alembic_version(version_num); one row per head.
MigrationResult<std::string> read_alembic(pqxx::transaction_base& t) {
  if (!table_exists(t, "alembic_version")) return std::string(kNoRevision);
  const auto r = t.exec("SELECT version_num FROM alembic_version ORDER BY version_num");
  if (r.empty()) return std::string(kNoRevision);
  if (r.size() > 1) {
    std::string heads;
    for (const auto& row : r) heads += (heads.empty() ? "" : ", ") + row[0].as<std::string>();
    return unknown("alembic_version has " + std::to_string(r.size()) + " heads (" + heads +
                   "); rewind needs a single head (alembic merge)");
  }
  if (r[0][0].is_null()) return unknown("alembic_version.version_num is NULL");
  return r[0][0].as<std::string>();
}

// The latest versioned row; a failed one means a half-applied migration.
MigrationResult<std::string> read_flyway(pqxx::transaction_base& t) {
  if (!table_exists(t, "flyway_schema_history")) return std::string(kNoRevision);
  const auto r = t.exec(
      "SELECT version, success, type, script FROM flyway_schema_history "
      "WHERE version IS NOT NULL ORDER BY installed_rank DESC LIMIT 1");
  if (r.empty()) return std::string(kNoRevision);
  const auto version = r[0][0].as<std::string>();
  const auto type = r[0][2].as<std::string>();
  if (!r[0][1].as<bool>()) {
    return dirty("flyway_schema_history: the latest versioned migration " + version + " (" +
                 r[0][3].as<std::string>() +
                 ") failed (success = false); repair the schema, then run `flyway repair`");
  }
  if (type.starts_with("UNDO")) {
    return unknown("flyway_schema_history: the latest versioned row " + version + " is an " + type +
                   " row; rewind does not read Flyway undo history");
  }
  return version;
}

}  // namespace detail

namespace {

using Reader = detail::RevisionReader;

class TableReader final : public MigrationDriver {
 public:
  TableReader(DatabaseUrl url, DriverOptions options, std::string table, Reader read)
      : url_(std::move(url)), options_(options), table_(std::move(table)), read_(std::move(read)) {}

  MigrationResult<std::string> current_revision() override {
    return detail::read_revision(url_, options_, "reading " + table_ + " on " + url_.display(),
                                 read_);
  }

 private:
  DatabaseUrl url_;
  DriverOptions options_;
  std::string table_;
  Reader read_;
};

}  // namespace

std::unique_ptr<MigrationDriver> make_driver(model::MigrationDriver kind, DatabaseUrl url,
                                             DriverOptions options) {
  switch (kind) {
    case model::MigrationDriver::kSqlDir: return make_sql_dir_migrator(std::move(url), options);
    case model::MigrationDriver::kGolangMigrate:
      return std::make_unique<TableReader>(std::move(url), options, "schema_migrations",
                                           detail::read_golang_migrate);
    case model::MigrationDriver::kAlembic:
      return std::make_unique<TableReader>(std::move(url), options, "alembic_version",
                                           detail::read_alembic);
    case model::MigrationDriver::kFlyway:
      return std::make_unique<TableReader>(std::move(url), options, "flyway_schema_history",
                                           detail::read_flyway);
  }
  return nullptr;
}

}  // namespace rwd::postgres
