#pragma once
// Internal: the tables of PostgresStateStore, created or upgraded under an
// advisory lock so that several rewind processes can start at once.

#include <pqxx/pqxx>

namespace rwd::postgres::detail {

// Creates the tables when absent and upgrades older versions. Throws (libpqxx
// or std::runtime_error) when the schema is newer than this rewind knows.
void ensure_state_schema(pqxx::connection& c);

}  // namespace rwd::postgres::detail
