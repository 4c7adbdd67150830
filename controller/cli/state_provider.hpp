#pragma once
// Internal: the data behind a watcher's read-only API -- what rewind wrote
// last to the state directory. Env file contents never leave it.

#include "rewind/history/store.hpp"
#include "rewind/http/server.hpp"

namespace rwd::cli {

class StateProvider final : public http::ResourceProvider {
 public:
  StateProvider(history::StatusStore& status, history::HistoryStore& history)
      : status_(status), history_(history) {}

  [[nodiscard]] std::vector<model::Json> releases() const override;
  [[nodiscard]] std::optional<model::Json> release(const model::ObjectKey& key) const override;
  [[nodiscard]] std::vector<model::Json> rollbacks() const override;
  [[nodiscard]] std::optional<model::Json> rollback(const model::ObjectKey& key) const override;
  [[nodiscard]] std::optional<model::Json> history(const model::ObjectKey& key) const override;

 private:
  [[nodiscard]] std::vector<model::Json> all(history::StatusKind kind) const;

  history::StatusStore& status_;
  history::HistoryStore& history_;
};

}  // namespace rwd::cli
