#pragma once
// Runs a program (pg_dump, pg_restore) without a shell: argv as given, extra
// environment variables for the child only, a deadline after which the child's
// process group is killed, and stdout/stderr captured up to a size cap.
//
// Also the glue every pg tool needs: the PG* environment built from a
// DatabaseUrl (the password travels there, never in argv) and the lookup of
// the tool's binary.

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rewind/postgres/database_url.hpp"

namespace rwd::postgres::detail {

struct ChildRequest {
  std::vector<std::string> argv;            // argv[0] is looked up on PATH unless it has a '/'
  std::map<std::string, std::string> env;   // set (or overridden) in the child's environment
  std::chrono::milliseconds timeout{60'000};  // then SIGKILL to the child's process group
  std::size_t output_cap = 64 * 1024;       // bytes kept per stream; the rest is read and dropped
  std::string cwd;                          // the child's working directory; empty: ours
};

struct ChildResult {
  bool started = false;       // false: spawn_error says why (program not found, ...)
  std::string spawn_error;
  bool timed_out = false;     // killed at the deadline
  int exit_code = -1;         // -1 when it did not exit normally
  int signal = 0;             // the signal that ended it, if any
  std::string out;            // stdout, at most output_cap bytes
  std::string err;            // stderr, at most output_cap bytes
  bool out_truncated = false;
  std::chrono::milliseconds elapsed{0};

  [[nodiscard]] bool succeeded() const { return started && !timed_out && exit_code == 0; }
  // "exit 1", "killed by signal 9", "timed out after 5000ms", "not started: ..."
  [[nodiscard]] std::string outcome(std::chrono::milliseconds timeout) const;
};

// Blocks until the child ends (or is killed at the deadline). Thread-safe:
// posix_spawn, pipes with O_CLOEXEC, the environment built in the parent.
ChildResult run_child(const ChildRequest& request);

// The first `max_lines` non-empty lines of `text`, joined with "; ".
std::string first_lines(const std::string& text, std::size_t max_lines = 5);

// ---- pg tools ----

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
