#pragma once
// Internal: the pieces of a restore that the rollback drill shares.

#include <map>
#include <string>

#include "rewind/postgres/backup.hpp"

namespace rwd::postgres::detail {

// A libpq key=value value: '...' with \ and ' escaped.
std::string conninfo_value(const std::string& value);

// The URL's connection parameters (parse_conninfo) with another database,
// as a key=value connection string. A secret: never log it.
std::string with_database(std::map<std::string, std::string> info, const std::string& database);

// pg_restore --exit-on-error of the dump at `path` into the existing,
// empty `database` on the URL's server.
MigrationResult<bool> pg_restore_into(const DatabaseUrl& url,
                                      const std::map<std::string, std::string>& info,
                                      const std::string& database, const std::string& path,
                                      const BackupOptions& options);

}  // namespace rwd::postgres::detail
