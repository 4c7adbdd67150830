#pragma once
// Readers of the drivers' revision tables, inside a caller's transaction.

#include <functional>
#include <string>

#include <pqxx/pqxx>

#include "rewind/postgres/database_url.hpp"
#include "rewind/postgres/driver.hpp"
#include "rewind/postgres/error.hpp"

namespace rwd::postgres::detail {

bool table_exists(pqxx::transaction_base& t, const std::string& table);
MigrationResult<std::string> read_sql_dir(pqxx::transaction_base& t);

// A revision table read on its own session: statement_timeout set, a
// read-only transaction, errors mapped and redacted; `context` says what
// was read ("reading alembic_version on postgresql://...").
using RevisionReader = std::function<MigrationResult<std::string>(pqxx::transaction_base&)>;
MigrationResult<std::string> read_revision(const DatabaseUrl& url, const DriverOptions& options,
                                           const std::string& context, const RevisionReader& read);
MigrationResult<std::string> read_golang_migrate(pqxx::transaction_base& t);
MigrationResult<std::string> read_alembic(pqxx::transaction_base& t);
MigrationResult<std::string> read_flyway(pqxx::transaction_base& t);

}  // namespace rwd::postgres::detail
