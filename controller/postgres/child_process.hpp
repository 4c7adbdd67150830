#pragma once
// The glue every pg tool (pg_dump, pg_restore) needs before rwd::process runs
// it: the PG* environment built from a DatabaseUrl (the password travels
// there, never in argv), the lookup of the tool's binary, and what its stderr
// says about the connection.

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "rewind/postgres/database_url.hpp"

namespace rwd::postgres::detail {

// libpq's keyword -> value pairs of a connection string (only those it sets);
// nullopt with `error` filled when libpq cannot parse it. Never log the result.
std::optional<std::map<std::string, std::string>> parse_conninfo(const DatabaseUrl& url,
                                                                 std::string* error);

// PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE, ... for a child,
// from the URL; PGCONNECT_TIMEOUT from `connect_timeout` unless the URL sets it.
// `database`, when given, replaces the URL's database.
std::map<std::string, std::string> pg_environment(const std::map<std::string, std::string>& info,
                                                  std::chrono::milliseconds connect_timeout,
                                                  const std::optional<std::string>& database = {});

// `program` as configured. A bare default name ("pg_dump") resolves to the
// newest /usr/lib/postgresql/<version>/bin/<name> when one exists: a newer
// pg_dump reads every older server, and Debian's PATH entry is pg_wrapper, a
// Perl script whose choice depends on clusters and ~/.postgresqlrc. Anything
// else (an absolute path, another name) is used as given.
std::string resolve_pg_tool(const std::string& program);

// True when a pg tool's stderr says the server could not be reached or
// refused the login (wrong password, unknown host, no such database).
bool is_connection_failure(const std::string& stderr_text);

}  // namespace rwd::postgres::detail
