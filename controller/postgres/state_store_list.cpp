// PostgresStateStore: the listings, for this host and across hosts; the
// small helpers of --state.

#include <unistd.h>

#include <algorithm>

#include <pqxx/pqxx>

#include "rewind/postgres/state_store.hpp"

namespace rwd::postgres {

namespace {

std::vector<model::ObjectKey> sorted_keys(const std::vector<std::vector<std::string>>& rows) {
  std::vector<model::ObjectKey> keys;
  keys.reserve(rows.size());
  for (const auto& r : rows) keys.push_back({r.at(0), r.at(1)});
  std::sort(keys.begin(), keys.end());
  return keys;
}

}  // namespace

bool is_state_url(const std::string& text) {
  return text.starts_with("postgres://") || text.starts_with("postgresql://");
}

std::string local_host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "localhost";
  return buf;
}

model::Result<std::vector<model::ObjectKey>> PostgresStateStore::list() {
  auto rows = query("listing the histories of host " + host_, [&](pqxx::transaction_base& t) {
    return "SELECT namespace, name FROM rewind_histories WHERE host = " + t.quote(host_);
  });
  if (!rows) return rows.error();
  return sorted_keys(*rows);
}

model::Result<std::vector<model::ObjectKey>> PostgresStateStore::list(history::StatusKind kind) {
  const std::string k = history::to_string(kind);
  auto rows = query("listing the " + k + " of host " + host_, [&](pqxx::transaction_base& t) {
    return "SELECT namespace, name FROM rewind_statuses WHERE host = " + t.quote(host_) +
           " AND kind = " + t.quote(k);
  });
  if (!rows) return rows.error();
  return sorted_keys(*rows);
}

model::Result<std::vector<HostKey>> PostgresStateStore::list_all_releases() {
  auto rows = query("listing the releases of every host", [](pqxx::transaction_base&) {
    return std::string("SELECT host, namespace, name FROM rewind_statuses WHERE kind = 'releases'");
  });
  if (!rows) return rows.error();
  std::vector<HostKey> out;
  out.reserve(rows->size());
  for (const auto& r : *rows) out.push_back({r.at(0), {r.at(1), r.at(2)}});
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace rwd::postgres
