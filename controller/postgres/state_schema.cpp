#include "state_schema.hpp"

#include <stdexcept>
#include <string>

#include "rewind/postgres/state_store.hpp"

namespace rwd::postgres::detail {
namespace {

// A fixed key for the schema lock: "rewind:state" in ASCII, truncated.
constexpr const char* kSchemaLock = "SELECT pg_advisory_xact_lock(8246916370571929956)";

constexpr const char* kVersion1 = R"sql(
CREATE TABLE IF NOT EXISTS rewind_histories (
  host text NOT NULL, namespace text NOT NULL, name text NOT NULL,
  body jsonb NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (host, namespace, name));
CREATE TABLE IF NOT EXISTS rewind_statuses (
  host text NOT NULL, kind text NOT NULL, namespace text NOT NULL, name text NOT NULL,
  body jsonb NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (host, kind, namespace, name));
CREATE TABLE IF NOT EXISTS rewind_quarantine (
  id bigserial PRIMARY KEY, host text NOT NULL, kind text NOT NULL,
  namespace text NOT NULL, name text NOT NULL, body jsonb NOT NULL,
  quarantined_at timestamptz NOT NULL DEFAULT now());
)sql";

int current_version(pqxx::work& w) {
  const auto r = w.exec("SELECT coalesce(max(version), 0) FROM rewind_state_schema");
  return r[0][0].as<int>();
}

}  // namespace

void ensure_state_schema(pqxx::connection& c) {
  pqxx::work w(c);
  w.exec(kSchemaLock);
  w.exec("CREATE TABLE IF NOT EXISTS rewind_state_schema (version int NOT NULL)");
  const int version = current_version(w);
  if (version > kStateSchemaVersion) {
    throw std::runtime_error("the state tables are version " + std::to_string(version) +
                             ", newer than this rewind knows (" +
                             std::to_string(kStateSchemaVersion) + "): upgrade rewind");
  }
  if (version < 1) {
    w.exec(kVersion1);
    w.exec("INSERT INTO rewind_state_schema (version) VALUES (1)");
  }
  // Later versions: `if (version < 2) { ALTER ...; INSERT 2 }`.
  w.commit();
}

}  // namespace rwd::postgres::detail
