#pragma once
// Readers of the drivers' revision tables, inside a caller's transaction.

#include <string>

#include <pqxx/pqxx>

#include "rewind/postgres/error.hpp"

namespace rwd::postgres::detail {

bool table_exists(pqxx::transaction_base& t, const std::string& table);
MigrationResult<std::string> read_sql_dir(pqxx::transaction_base& t);
MigrationResult<std::string> read_golang_migrate(pqxx::transaction_base& t);
MigrationResult<std::string> read_alembic(pqxx::transaction_base& t);
MigrationResult<std::string> read_flyway(pqxx::transaction_base& t);

}  // namespace rwd::postgres::detail
