#pragma once
// One libpqxx connection plus the mapping of libpqxx exceptions to
// MigrationError (SQLSTATE -> code), with every message redacted.

#include <memory>
#include <string>

#include <pqxx/pqxx>

#include "rewind/postgres/database_url.hpp"
#include "rewind/postgres/driver.hpp"
#include "rewind/postgres/error.hpp"

namespace rwd::postgres::detail {

class Session {
 public:
  static MigrationResult<std::unique_ptr<Session>> open(const DatabaseUrl& url,
                                                        const DriverOptions& options);

  pqxx::connection& connection() { return *connection_; }
  // Runs `sql` outside a transaction block (SET, advisory locks).
  pqxx::result exec_now(const std::string& sql);

  Session(std::unique_ptr<pqxx::connection> c) : connection_(std::move(c)) {}  // NOLINT

 private:
  std::unique_ptr<pqxx::connection> connection_;
};

// Call inside a catch block: maps the exception in flight. `context` says
// what was being done ("reading alembic_version").
MigrationError current_error(const DatabaseUrl& url, const std::string& context);

// Call inside a catch block: true when the connection broke during COMMIT
// (pqxx::in_doubt_error), so whether the transaction committed is unknown.
bool commit_in_doubt();

// The libpq connection string with connect_timeout added when absent.
std::string with_connect_timeout(const std::string& url, std::chrono::milliseconds timeout);

std::string millis(std::chrono::milliseconds d);  // "5000ms"

}  // namespace rwd::postgres::detail
