#include "session.hpp"

#include <algorithm>

namespace rwd::postgres::detail {
namespace {

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

MigrationError from_sql_error(const pqxx::sql_error& e, const std::string& what) {
  const std::string& state = e.sqlstate();
  if (state == "55P03") {
    return MigrationError::make(MigrationCode::kMigrationBlocked, model::ErrorKind::kTransient,
                                what + " (lock_timeout expired: another session holds a lock)");
  }
  if (state == "57014") {
    return MigrationError::make(MigrationCode::kStatementTimeout, model::ErrorKind::kTransient,
                                what + " (statement_timeout expired or the query was cancelled)");
  }
  if (state.starts_with("28") || state.starts_with("08") || state == "3D000") {
    return MigrationError::make(MigrationCode::kConnection, model::ErrorKind::kTransient, what);
  }
  return MigrationError::make(MigrationCode::kFailed, model::ErrorKind::kTerminal, what);
}

}  // namespace

std::string millis(std::chrono::milliseconds d) { return std::to_string(d.count()) + "ms"; }

std::string with_connect_timeout(const std::string& url, std::chrono::milliseconds timeout) {
  if (url.find("connect_timeout") != std::string::npos) return url;
  const auto seconds = std::max<std::int64_t>(1, (timeout.count() + 999) / 1000);
  const std::string param = "connect_timeout=" + std::to_string(seconds);
  if (url.starts_with("postgres://") || url.starts_with("postgresql://")) {
    return url + (url.find('?') == std::string::npos ? "?" : "&") + param;
  }
  return url + " " + param;
}

MigrationResult<std::unique_ptr<Session>> Session::open(const DatabaseUrl& url,
                                                        const DriverOptions& options) {
  try {
    auto c = std::make_unique<pqxx::connection>(
        with_connect_timeout(url.secret(), options.connect_timeout));
    return std::make_unique<Session>(std::move(c));
  } catch (...) {
    return current_error(url, "connecting to " + url.display());
  }
}

pqxx::result Session::exec_now(const std::string& sql) {
  pqxx::nontransaction n(*connection_);
  auto r = n.exec(sql);
  n.commit();
  return r;
}

bool commit_in_doubt() {
  try {
    throw;
  } catch (const pqxx::in_doubt_error&) {
    return true;
  } catch (...) {
    return false;
  }
}

MigrationError current_error(const DatabaseUrl& url, const std::string& context) {
  try {
    throw;
  } catch (const pqxx::in_doubt_error&) {
    // The connection broke during COMMIT (the server restarted, say): the
    // transaction may or may not have committed. Transient: the next attempt
    // reads the database again and finds out.
    return MigrationError::make(
        MigrationCode::kConnection, model::ErrorKind::kTransient,
        url.redact(context + ": the connection to " + url.display() +
                   " broke during COMMIT; whether the transaction committed is unknown"));
  } catch (const pqxx::broken_connection& e) {
    return MigrationError::make(MigrationCode::kConnection, model::ErrorKind::kTransient,
                                url.redact(context + ": " + trimmed(e.what())));
  } catch (const pqxx::sql_error& e) {
    return from_sql_error(e, url.redact(context + ": " + trimmed(e.what())));
  } catch (const std::exception& e) {
    return MigrationError::make(MigrationCode::kFailed, model::ErrorKind::kTerminal,
                                url.redact(context + ": " + trimmed(e.what())));
  } catch (...) {
    return MigrationError::make(MigrationCode::kFailed, model::ErrorKind::kTerminal,
                                context + ": unknown error");
  }
}

}  // namespace rwd::postgres::detail
