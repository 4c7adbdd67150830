#pragma once
// rewind's state (revision histories, the status of Releases and Rollbacks)
// in PostgreSQL instead of a state directory, for fleets: every host writes
// its own rows (the primary keys start with the host name), so one database
// shows every host's Releases (`rewind status --state postgres://...`).
//
// Tables (created on first use under an advisory lock; rewind_state_schema
// holds the version so a later rewind can upgrade them):
//   rewind_histories(host, namespace, name, body jsonb, updated_at)
//   rewind_statuses(host, kind, namespace, name, body jsonb, updated_at)
//   rewind_quarantine(id, host, kind, namespace, name, body jsonb, quarantined_at)
//
// The contract of history/store.hpp holds: a body that does not decode is an
// error naming the host, the key and the field, and writes to that key are
// refused until a later read succeeds, it is quarantined or removed. Every
// write is one statement. Calls are serialised on one connection (a mutex);
// a broken connection is opened again once per call.

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "rewind/history/store.hpp"
#include "rewind/model/result.hpp"
#include "rewind/postgres/database_url.hpp"
#include "rewind/postgres/driver.hpp"

namespace pqxx {
class transaction_base;
}  // namespace pqxx

namespace rwd::postgres {

namespace detail {
class Session;
}  // namespace detail

inline constexpr int kStateSchemaVersion = 1;

// True for postgres://... and postgresql://... (what --state accepts).
bool is_state_url(const std::string& text);

// This machine's host name ("localhost" when it has none).
std::string local_host_name();

struct HostKey {
  std::string host;
  model::ObjectKey key;
  auto operator<=>(const HostKey&) const = default;
};

class PostgresStateStore final : public history::HistoryStore, public history::StatusStore {
 public:
  // Connects and creates or upgrades the tables. `host` must be non-empty.
  static model::Result<std::unique_ptr<PostgresStateStore>> open(DatabaseUrl url, std::string host,
                                                                 DriverOptions options = {});
  ~PostgresStateStore() override;

  // HistoryStore, for this store's host.
  model::Result<model::History> load(const model::ObjectKey& key) override;
  model::Status save(const model::ObjectKey& key, const model::History& history) override;
  model::Result<std::vector<model::ObjectKey>> list() override;
  model::Status remove(const model::ObjectKey& key) override;
  model::Result<std::string> quarantine(const model::ObjectKey& key) override;

  // StatusStore, for this store's host.
  model::Status write(const model::Release& release) override;
  model::Status write(const model::Rollback& rollback) override;
  model::Result<std::optional<model::Release>> read_release(const model::ObjectKey& key) override;
  model::Result<std::optional<model::Rollback>> read_rollback(const model::ObjectKey& key) override;
  model::Result<std::vector<model::ObjectKey>> list(history::StatusKind kind) override;
  model::Status remove(history::StatusKind kind, const model::ObjectKey& key) override;
  model::Result<std::string> quarantine(history::StatusKind kind,
                                        const model::ObjectKey& key) override;

  // Across hosts (read only): every Release of every host, sorted; and one.
  model::Result<std::vector<HostKey>> list_all_releases();
  model::Result<std::optional<model::Release>> read_release_of(const std::string& host,
                                                               const model::ObjectKey& key);
  model::Result<model::History> load_of(const std::string& host, const model::ObjectKey& key);

  [[nodiscard]] const std::string& host() const { return host_; }
  // "postgresql://rewind@db:5432/rewind" (no password).
  [[nodiscard]] const std::string& display() const { return url_.display(); }

  struct Row;  // internal: one row of rewind_histories or rewind_statuses

 private:
  using Rows = std::vector<std::vector<std::string>>;
  PostgresStateStore(DatabaseUrl url, std::string host, DriverOptions options);

  // Runs `body` on the connection under the mutex, opening it again once when
  // it broke. Exceptions become errors naming `context`, redacted.
  template <class F>
  model::Status run(const std::string& context, F&& body);
  model::Status connect_locked();
  // The text of every column of every row `sql` selects.
  model::Result<Rows> query(const std::string& context,
                            const std::function<std::string(pqxx::transaction_base&)>& sql);

  model::Result<std::optional<std::string>> fetch(const Row& row);
  model::Status store(const Row& row, const std::string& body);
  model::Status erase(const Row& row);
  model::Result<std::string> move_aside(const Row& row);
  template <class T>
  model::Result<std::optional<T>> read(const std::string& host, history::StatusKind kind,
                                       const model::ObjectKey& key);
  model::Result<model::History> load_history(const std::string& host, const model::ObjectKey& key);

  model::Error refuse_later(model::Error e, const Row& row);
  void clear(const Row& row);

  DatabaseUrl url_;
  std::string host_;
  DriverOptions options_;
  std::mutex mu_;
  std::unique_ptr<detail::Session> session_;
  std::set<std::string> corrupt_;  // Row ids whose last read failed
};

}  // namespace rwd::postgres
