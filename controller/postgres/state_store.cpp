// PostgresStateStore: rewind's histories and statuses as jsonb rows, one
// host per process. The tables are in state_schema.cpp.

#include "rewind/postgres/state_store.hpp"

#include <algorithm>
#include <utility>

#include "rewind/history/codec.hpp"
#include "rewind/history/layout.hpp"

#include "session.hpp"
#include "state_schema.hpp"

namespace rwd::postgres {

namespace {

constexpr const char* kHistoryKind = "history";

}  // namespace

struct PostgresStateStore::Row {
  std::string host;
  std::string kind;  // "history", "releases" or "rollbacks"
  model::ObjectKey key;

  [[nodiscard]] bool history() const { return kind == kHistoryKind; }
  [[nodiscard]] const char* table() const {
    return history() ? "rewind_histories" : "rewind_statuses";
  }
  [[nodiscard]] std::string id() const { return host + "|" + kind + ":" + key.str(); }
  // "rewind_statuses (host web-1, releases shop/api)"
  [[nodiscard]] std::string name() const {
    return std::string(table()) + " (host " + host + ", " +
           (history() ? "history of" : kind.c_str()) + " " + key.str() + ")";
  }
  // The WHERE clause for this row.
  [[nodiscard]] std::string match(pqxx::transaction_base& t) const {
    std::string sql = "host = " + t.quote(host) + " AND namespace = " + t.quote(key.ns) +
                      " AND name = " + t.quote(key.name);
    if (!history()) sql += " AND kind = " + t.quote(kind);
    return sql;
  }
};

namespace {

using Row = PostgresStateStore::Row;

Row row_of(const std::string& host, history::StatusKind kind, const model::ObjectKey& key) {
  return {host, history::to_string(kind), key};
}

model::Result<model::Release> decode(const std::string& text, const std::string& source,
                                     const model::ObjectKey& key, const model::Release*) {
  return history::decode_release_text(text, source, key);
}

model::Result<model::Rollback> decode(const std::string& text, const std::string& source,
                                      const model::ObjectKey& key, const model::Rollback*) {
  return history::decode_rollback_text(text, source, key);
}

}  // namespace

PostgresStateStore::PostgresStateStore(DatabaseUrl url, std::string host, DriverOptions options)
    : url_(std::move(url)), host_(std::move(host)), options_(options) {}

PostgresStateStore::~PostgresStateStore() = default;

model::Result<std::unique_ptr<PostgresStateStore>> PostgresStateStore::open(DatabaseUrl url,
                                                                            std::string host,
                                                                            DriverOptions options) {
  if (host.empty()) return model::Error::invalid_spec("the state host name must not be empty");
  std::unique_ptr<PostgresStateStore> store(
      new PostgresStateStore(std::move(url), std::move(host), options));
  const std::lock_guard lock(store->mu_);
  if (auto st = store->connect_locked(); !st) return st.error();
  return store;
}

model::Status PostgresStateStore::connect_locked() {
  auto session = detail::Session::open(url_, options_);
  if (!session) return session.error().error;
  try {
    detail::ensure_state_schema(session.value()->connection());
  } catch (...) {
    return detail::current_error(url_, "creating the state tables in " + url_.display()).error;
  }
  session_ = std::move(session.value());
  return {};
}

template <class F>
model::Status PostgresStateStore::run(const std::string& context, F&& body) {
  const std::lock_guard lock(mu_);
  for (int attempt = 0;; ++attempt) {
    if (!session_) {
      if (auto st = connect_locked(); !st) return st;
    }
    try {
      body(session_->connection());
      return {};
    } catch (const pqxx::broken_connection&) {
      session_.reset();  // opened again on the next attempt or call
      if (attempt == 0) continue;
      return detail::current_error(url_, context + " in " + url_.display()).error;
    } catch (...) {
      return detail::current_error(url_, context + " in " + url_.display()).error;
    }
  }
}

model::Result<PostgresStateStore::Rows> PostgresStateStore::query(
    const std::string& context, const std::function<std::string(pqxx::transaction_base&)>& sql) {
  Rows rows;
  auto st = run(context, [&](pqxx::connection& c) {
    pqxx::work w(c);
    const auto r = w.exec(sql(w));
    w.commit();
    rows.clear();
    for (const auto& row : r) {
      auto& out = rows.emplace_back();
      for (const auto& field : row) out.push_back(field.c_str());
    }
  });
  if (!st) return st.error();
  return rows;
}

model::Error PostgresStateStore::refuse_later(model::Error e, const Row& row) {
  {
    const std::lock_guard lock(mu_);
    corrupt_.insert(row.id());
  }
  e.message +=
      "\n" + row.name() + " was left as it is: move it aside (quarantine) or repair the row";
  return e;
}

void PostgresStateStore::clear(const Row& row) {
  const std::lock_guard lock(mu_);
  corrupt_.erase(row.id());
}

model::Result<std::optional<std::string>> PostgresStateStore::fetch(const Row& row) {
  std::optional<std::string> text;
  auto st = run("reading " + row.name(), [&](pqxx::connection& c) {
    pqxx::work w(c);
    const auto r = w.exec(std::string("SELECT jsonb_pretty(body) FROM ") + row.table() + " WHERE " +
                          row.match(w));
    w.commit();
    if (!r.empty()) text = r[0][0].as<std::string>() + "\n";
  });
  if (!st) {
    const std::lock_guard lock(mu_);
    corrupt_.insert(row.id());  // unreadable: not to be replaced blindly either
    return st.error();
  }
  if (!text) clear(row);  // removed by hand: nothing left to protect
  return text;
}

model::Status PostgresStateStore::store(const Row& row, const std::string& body) {
  {
    const std::lock_guard lock(mu_);
    if (corrupt_.count(row.id()) != 0) {
      return model::Error::terminal("refusing to replace " + url_.display() + " " + row.name() +
                                    ": it could not be read back; quarantine or remove it first");
    }
  }
  return run("writing " + row.name(), [&](pqxx::connection& c) {
    pqxx::work w(c);
    const std::string keys =
        row.history() ? "host, namespace, name" : "host, kind, namespace, name";
    const std::string values = w.quote(row.host) + ", " +
                               (row.history() ? "" : w.quote(row.kind) + ", ") +
                               w.quote(row.key.ns) + ", " + w.quote(row.key.name);
    w.exec_params(std::string("INSERT INTO ") + row.table() + " (" + keys + ", body) VALUES (" +
                      values + ", $1::jsonb) ON CONFLICT (" + keys +
                      ") DO UPDATE SET body = EXCLUDED.body, updated_at = now()",
                  body);
    w.commit();
  });
}

model::Status PostgresStateStore::erase(const Row& row) {
  auto st = run("removing " + row.name(), [&](pqxx::connection& c) {
    pqxx::work w(c);
    w.exec(std::string("DELETE FROM ") + row.table() + " WHERE " + row.match(w));
    w.commit();
  });
  if (st) clear(row);
  return st;
}

model::Result<std::string> PostgresStateStore::move_aside(const Row& row) {
  std::optional<std::string> id;
  auto st = run("quarantining " + row.name(), [&](pqxx::connection& c) {
    pqxx::work w(c);
    const auto r =
        w.exec(std::string("WITH moved AS (DELETE FROM ") + row.table() + " WHERE " + row.match(w) +
               " RETURNING host, namespace, name, body) INSERT INTO rewind_quarantine "
               "(host, kind, namespace, name, body) SELECT host, " +
               w.quote(row.kind) + ", namespace, name, body FROM moved RETURNING id");
    w.commit();
    if (!r.empty()) id = r[0][0].as<std::string>();
  });
  if (!st) return st.error();
  if (!id) {
    return model::Error::terminal("cannot quarantine " + url_.display() + " " + row.name() +
                                  ": there is no such row");
  }
  clear(row);
  return "rewind_quarantine id " + *id + " in " + url_.display();
}

model::Result<model::History> PostgresStateStore::load_history(const std::string& host,
                                                               const model::ObjectKey& key) {
  if (auto st = history::check_key(key); !st.ok()) return st.error();
  const Row row{host, kHistoryKind, key};
  auto text = fetch(row);
  if (!text) return text.error();
  if (!*text) return model::History{};
  auto h = history::decode_history_text(**text, url_.display() + " " + row.name());
  if (!h) return refuse_later(h.error(), row);
  clear(row);
  return std::move(*h);
}

template <class T>
model::Result<std::optional<T>> PostgresStateStore::read(const std::string& host,
                                                         history::StatusKind kind,
                                                         const model::ObjectKey& key) {
  if (auto st = history::check_key(key); !st.ok()) return st.error();
  const Row row = row_of(host, kind, key);
  auto text = fetch(row);
  if (!text) return text.error();
  if (!*text) return std::optional<T>();
  auto r = decode(**text, url_.display() + " " + row.name(), key, static_cast<const T*>(nullptr));
  if (!r) return refuse_later(r.error(), row);
  clear(row);
  return std::optional<T>(std::move(*r));
}

model::Result<model::History> PostgresStateStore::load(const model::ObjectKey& key) {
  return load_history(host_, key);
}

model::Result<model::History> PostgresStateStore::load_of(const std::string& host,
                                                          const model::ObjectKey& key) {
  return load_history(host, key);
}

model::Status PostgresStateStore::save(const model::ObjectKey& key, const model::History& history) {
  if (auto st = history::check_key(key); !st.ok()) return st;
  return store({host_, kHistoryKind, key}, history::encode_history(history));
}

model::Status PostgresStateStore::remove(const model::ObjectKey& key) {
  if (auto st = history::check_key(key); !st.ok()) return st;
  return erase({host_, kHistoryKind, key});
}

model::Result<std::string> PostgresStateStore::quarantine(const model::ObjectKey& key) {
  if (auto st = history::check_key(key); !st.ok()) return st.error();
  return move_aside({host_, kHistoryKind, key});
}

model::Status PostgresStateStore::write(const model::Release& release) {
  const model::ObjectKey key = release.metadata.key();
  if (auto st = history::check_key(key); !st.ok()) return st;
  return store(row_of(host_, history::StatusKind::kRelease, key), history::encode_status(release));
}

model::Status PostgresStateStore::write(const model::Rollback& rollback) {
  const model::ObjectKey key = rollback.metadata.key();
  if (auto st = history::check_key(key); !st.ok()) return st;
  return store(row_of(host_, history::StatusKind::kRollback, key),
               history::encode_status(rollback));
}

model::Result<std::optional<model::Release>> PostgresStateStore::read_release(
    const model::ObjectKey& key) {
  return read<model::Release>(host_, history::StatusKind::kRelease, key);
}

model::Result<std::optional<model::Release>> PostgresStateStore::read_release_of(
    const std::string& host, const model::ObjectKey& key) {
  return read<model::Release>(host, history::StatusKind::kRelease, key);
}

model::Result<std::optional<model::Rollback>> PostgresStateStore::read_rollback(
    const model::ObjectKey& key) {
  return read<model::Rollback>(host_, history::StatusKind::kRollback, key);
}

model::Status PostgresStateStore::remove(history::StatusKind kind, const model::ObjectKey& key) {
  if (auto st = history::check_key(key); !st.ok()) return st;
  return erase(row_of(host_, kind, key));
}

model::Result<std::string> PostgresStateStore::quarantine(history::StatusKind kind,
                                                          const model::ObjectKey& key) {
  if (auto st = history::check_key(key); !st.ok()) return st.error();
  return move_aside(row_of(host_, kind, key));
}

}  // namespace rwd::postgres
