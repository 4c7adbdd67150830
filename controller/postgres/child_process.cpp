#include "child_process.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>

#include <libpq-fe.h>

namespace rwd::postgres::detail {

std::optional<std::map<std::string, std::string>> parse_conninfo(const DatabaseUrl& url,
                                                                 std::string* error) {
  char* message = nullptr;
  PQconninfoOption* options = ::PQconninfoParse(url.secret().c_str(), &message);
  if (options == nullptr) {
    if (error != nullptr) *error = url.redact(message != nullptr ? message : "out of memory");
    ::PQfreemem(message);
    return std::nullopt;
  }
  std::map<std::string, std::string> out;
  for (const PQconninfoOption* o = options; o->keyword != nullptr; ++o) {  // NOLINT
    if (o->val != nullptr && *o->val != '\0') out[o->keyword] = o->val;
  }
  ::PQconninfoFree(options);
  return out;
}

std::map<std::string, std::string> pg_environment(const std::map<std::string, std::string>& info,
                                                  std::chrono::milliseconds connect_timeout,
                                                  const std::optional<std::string>& database) {
  static const std::map<std::string, std::string> kVariables = {
      {"host", "PGHOST"},
      {"hostaddr", "PGHOSTADDR"},
      {"port", "PGPORT"},
      {"user", "PGUSER"},
      {"password", "PGPASSWORD"},
      {"passfile", "PGPASSFILE"},
      {"dbname", "PGDATABASE"},
      {"sslmode", "PGSSLMODE"},
      {"sslcert", "PGSSLCERT"},
      {"sslkey", "PGSSLKEY"},
      {"sslrootcert", "PGSSLROOTCERT"},
      {"sslcrl", "PGSSLCRL"},
      {"options", "PGOPTIONS"},
      {"application_name", "PGAPPNAME"},
      {"connect_timeout", "PGCONNECT_TIMEOUT"},
      {"target_session_attrs", "PGTARGETSESSIONATTRS"},
      {"service", "PGSERVICE"},
      {"gssencmode", "PGGSSENCMODE"},
  };
  std::map<std::string, std::string> env;
  for (const auto& [keyword, value] : info) {
    const auto it = kVariables.find(keyword);
    if (it != kVariables.end()) env[it->second] = value;
  }
  if (!env.contains("PGCONNECT_TIMEOUT")) {
    const auto seconds = std::max<std::int64_t>(1, (connect_timeout.count() + 999) / 1000);
    env["PGCONNECT_TIMEOUT"] = std::to_string(seconds);
  }
  if (database) env["PGDATABASE"] = *database;
  return env;
}

std::string resolve_pg_tool(const std::string& program) {
  if (program != "pg_dump" && program != "pg_restore" && program != "psql") return program;
  std::string best;
  long best_version = -1;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
    const auto candidate = e.path() / "bin" / program;
    const std::string version = e.path().filename().string();
    char* end = nullptr;
    const long number = std::strtol(version.c_str(), &end, 10);
    if (end == version.c_str() || !std::filesystem::exists(candidate, ec)) continue;
    if (number > best_version) {
      best_version = number;
      best = candidate.string();
    }
  }
  return best.empty() ? program : best;
}

bool is_connection_failure(const std::string& stderr_text) {
  for (const char* marker :
       {"connection to server", "could not connect", "could not translate host name",
        "password authentication failed", "no password supplied", "Connection refused",
        "server closed the connection"}) {
    if (stderr_text.find(marker) != std::string::npos) return true;
  }
  return false;
}

}  // namespace rwd::postgres::detail
